"""``courtside notify``: deliver tampering alerts (the original's Lambda + SNS email)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from courtside.cli._common import console, err_console, print_json, settings


class ChannelName(StrEnum):
    """Notification channels."""

    console = "console"
    email = "email"
    webhook = "webhook"
    sns = "sns"


def notify(
    ctx: typer.Context,
    channel: Annotated[
        ChannelName, typer.Option(help="Where to send alerts.")
    ] = ChannelName.console,
    once: Annotated[
        bool, typer.Option("--once", help="Deliver what is on the alerts stream and exit.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Deliver each alert once per channel (restarts included); updates say so.

    Email and webhook settings live in the [notify] section of the config (or
    COURTSIDE_NOTIFY__* variables). Without --once it follows the stream until Ctrl-C.
    """
    from courtside.notify.service import run_notifier

    report = run_notifier(settings(ctx), channel.value, once=once, handle_signals=True)
    if as_json:
        print_json(report.as_dict())
    else:
        console.print(
            f"{report.channel}: read {report.read}, sent {report.sent}, updates "
            f"{report.updates}, repeats skipped {report.repeats}, bad {report.bad}, "
            f"rejected {report.rejected}; committed up to seq {report.committed_seq}",
            highlight=False,
        )
    if report.down:
        from rich.markup import escape

        err_console.print(
            f"[red]channel down:[/red] {escape(str(report.last_error))}", highlight=False
        )
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("notify")(notify)
