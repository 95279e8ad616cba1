"""``courtside pipeline``: the nightly batch (workflow, daily job, load)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from courtside.cli._common import (
    AsJson,
    LoadModeOption,
    WarehouseUrlOption,
    check_load_mode,
    console,
    print_json,
    settings,
)

pipeline_app = typer.Typer(
    help="Batch pipelines: the nightly workflow, daily job and warehouse load.",
    no_args_is_help=True,
)


@pipeline_app.command("nightly")
def nightly(
    ctx: typer.Context,
    engine: Annotated[
        str, typer.Option(help="Engine of the dedupe and daily jobs: duckdb or spark.")
    ] = "duckdb",
    target: Annotated[
        str | None,
        typer.Option(
            help="Warehouse: duckdb or postgres. Default: postgres when --url or "
            "warehouse.url is set, else the DuckDB file <home>/warehouse.duckdb.",
            show_default=False,
        ),
    ] = None,
    url: WarehouseUrlOption = None,
    mode: LoadModeOption = None,
    as_json: AsJson = False,
) -> None:
    """Validate the [quality] checks, dedupe and crawl (the workflow), profile and check
    the new days, run the daily job for every pending day, profile and check its output,
    then load the warehouse. A failed step (a failed check too) stops the rest and says
    why."""
    from courtside.job.engines import ENGINES
    from courtside.job.errors import ParameterError
    from courtside.pipeline import run_nightly

    if engine not in ENGINES:
        raise ParameterError(f"--engine must be duckdb or spark, got {engine[:40]!r}")
    load_mode = check_load_mode(mode)
    result = run_nightly(
        settings(ctx),
        engine=engine,
        target=target,
        url=url,
        mode=load_mode,
    )
    if as_json:
        print_json(result.as_dict())
        return
    ok = Text("ok", style="green")
    console.print(Text.assemble(ok, f"  workflow (run {result.workflow_run_id})"))
    _gate(ok, "quality", result.quality.as_dict())
    days = result.daily.results
    console.print(
        Text.assemble(
            ok,
            f"  daily job: {len(days)} pending day(s), {result.daily.rows} row(s)"
            + (f" ({days[0].day} .. {days[-1].day})" if days else ""),
        )
    )
    _gate(ok, "daily quality", result.daily_quality.as_dict())
    if result.load is not None:
        stats = result.load.stats
        detail = (
            f"{stats.rows_inserted} row(s) of {len(stats.days)} day(s) into {stats.table} on "
            f"{stats.target}"
            if stats
            else "nothing to load"
        )
        console.print(Text.assemble(ok, f"  load: {detail}"))
    console.print(f"pipeline run {result.run_id} succeeded", highlight=False)


def _gate(ok: Text, name: str, gate: dict[str, Any]) -> None:
    checks = gate["checks"]
    console.print(
        Text.assemble(
            ok,
            f"  {name}: {len(gate['profiles'])} profile(s), {checks['passed']} check(s) "
            f"passed, {checks['warned']} warned",
        )
    )


def register(app: typer.Typer) -> None:
    app.add_typer(pipeline_app, name="pipeline")
