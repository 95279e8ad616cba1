"""``courtside job``: the daily job (players' daily totals) and its execution history."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from courtside.cli._common import AsJson, console, print_json, settings
from courtside.job.errors import JobError, ParameterError

job_app = typer.Typer(
    help="The daily job (the original's Step Functions state machine): posts per player "
    "and day into players_total_tweets/, on DuckDB or Spark SQL.",
    no_args_is_help=True,
)

_STYLE = {"succeeded": "green", "failed": "bold red", "running": "yellow", "skipped": "dim"}


def _days(
    date_: str | None,
    year: str | None,
    month: str | None,
    day: str | None,
    first: str | None,
    last: str | None,
    pending: bool,
    ctx: typer.Context,
) -> tuple[list[date], dict[str, str]]:
    from courtside.job.params import day_range, parse_date, parse_ymd

    ymd = (year, month, day)
    modes = [date_ is not None, any(v is not None for v in ymd), first or last, pending]
    if sum(bool(m) for m in modes) != 1:
        raise ParameterError(
            "choose one of --date YYYY-MM-DD, --year/--month/--day, --from/--to or --pending"
        )
    if date_ is not None:
        return [parse_date(date_)], {}
    if any(v is not None for v in ymd):
        if any(v is None for v in ymd):
            raise ParameterError("--year, --month and --day go together")
        return [parse_ymd(str(year), str(month), str(day))], {}
    if first or last:
        if not (first and last):
            raise ParameterError("--from and --to go together")
        return day_range(parse_date(first, "--from"), parse_date(last, "--to")), {}
    from courtside.job.pending import pending_days

    found = pending_days(settings(ctx))
    return [p.day for p in found], {p.day.isoformat(): p.reason for p in found}


@job_app.command("daily")
def daily(
    ctx: typer.Context,
    date_: Annotated[str | None, typer.Option("--date", help="The day, YYYY-MM-DD.")] = None,
    year: Annotated[str | None, typer.Option("--year", help="Year (with --month, --day).")] = None,
    month: Annotated[str | None, typer.Option("--month", help="Month, 1-12.")] = None,
    day: Annotated[str | None, typer.Option("--day", help="Day of month, 1-31.")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First day of a range.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day of a range.")] = None,
    pending: Annotated[
        bool, typer.Option("--pending", help="Every day in tweets/ not yet computed (or changed).")
    ] = False,
    engine: Annotated[str, typer.Option(help="duckdb (default) or spark.")] = "duckdb",
    as_json: AsJson = False,
) -> None:
    """Run the state machine for one day, a range or the pending days.

    Each execution: StartEngine, GetTable, CreateTable (when missing), RunQuery,
    StopEngine, Succeed; any failure stops the engine and ends in Fail. Re-running a day
    replaces it.
    """
    from courtside.job.daily import run_days
    from courtside.job.engines import ENGINES

    if engine not in ENGINES:
        raise ParameterError(f"--engine must be duckdb or spark, got {engine[:40]!r}")
    days, reasons = _days(date_, year, month, day, first, last, pending, ctx)
    if not days:
        if as_json:
            print_json({"results": [], "not_run": []})
        else:
            console.print("no pending day: every day in tweets/ is computed", highlight=False)
        return
    batch = run_days(settings(ctx), days, engine=engine)
    if as_json:
        print_json(
            {
                "results": [r.as_dict() for r in batch.results],
                "not_run": [d.isoformat() for d in batch.not_run],
                "pending_reasons": reasons,
            }
        )
    else:
        table = Table("day", "status", "engine", "rows", "sentiment rows", "run", "note")
        for r in batch.results:
            note = r.note or ""
            if r.error:
                note = f"{r.failed_state}: {r.error}"
            elif r.day.isoformat() in reasons:
                note = (note + "; " if note else "") + reasons[r.day.isoformat()]
            table.add_row(
                r.day.isoformat(),
                Text(r.status, style=_STYLE.get(r.status, "")),
                r.engine,
                str(r.rows),
                _sentiment_cell(r.status, r.sentiment_rows),
                r.run_id,
                Text(note),
            )
        console.print(table)
        console.print(
            f"{sum(r.status == 'succeeded' for r in batch.results)} day(s) succeeded, "
            f"{batch.rows} row(s)",
            highlight=False,
        )
    if not batch.ok:
        failed = next(r for r in batch.results if r.status != "succeeded")
        later = f"; {len(batch.not_run)} later day(s) not run" if batch.not_run else ""
        raise JobError(
            f"daily job for {failed.day} failed in state {failed.failed_state}: "
            f"{failed.error} (run {failed.run_id}){later}"
        )


def _sentiment_cell(status: str, rows: int | None) -> str:
    if rows is not None:
        return str(rows)
    return "skipped" if status == "succeeded" else ""


def _states(transitions: list[dict[str, Any]]) -> Text:
    text = Text()
    for i, t in enumerate(transitions):
        if i:
            text.append(">")
        style = "green" if t.get("status") == "succeeded" else "bold red"
        text.append(str(t.get("state")), style=style)
    return text


@job_app.command("history")
def history_cmd(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show the last N.")] = 20,
    date_: Annotated[str | None, typer.Option("--date", help="Only this day.")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only failed executions.")] = False,
    as_json: AsJson = False,
) -> None:
    """List the daily job's executions with their state transitions, newest first."""
    from courtside.job.daily import history
    from courtside.job.params import parse_date

    day = parse_date(date_) if date_ else None
    records = history(settings(ctx), limit=limit, day=day, status="failed" if failed else None)
    if as_json:
        print_json([r.as_dict() for r in records])
        return
    table = Table()
    table.add_column("run", overflow="fold", min_width=12)
    for name in ("day", "engine", "status", "s", "rows"):
        table.add_column(name, no_wrap=True)
    table.add_column("states", overflow="fold", min_width=12)
    for r in records:
        seconds = f"{r.duration_s:.2f}" if r.duration_s is not None else "-"
        table.add_row(
            r.id,
            str(r.params.get("date", "")),
            str(r.params.get("engine", "")),
            Text(r.status, style=_STYLE.get(r.status, "")),
            seconds,
            str(r.counts.get("rows", "")),
            _states(r.transitions),
        )
    console.print(table)
    for r in records:
        if r.error:
            console.print(Text.assemble((f"{r.id}: ", "bold red"), r.error))


def register(app: typer.Typer) -> None:
    app.add_typer(job_app, name="job")
