"""Deploy courtside's AWS resources from its one CloudFormation template.

The template (``deploy/cloudformation/courtside.yaml``, shipped in the package) creates the
lake bucket, the three Kinesis streams, the DynamoDB tables, the SNS topic, the Glue
database and one IAM role per component. :func:`deploy` creates or updates the stack and
returns its outputs; :func:`settings_for` turns them into the configuration that points
every stage at those resources.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

from courtside.aws import AwsSettings, aws_error, client, error_code

__all__ = ["STACK_NAME", "deploy", "settings_for", "stack_outputs", "template_body"]

log = logging.getLogger(__name__)

STACK_NAME = "courtside"


def template_body() -> str:
    """The CloudFormation template's text."""
    return (
        resources.files("courtside.aws")
        .joinpath("cloudformation/courtside.yaml")
        .read_text(encoding="utf-8")
    )


def stack_outputs(aws: AwsSettings, stack: str = STACK_NAME) -> dict[str, str]:
    """The outputs of a deployed stack.

    Raises:
        AwsError: when the stack does not exist (or cannot be read).
    """
    cf = client("cloudformation", aws)
    try:
        described = cf.describe_stacks(StackName=stack)["Stacks"][0]
    except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
        raise aws_error(
            exc, f"CloudFormation stack {stack!r}", "run `courtside aws deploy`"
        ) from None
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", ())}


def deploy(
    aws: AwsSettings,
    *,
    stack: str = STACK_NAME,
    prefix: str = "courtside",
    email: str = "",
    shard_count: int = 1,
) -> dict[str, str]:
    """Create (or update) the stack and wait until it is complete.

    Args:
        aws: Where to deploy.
        stack: The stack's name.
        prefix: Prefix of every resource name.
        email: Address subscribed to the alerts topic (empty: none).
        shard_count: Shards of the tweets stream.

    Returns:
        The stack's outputs.
    """
    cf = client("cloudformation", aws)
    params = [
        {"ParameterKey": "Prefix", "ParameterValue": prefix},
        {"ParameterKey": "NotificationEmail", "ParameterValue": email},
        {"ParameterKey": "ShardCount", "ParameterValue": str(shard_count)},
    ]
    kwargs: dict[str, Any] = {
        "StackName": stack,
        "TemplateBody": template_body(),
        "Parameters": params,
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
    }
    try:
        exists = True
        try:
            cf.describe_stacks(StackName=stack)
        except Exception as exc:  # noqa: BLE001 - "does not exist" is a ValidationError
            if error_code(exc) != "ValidationError":
                raise
            exists = False
        if exists:
            try:
                cf.update_stack(**kwargs)
                cf.get_waiter("stack_update_complete").wait(StackName=stack)
            except Exception as exc:  # noqa: BLE001 - an unchanged stack is fine
                if "No updates are to be performed" not in str(exc):
                    raise
        else:
            cf.create_stack(**kwargs)
            cf.get_waiter("stack_create_complete").wait(
                StackName=stack, WaiterConfig={"Delay": 2, "MaxAttempts": 300}
            )
    except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
        raise aws_error(exc, f"deploying CloudFormation stack {stack!r}") from None
    outputs = stack_outputs(aws, stack)
    _ensure_glue_database(aws, outputs.get("GlueDatabase", "twitter_nba_db"))
    return outputs


def _ensure_glue_database(aws: AwsSettings, name: str) -> None:
    """Create the Glue database if the stack did not (a local AWS server that does not model
    ``AWS::Glue::Database`` in CloudFormation); idempotent."""
    glue = client("glue", aws)
    try:
        glue.get_database(Name=name)
    except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
        if error_code(exc) != "EntityNotFoundException":
            raise aws_error(exc, f"Glue database {name!r}") from None
        log.info("creating Glue database %s (not made by the stack)", name)
        glue.create_database(DatabaseInput={"Name": name})


def settings_for(outputs: dict[str, str], aws: AwsSettings) -> dict[str, Any]:
    """Configuration (as ``load_settings`` overrides) that runs every stage on the stack."""
    return {
        "lake_root": outputs["LakeUrl"],
        "aws": aws.model_dump(exclude_none=True),
        "stream": {
            "backend": "kinesis",
            "kinesis_prefix": outputs["StreamPrefix"],
            "kinesis_lease_table": outputs["LeaseTable"],
        },
    }
