"""``courtside warehouse``: quick read-only checks of the warehouse."""

from __future__ import annotations

import csv
import sys
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from courtside.cli._common import WarehouseUrlOption, console, err_console, print_json, settings

warehouse_app = typer.Typer(
    help="The warehouse (DuckDB file by default, PostgreSQL by URL).", no_args_is_help=True
)


@warehouse_app.command("query")
def query(
    ctx: typer.Context,
    sql: Annotated[str, typer.Argument(help="One SQL statement (run read-only).")],
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="Run any statements (several at once) read-write and commit. Without it: "
            "one statement, read-only, no file access.",
        ),
    ] = False,
    target: Annotated[
        str | None, typer.Option(help="duckdb (default) or postgres (with a URL).")
    ] = None,
    url: WarehouseUrlOption = None,
    output: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    max_rows: Annotated[int, typer.Option(help="Print at most this many rows.")] = 1000,
) -> None:
    """Run one read-only statement, e.g. courtside warehouse query
    "SELECT player, sum(total) FROM playerstotaltweets GROUP BY 1 ORDER BY 2 DESC LIMIT 10".

    Read-only is enforced by the engine: on PostgreSQL a read-only transaction holding a
    single (prepared) statement; on DuckDB a read-only connection with file access off,
    queries only. --write lifts both."""
    from courtside.warehouse.errors import WarehouseConfigError
    from courtside.warehouse.loader import open_warehouse

    if output not in ("table", "csv", "json"):
        raise WarehouseConfigError(f"--format must be table, csv or json, got {output[:20]!r}")
    with open_warehouse(settings(ctx), target=target, url=url) as warehouse:
        result = warehouse.query(sql, max_rows=max_rows, write=write)
    for note in result.notes:
        err_console.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    if output == "json":
        print_json([dict(zip(result.columns, row, strict=True)) for row in result.rows])
    elif output == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(result.rows)
    else:
        table = Table()
        for column in result.columns:
            table.add_column(Text(column))
        for row in result.rows:
            table.add_row(*[Text("NULL" if v is None else str(v)) for v in row])
        console.print(table)
        console.print(f"{len(result.rows)} row(s)", highlight=False)
    if result.truncated:
        err_console.print(f"(only the first {max_rows} rows; use --max-rows)", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(warehouse_app, name="warehouse")
