"""``courtside demo``: the whole pipeline on generated data, for a first look."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from courtside.cli._common import console, print_json, settings
from courtside.config import Settings
from courtside.demo import DemoReport, run_demo


def demo(
    ctx: typer.Context,
    posts: Annotated[int, typer.Option(min=100, max=5_000_000, help="Posts to generate.")] = 50_000,
    days: Annotated[int, typer.Option(min=1, max=60, help="Days of posts.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    aws: Annotated[
        bool,
        typer.Option(
            "--aws",
            help="Run on the original's AWS services: deploy the CloudFormation stack, then "
            "S3, Kinesis, DynamoDB (+ Streams), Glue and SNS. Default: on a local AWS-protocol "
            "server started for the run (needs the aws-local extra: make demo-aws).",
        ),
    ] = False,
    aws_endpoint: Annotated[
        str | None,
        typer.Option(
            help="With --aws: use this AWS-protocol endpoint instead.", show_default=False
        ),
    ] = None,
    real_account: Annotated[
        bool,
        typer.Option(
            "--real-account",
            help="With --aws: deploy to the account of your AWS credentials (creates billed "
            "resources; see the README).",
        ),
    ] = False,
    email: Annotated[
        str, typer.Option(help="With --aws: address subscribed to the alerts topic.")
    ] = "",
) -> None:
    """Run the pipeline on a few days of generated posts and print a summary.

    The posts include duplicates, late records and tampering scenarios.
    """
    cfg = settings(ctx)
    say = (lambda _: None) if as_json else (lambda m: console.print(f"• {m}"))
    if not aws:
        if aws_endpoint or real_account:
            raise typer.BadParameter("needs --aws", param_hint="--aws-endpoint/--real-account")
        report = run_demo(cfg, posts=posts, days=days, seed=seed, say=say)
        _summary(report, cfg, as_json)
        if not as_json:
            for line in next_steps(cfg.home):
                # One command per line, never wrapped by rich: it stays copyable as it is.
                console.print(line, soft_wrap=True, highlight=False, markup=False)
        return
    from courtside.demo_aws import aws_demo

    with aws_demo(
        cfg, endpoint=aws_endpoint, real_account=real_account, email=email, say=say
    ) as stack:
        report = run_demo(
            stack.settings, posts=posts, days=days, seed=seed, say=say, notify_channel="sns"
        )
        _summary(report, stack.settings, as_json, resources=stack.resources())
    if not as_json and stack.endpoint is not None and aws_endpoint is None:
        console.print(
            "The local AWS server was stopped, and everything on it with it. To look around "
            "afterwards, start one you keep (moto_server -p 5000) and run with "
            "--aws-endpoint http://127.0.0.1:5000.",
            highlight=False,
        )


def _summary(
    report: DemoReport,
    cfg: Settings,
    as_json: bool,
    resources: list[tuple[str, str]] | None = None,
) -> None:
    if as_json:
        print_json(
            {
                "steps": report.steps,
                "zones": report.zones,
                "alerts": report.alerts,
                "top_players": report.top_players,
                "seconds": report.seconds,
                **({"aws": dict(resources)} if resources is not None else {}),
            }
        )
        return
    table = Table("zone", "files", "records", "MiB", title=f"lake at {cfg.lake_url}")
    for zone, c in report.zones.items():
        table.add_row(zone, str(c["files"]), f"{c['records']:,}", f"{c['bytes'] / 2**20:.1f}")
    console.print(table)
    top = Table("player", "posts", title="top players (warehouse playerstotaltweets)")
    for player, total in report.top_players:
        top.add_row(player, f"{total:,}")
    console.print(top)
    alerts = Table(
        "team",
        "addressed player",
        "posts",
        "from",
        "window (UTC)",
        title=f"{len(report.alerts)} tampering alerts",
    )
    for a in report.alerts[:15]:
        alerts.add_row(
            str(a.get("team")),
            str(a.get("tamperingPlayer")),
            str(a.get("total")),
            ", ".join(map(str, a.get("players", []))),
            f"{a.get('window_start')} - {a.get('window_end')}",
        )
    console.print(alerts)
    if resources is not None:
        stack = Table("resource", "name", title="on AWS (the CloudFormation stack)")
        for what, name in resources:
            stack.add_row(what, name)
        console.print(stack)
    console.print(f"done in {report.seconds:.1f}s." + (" Next:" if resources is None else ""))


def next_steps(home: Path) -> list[str]:
    """The commands the demo suggests, each on its own line with its comment."""
    prefix = f"courtside --home {shlex.quote(str(home))}"
    query = shlex.quote("SELECT count(*) FROM twitter_nba_db.tweets")
    return [
        f"  {prefix} dashboard    # open http://127.0.0.1:8501",
        f"  {prefix} sql {query}    # query the lake",
    ]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
