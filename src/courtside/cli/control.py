"""``courtside control``: the control table (teams whose posts are not checked)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from courtside.cli._common import AsJson, console, print_json, settings
from courtside.reference.control import ControlChangeResult, check_team
from courtside.reference.sources import open_control_table, players_of

control_app = typer.Typer(
    help="The control table: allow (do not check) or deny a team. Every change reaches the "
    "detector: on the control stream as a DynamoDB-stream-shaped event, or, with "
    "[aws] control_table, through the DynamoDB table's own stream.",
    no_args_is_help=True,
)

_Team = Annotated[str, typer.Argument(help="Team name as in the players table.")]
_Any = Annotated[
    bool, typer.Option("--any-team", help="Accept a team that is not in the players table.")
]


def _show(result: ControlChangeResult) -> None:
    if result.event_name is None:
        console.print(f"{result.team}: unchanged", highlight=False)
    elif result.stream_seq is None:  # DynamoDB: the change is on the table's stream
        console.print(f"{result.team}: {result.event_name}", highlight=False)
    else:
        console.print(
            f"{result.team}: {result.event_name} (control seq {result.stream_seq})",
            highlight=False,
        )


def _team(ctx: typer.Context, team: str, any_team: bool) -> str:
    cfg = settings(ctx)
    return check_team(team, None if any_team else players_of(cfg))


@control_app.command("allow")
def allow(ctx: typer.Context, team: _Team, any_team: _Any = False) -> None:
    """Allow TEAM: its posts are not checked for tampering."""
    name = _team(ctx, team, any_team)
    with open_control_table(settings(ctx)) as table:
        _show(table.allow(name))


@control_app.command("deny")
def deny(ctx: typer.Context, team: _Team, any_team: _Any = False) -> None:
    """Deny TEAM: its posts are checked."""
    name = _team(ctx, team, any_team)
    with open_control_table(settings(ctx)) as table:
        _show(table.deny(name))


@control_app.command("remove")
def remove(ctx: typer.Context, team: _Team) -> None:
    """Remove TEAM's row: its posts are checked."""
    with open_control_table(settings(ctx)) as table:
        _show(table.remove(team))


@control_app.command("list")
def list_(
    ctx: typer.Context,
    as_json: AsJson = False,
) -> None:
    """Show the control table."""
    with open_control_table(settings(ctx)) as table:
        rows = table.entries()
    if as_json:
        print_json([{"team": t, "allowed": a} for t, a in rows])
        return
    out = Table("team", "allowed", title="control")
    for team, allowed in rows:
        out.add_row(team, "yes" if allowed else "no")
    console.print(out)


def register(app: typer.Typer) -> None:
    app.add_typer(control_app, name="control")
