"""``courtside aws``: deploy the CloudFormation stack and show what to configure for it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from courtside.cli._common import AsJson, console, print_json, settings

aws_app = typer.Typer(
    help="The original's AWS resources: deploy deploy/cloudformation/courtside.yaml with "
    "[aws] (region, endpoint_url, profile; credentials from boto3's standard chain) and "
    "print the settings that run every stage on it.",
    no_args_is_help=True,
)

_Stack = Annotated[str, typer.Option(help="CloudFormation stack name.")]


def _settings_toml(outputs: dict[str, str]) -> list[str]:
    """The ``courtside.toml`` lines that point every stage at the stack."""
    return [
        f'lake_root = "{outputs["LakeUrl"]}"',
        "",
        "[stream]",
        'backend = "kinesis"',
        f'kinesis_prefix = "{outputs["StreamPrefix"]}"',
        f'kinesis_lease_table = "{outputs["LeaseTable"]}"',
        "",
        "[aws]",
        f'players_table = "{outputs["PlayersTable"]}"',
        f'control_table = "{outputs["ControlTable"]}"',
        "",
        "[catalog]",
        'backend = "glue"',
        "",
        "[notify]",
        f'sns_topic_arn = "{outputs["AlertsTopicArn"]}"',
    ]


def _shown(outputs: dict[str, str], stack: str, as_json: bool) -> bool:
    """Print a stack's outputs (JSON or a table); True when printed as JSON."""
    if as_json:
        print_json(outputs)
        return True
    table = Table("output", "value", title=f"stack {stack}")
    for key, value in sorted(outputs.items()):
        table.add_row(key, value)
    console.print(table)
    return False


@aws_app.command("deploy")
def deploy_stack(
    ctx: typer.Context,
    stack: _Stack = "courtside",
    prefix: Annotated[
        str, typer.Option(help="Prefix of every resource name (courtside-tweets, ...).")
    ] = "courtside",
    email: Annotated[str, typer.Option(help="Address subscribed to the alerts topic.")] = "",
    shards: Annotated[int, typer.Option(min=1, max=64, help="Shards of the tweets stream.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outputs as JSON.")] = False,
) -> None:
    """Create or update the stack (idempotent) and print its resources and the
    configuration that uses them. On a real account this creates billed resources."""
    from courtside.aws.deploy import deploy

    cfg = settings(ctx)
    outputs = deploy(cfg.aws, stack=stack, prefix=prefix, email=email, shard_count=shards)
    if _shown(outputs, stack, as_json):
        return
    console.print("Add to courtside.toml to run every stage on it:", highlight=False)
    for line in _settings_toml(outputs):
        console.print(f"  {line}" if line else "", soft_wrap=True, highlight=False, markup=False)


@aws_app.command("outputs")
def outputs_of(
    ctx: typer.Context,
    stack: _Stack = "courtside",
    as_json: AsJson = False,
) -> None:
    """Show a deployed stack's outputs (bucket, streams, tables, topic, roles)."""
    from courtside.aws.deploy import stack_outputs

    _shown(stack_outputs(settings(ctx).aws, stack), stack, as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(aws_app, name="aws")
