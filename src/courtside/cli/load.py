"""``courtside load``: players_total_tweets/ into the warehouse table."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from courtside.cli._common import (
    AsJson,
    LoadModeOption,
    check_load_mode,
    console,
    err_console,
    print_json,
    settings,
)

if TYPE_CHECKING:
    from courtside.warehouse.loader import LoadOutcome


def load_cmd(
    ctx: typer.Context,
    target: Annotated[
        str | None,
        typer.Option(
            help="duckdb, postgres or redshift (--dry-run only). Default: postgres when "
            "--url or warehouse.url is set, else the DuckDB file <home>/warehouse.duckdb.",
            show_default=False,
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            help="Warehouse URL: postgresql://..., duckdb:<path> or redshift://... (prefer "
            "COURTSIDE_WAREHOUSE__URL: a URL with a password on the command line is visible "
            "to other users).",
            show_default=False,
        ),
    ] = None,
    mode: LoadModeOption = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Change nothing; with --target redshift print the SQL."),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Create playerstotaltweets if missing and load every day of players_total_tweets/,
    in one transaction (replace-days: exactly the days loaded; truncate: all rows); then
    the same for playersdailysentiment from players_daily_sentiment/ (with each player's
    roster team)."""
    from courtside.warehouse.loader import load

    load_mode = check_load_mode(mode)
    outcome = load(
        settings(ctx),
        target=target,
        url=url,
        mode=load_mode,
        dry_run=dry_run,
    )
    if as_json:
        print_json(outcome.as_dict())
        return
    _report(outcome)
    if outcome.sentiment is not None:
        _report(outcome.sentiment)


def _report(outcome: LoadOutcome) -> None:
    if outcome.statements is not None:
        sys.stdout.write(outcome.statements)
        err_console.print(
            f"{len(outcome.days)} day(s), {outcome.rows} row(s) checked and exported to "
            f"{outcome.export}; Redshift statements written above",
            highlight=False,
        )
        _report_rejected(outcome)
        return
    out = err_console if outcome.dry_run else console
    if not outcome.days:
        out.print("nothing to load: no daily output in the lake (run `courtside job daily`)")
    elif outcome.dry_run:
        out.print(
            f"dry run: would load {outcome.rows} row(s) of {len(outcome.days)} day(s) into "
            f"{outcome.table} on {outcome.warehouse} (mode {outcome.mode})",
            highlight=False,
        )
    elif outcome.stats is not None:
        s = outcome.stats
        out.print(
            f"loaded {s.rows_inserted} row(s) of {len(s.days)} day(s) into {s.table} on "
            f"{s.target} (mode {s.mode}, {s.rows_deleted} row(s) replaced) in {s.seconds:.2f}s",
            highlight=False,
        )
    _report_rejected(outcome)


def _report_rejected(outcome: LoadOutcome) -> None:
    if outcome.rejected:
        reasons = ", ".join(f"{k}: {v}" for k, v in outcome.rejected_by_reason.items())
        err_console.print(
            f"[yellow]warning:[/yellow] {outcome.rejected} row(s) rejected ({reasons}); "
            f"the other rows were loaded; see the run record {outcome.run_id}",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.command("load")(load_cmd)
