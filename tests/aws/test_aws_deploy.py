"""The CloudFormation template deploys to the local AWS-protocol server and creates every
resource the AWS backends use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from courtside.aws import AwsError, AwsSettings, client
from courtside.aws.deploy import deploy, settings_for, stack_outputs, template_body

pytestmark = pytest.mark.aws


def test_template_in_deploy_folder_is_the_packaged_one(repo_root: Path) -> None:
    assert (repo_root / "deploy/cloudformation/courtside.yaml").read_text() == template_body()


def test_cfn_lint_passes(repo_root: Path) -> None:
    lint = Path(sys.executable).with_name("cfn-lint")
    done = subprocess.run(
        [str(lint), str(repo_root / "deploy/cloudformation/courtside.yaml")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_deploy_creates_every_resource(aws_endpoint: str) -> None:
    aws = AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")
    outputs = deploy(aws, stack="cs-deploy-test", prefix="csdeploy", email="fan@example.com")
    again = deploy(aws, stack="cs-deploy-test", prefix="csdeploy", email="fan@example.com")
    assert again == outputs  # idempotent
    bucket = outputs["LakeBucket"]
    assert outputs["LakeUrl"] == f"s3://{bucket}/lake"
    client("s3", aws).head_bucket(Bucket=bucket)
    kinesis = client("kinesis", aws)
    for name in ("tweets", "alerts", "control"):
        summary = kinesis.describe_stream_summary(StreamName=f"csdeploy-{name}")
        assert summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"
    dynamo = client("dynamodb", aws)
    control = dynamo.describe_table(TableName="csdeploy-control")["Table"]
    assert control["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert outputs["ControlTableStreamArn"] == control["LatestStreamArn"]
    for table in ("csdeploy-players", "csdeploy-leases"):
        dynamo.describe_table(TableName=table)
    sns = client("sns", aws)
    subs = sns.list_subscriptions_by_topic(TopicArn=outputs["AlertsTopicArn"])["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subs] == [("email", "fan@example.com")]
    client("glue", aws).get_database(Name=outputs["GlueDatabase"])
    iam = client("iam", aws)
    for role in ("collector", "delivery", "etl", "daily-job", "detector", "notifier"):
        iam.get_role(RoleName=f"csdeploy-{role}")
    overrides = settings_for(outputs, aws)
    assert overrides["stream"]["kinesis_prefix"] == "csdeploy-"
    assert overrides["lake_root"] == outputs["LakeUrl"]


def test_missing_stack_is_a_clear_error(aws_endpoint: str) -> None:
    aws = AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")
    with pytest.raises(AwsError, match="courtside aws deploy"):
        stack_outputs(aws, "no-such-stack")
