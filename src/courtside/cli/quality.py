"""``courtside quality``: declarative data-quality checks (``[quality]`` in the config)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table as RichTable
from rich.text import Text

from courtside.cli._common import AsJson, console, print_json, settings
from courtside.cli.profile import places_of

if TYPE_CHECKING:
    from courtside.config import Settings
    from courtside.quality.config import QualitySettings

quality_app = typer.Typer(help="Data-quality checks over the catalog's tables.")
ChecksOpt = Annotated[
    Path | None,
    typer.Option(
        "--checks", help="TOML file with a [quality] section (default: the configuration's)."
    ),
]
_STATUS = {
    "passed": "[green]passed[/green]",
    "failed": "[red]failed[/red]",
    "warned": "[yellow]warned[/yellow]",
}


def _checks(cfg: Settings, path: Path | None) -> QualitySettings:
    from courtside.quality.config import load_quality_file

    return load_quality_file(path) if path is not None else cfg.quality


@quality_app.command("check")
def check(
    ctx: typer.Context,
    table: Annotated[str | None, typer.Argument(help="Only this table's checks.")] = None,
    date_: Annotated[
        str | None,
        typer.Option("--date", help="Check this day (YYYY-MM-DD); default: the whole table."),
    ] = None,
    checks: ChecksOpt = None,
    engine: Annotated[str, typer.Option("--engine", help="duckdb or spark.")] = "duckdb",
    as_json: AsJson = False,
) -> None:
    """Run the checks; print each result with failing examples; exit 1 when a check of
    severity error fails."""
    from courtside.catalog.store import Catalog
    from courtside.job.params import parse_date
    from courtside.quality.engine import SparkEngine
    from courtside.quality.errors import QualityError
    from courtside.quality.runner import run_checks

    cfg = settings(ctx)
    day = parse_date(date_) if date_ is not None else None
    quality = _checks(cfg, checks)
    if not quality.tables:
        raise QualityError("no checks configured: add [[quality.tables.<table>]] entries")
    places = places_of(cfg)
    catalog = Catalog.open(cfg)
    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter(f"{engine!r} is not one of duckdb, spark", param_hint="--engine")
    spark = None
    runner = None
    if engine == "spark":
        from courtside.engines.spark import spark_session

        spark = spark_session(cfg.spark, app="courtside-quality", home=cfg.home)
        spark.sparkContext.setLogLevel("ERROR")
        runner = SparkEngine(spark, catalog)
    try:
        report = run_checks(places, catalog, quality, table=table, day=day, engine=runner)
    finally:
        if spark is not None:
            spark.stop()
    if as_json:
        print_json(report.as_dict())
    else:
        for r in report.results:
            when = f" {r.day.isoformat()}" if r.day else ""
            what = f"{escape(r.table)}{when} {escape(r.check)}"
            console.print(f"{_STATUS[r.status]} {what}: {escape(r.message)}", emoji=False)
            for example in r.examples:
                console.print(f"    {example}", markup=False, highlight=False, emoji=False)
        summary = report.as_dict()
        console.print(
            f"{summary['passed']} passed, {summary['failed']} failed, {summary['warned']} warned",
            highlight=False,
            emoji=False,
        )
    if not report.ok:
        raise typer.Exit(1)


@quality_app.command("validate")
def validate(ctx: typer.Context, checks: ChecksOpt = None) -> None:
    """Check the configured checks against the catalog (tables and columns exist)."""
    from courtside.catalog.store import Catalog
    from courtside.quality.validate import validate_checks

    cfg = settings(ctx)
    quality = _checks(cfg, checks)
    found = validate_checks(quality, Catalog.open(cfg))
    count = sum(len(quality.tables[name]) for name, _ in found)
    console.print(f"{count} checks on {len(found)} tables are valid", highlight=False, emoji=False)


@quality_app.command("history")
def history(
    ctx: typer.Context,
    table: Annotated[str | None, typer.Argument(help="Only this table (database.table).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Runs to read.")] = 20,
    as_json: AsJson = False,
) -> None:
    """Check results of past runs, newest first."""
    from courtside.quality.runner import check_history
    from courtside.runs import RunRecorder

    cfg = settings(ctx)
    rows = check_history(
        RunRecorder(path=places_of(cfg).state("runs.db")), table=table, limit=limit
    )
    if as_json:
        print_json(rows)
        return
    out = RichTable("run started", "table", "day", "check", "status", "failing")
    for row in rows:
        out.add_row(
            row["started_at"].isoformat(timespec="seconds"),
            Text(row["table"]),
            row["day"] or "",
            Text(row["check"]),
            _STATUS.get(row["status"], escape(str(row["status"]))),
            str(row["failing"]),
        )
    console.print(out)


def register(app: typer.Typer) -> None:
    app.add_typer(quality_app, name="quality")
