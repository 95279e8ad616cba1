"""``courtside players``: the players reference table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from courtside.cli._common import AsJson, console, print_json, settings
from courtside.reference.players import PlayersTable, load_players, save_players

players_app = typer.Typer(help="The players reference table (account, name, team).")


@players_app.command("list")
def list_players(
    ctx: typer.Context,
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
    as_json: AsJson = False,
) -> None:
    """List players (`courtside init` writes the default roster into the home)."""
    table = load_players(settings(ctx).home)
    rows = [p for p in table if team is None or p.team.casefold() == team.casefold()]
    if as_json:
        print_json([{"account": p.account, "name": p.name, "team": p.team} for p in rows])
        return
    out = Table("account", "name", "team", title=f"{len(rows)} players")
    for p in rows:
        out.add_row(Text(p.account), Text(p.name), Text(p.team))
    console.print(out)


@players_app.command("import")
def import_players(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV with columns account,name,team ('-': standard input).")
    ],
) -> None:
    """Replace the players table with FILE (validated first; nothing changes on error)."""
    if str(file) == "-":
        table = PlayersTable.from_csv_text(sys.stdin.read(), source="<stdin>")
    else:
        table = PlayersTable.from_csv(file)
    path = save_players(settings(ctx).home, table)
    console.print(f"imported {len(table)} players ({len(table.teams())} teams) into {path}")


@players_app.command("export")
def export_players(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Output CSV; '-' or none: standard output.")
    ] = None,
) -> None:
    """Write the players table as CSV (cells a spreadsheet would run as a formula, such
    as =..., +..., -..., @..., get a leading ' that import removes)."""
    text = load_players(settings(ctx).home).to_csv_text()
    if file is None or str(file) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        file.write_text(text, encoding="utf-8")
        console.print(f"wrote {file}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(players_app, name="players")
