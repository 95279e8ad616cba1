"""``courtside demo --aws``: the demo on the original's AWS services.

It deploys ``deploy/cloudformation/courtside.yaml`` (bucket, Kinesis streams, DynamoDB
tables with the control table's stream and the lease table, SNS topic, Glue database, one
IAM role per component), points every stage at the stack's resources (lake on S3, streams
on Kinesis, players and control tables on DynamoDB, catalog in Glue, alerts through SNS)
and runs the same demo as on one machine, plus the SNS notifier.

Where it runs: by default on a local AWS-protocol server (``moto_server``, the
``aws-local`` extra) that it starts on a free 127.0.0.1 port and stops at the end, so no
account is needed; on any endpoint given with ``--aws-endpoint``; or, with
``--real-account``, on the account of boto3's standard credential chain (that creates
real, billed resources: see the README).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pydantic import ValidationError

from courtside.aws.config import AwsSettings
from courtside.config import Settings
from courtside.errors import ConfigError

__all__ = ["AwsDemo", "aws_demo", "stack_settings"]

STACK = "courtside-demo"
PREFIX = "courtside-demo"
# Throwaway credentials for the local server only (it accepts any); a real account's come
# from the standard chain and are never set here.
_LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "courtside-local",
    "AWS_SECRET_ACCESS_KEY": "courtside-local",
}


@dataclass
class AwsDemo:
    """Where the AWS demo ran: the endpoint (None: a real account) and the stack."""

    settings: Settings
    endpoint: str | None
    outputs: dict[str, str]

    def resources(self) -> list[tuple[str, str]]:
        """The stack's resources the demo used, as ``(what, name)`` rows."""
        out = self.outputs
        return [
            ("lake (S3)", out["LakeUrl"]),
            ("streams (Kinesis)", f"{out['StreamPrefix']}tweets, alerts, control"),
            ("players table (DynamoDB)", out["PlayersTable"]),
            ("control table (DynamoDB + stream)", out["ControlTable"]),
            ("leases (DynamoDB)", out["LeaseTable"]),
            ("catalog (Glue)", out.get("GlueDatabase", "twitter_nba_db")),
            ("alerts topic (SNS)", out["AlertsTopicArn"]),
        ]


def stack_settings(base: Settings, outputs: dict[str, str], aws: AwsSettings) -> Settings:
    """``base`` with every stage on the stack (the home becomes ``<home>/aws-demo``)."""
    from courtside.aws.deploy import settings_for

    on_stack = settings_for(outputs, aws)
    data = base.model_dump(exclude={"home", "lake_root"})
    data["home"] = base.home / "aws-demo"
    data["lake_root"] = on_stack["lake_root"]
    data["stream"] = {**data["stream"], **on_stack["stream"]}
    data["aws"] = {
        **aws.model_dump(),
        "players_table": outputs["PlayersTable"],
        "control_table": outputs["ControlTable"],
    }
    data["catalog"] = {**data["catalog"], "backend": "glue"}
    data["notify"] = {**data["notify"], "sns_topic_arn": outputs["AlertsTopicArn"]}
    return Settings.model_validate(data)


@contextmanager
def aws_demo(
    base: Settings,
    *,
    endpoint: str | None = None,
    real_account: bool = False,
    email: str = "",
    say: Callable[[str], None] = lambda _: None,
) -> Iterator[AwsDemo]:
    """Deploy the stack and yield settings that run every stage on it.

    Args:
        base: The home's settings (home folder, warehouse, stage sections).
        endpoint: An AWS-protocol endpoint to use (default: start a local one).
        real_account: No endpoint: the account of the standard credential chain.
        email: Address subscribed to the alerts topic (empty: none).
        say: Progress messages.

    Raises:
        ConfigError: ``endpoint`` and ``real_account`` together, or moto missing.
    """
    from courtside.aws.deploy import deploy
    from courtside.aws.local_server import start_moto_server
    from courtside.reference.dynamo import save_players_dynamo
    from courtside.reference.players import load_players

    if endpoint and real_account:
        raise ConfigError("use either --aws-endpoint or --real-account, not both", key="aws")
    server = None
    saved = {k: os.environ.get(k) for k in _LOCAL_CREDENTIALS}
    try:
        if not endpoint and not real_account:
            say("starting a local AWS-protocol server (moto_server) on 127.0.0.1")
            server = start_moto_server()
            endpoint = server.url
        if endpoint:
            for key, value in _LOCAL_CREDENTIALS.items():
                os.environ.setdefault(key, value)
        # Validated like a configured value (a malformed --aws-endpoint is one clear line).
        aws = _aws_settings(base, endpoint)
        where = endpoint or f"the AWS account of your credentials ({aws.region})"
        say(f"deploying the CloudFormation stack {STACK} on {where}")
        outputs = deploy(aws, stack=STACK, prefix=PREFIX, email=email)
        settings = stack_settings(base, outputs, aws)
        if server is not None:  # the last local server, and all it held, is gone
            shutil.rmtree(settings.state_dir, ignore_errors=True)
        players = outputs["PlayersTable"]
        if not _has_items(aws, players):  # the original's players table, filled once
            say(f"loading the players table into DynamoDB {players}")
            save_players_dynamo(aws, players, load_players(base.home))
        yield AwsDemo(settings, endpoint, outputs)
    finally:
        if server is not None:
            say("stopping the local AWS-protocol server")
            server.stop()
            for key, before in saved.items():
                if before is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = before


def _aws_settings(base: Settings, endpoint: str | None) -> AwsSettings:
    values = {
        **base.aws.model_dump(),
        "endpoint_url": endpoint,
        "region": base.aws.region or "us-east-1",
    }
    try:
        return AwsSettings.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "aws"
        message = f"invalid --aws-endpoint/[aws] {where}: {err['msg']}"
        raise ConfigError(message, key="aws") from None


def _has_items(aws: AwsSettings, table: str) -> bool:
    from courtside.aws import client

    answer = client("dynamodb", aws).scan(TableName=table, Limit=1, Select="COUNT")
    return int(answer.get("Count", 0)) > 0
