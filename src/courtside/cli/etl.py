"""``courtside etl``: the de-duplication job, the crawler and the workflow."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from courtside.cli._common import AsJson, console, print_json, settings

etl_app = typer.Typer(help="Batch jobs on the lake: dedupe, crawl, and the workflow of both.")

Engine = Annotated[
    str | None, typer.Option("--engine", help="duckdb (default) or spark.", show_default=False)
]
Format = Annotated[
    str | None,
    typer.Option("--format", help="Output format: parquet (default) or json.", show_default=False),
]
Reset = Annotated[
    bool, typer.Option("--reset-bookmark", help="Reprocess every raw file (full rebuild).")
]
Policy = Annotated[
    str | None,
    typer.Option(
        "--policy", help="Schema change policy: log (default) or update.", show_default=False
    ),
]
Enrich = Annotated[
    bool | None,
    typer.Option(
        "--enrich/--no-enrich",
        help="Add sentiment, language and entity columns (default: [batch] enrich).",
        show_default=False,
    ),
]


_LABELS = ("positive", "negative", "neutral", "unscored")


def _choice(value: str | None, allowed: tuple[str, ...], option: str) -> str | None:
    if value is not None and value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}", param_hint=option)
    return value


@etl_app.command("dedupe")
def dedupe(
    ctx: typer.Context,
    engine: Engine = None,
    format: Format = None,
    reset_bookmark: Reset = False,
    enrich: Enrich = None,
    wait_s: Annotated[
        float | None, typer.Option("--wait-s", help="Wait for another run's lock.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Drop duplicate posts by id from raw/ into tweets/year=/month=/day=/ (new files only)."""
    from courtside.batch.dedupe import run_dedupe

    result = run_dedupe(
        settings(ctx),
        engine=_choice(engine, ("duckdb", "spark"), "--engine"),
        format=_choice(format, ("parquet", "json"), "--format"),
        reset_bookmark=reset_bookmark,
        wait_s=wait_s,
        enrich=enrich,
    )
    if as_json:
        print_json(
            {
                "run_id": result.run_id,
                "status": result.status,
                "counts": result.counts(),
                "rejected": result.rejected,
                "quarantined": result.quarantined,
                "enrichment": result.enrichment,
            }
        )
        return
    if not result.files_new:
        console.print(f"dedupe [{result.run_id}]: nothing new in raw/", highlight=False)
        return
    c = result.counts()
    console.print(
        f"dedupe [{result.run_id}] ({result.engine}, {result.format}):"
        f" read {c['lines_in']:,} line(s) of {c['files_processed']:,} new raw file(s):"
        f" {c['rows_added']:,} new post(s) kept, {c['rows_dropped']:,} duplicate(s) dropped,"
        f" {c['rows_rejected']:,} bad row(s) rejected;"
        f" the {c['partitions_written']:,} partition(s) rewritten now hold {c['rows_out']:,}"
        " post(s)",
        highlight=False,
    )
    if result.enrich:
        labels = result.enrichment.get("labels", {})
        unscored = result.enrichment.get("unscored", {})
        why = ", ".join(f"{reason} {n:,}" for reason, n in unscored.items())
        console.print(
            "enriched: "
            + ", ".join(f"{label} {labels.get(label, 0):,}" for label in _LABELS)
            + (f" ({why})" if why else ""),
            highlight=False,
        )
    for path, info in result.rejected.items():
        console.print(
            f"[yellow]rejected {info['rows']} row(s)[/yellow] of {escape(path)}"
            f" (to {escape(info['errors_file'])}); {escape(info['first'])}",
            highlight=False,
        )
    for path, reason in result.quarantined.items():
        console.print(
            f"[yellow]quarantined[/yellow] {escape(path)} (unreadable): {escape(reason)}",
            highlight=False,
        )
    for path in result.missing:
        console.print(f"[yellow]vanished before reading[/yellow] {escape(path)}", highlight=False)


@etl_app.command("crawl")
def crawl_cmd(
    ctx: typer.Context,
    prefix: Annotated[str, typer.Argument(help="Lake prefix to crawl.")] = "tweets",
    table: Annotated[str | None, typer.Option(help="Table name (default: the prefix).")] = None,
    database: Annotated[str | None, typer.Option(help="Database (default twitter_nba_db).")] = None,
    policy: Policy = None,
    as_json: AsJson = False,
) -> None:
    """Infer the schema and partitions of a lake prefix and create or update its table."""
    from courtside.batch.workflow import run_crawl

    result = run_crawl(
        settings(ctx),
        prefix,
        table=table,
        database=database,
        policy=_choice(policy, ("log", "update"), "--policy"),
    )
    if as_json:
        print_json(
            {
                "table": f"{result.database}.{result.table}",
                **result.counts(),
                "schema_diff": result.schema_diff,
                "created": result.created,
            }
        )
        return
    name = f"{result.database}.{result.table}"
    if result.format is None:
        console.print(f"crawl: no data files under {result.location}; {name} unchanged")
        return
    if result.created:
        verb = "created"
    elif result.replaced:
        changes = ", ".join(
            f"{key} {result.schema_diff[key]['from']} -> {result.schema_diff[key]['to']}"
            for key in ("format", "location")
            if key in result.schema_diff
        )
        verb = f"replaced ({changes or 'partition keys changed'})"
    else:
        verb = "updated" if result.changed else "unchanged"
    console.print(
        f"crawl: {verb} {escape(name)} ({result.format}, {result.files} file(s)):"
        f" +{result.partitions_added} / -{result.partitions_removed} partition(s),"
        f" {result.partitions_total} in all",
        highlight=False,
    )
    columns = {k: v for k, v in result.schema_diff.items() if k in ("added", "removed", "changed")}
    if columns:
        state = (
            "applied"
            if result.schema_applied
            else "logged, table kept (--policy update applies it)"
        )
        summary = ", ".join(f"{len(v)} column(s) {k}" for k, v in columns.items())
        names = ", ".join(c["name"] for v in columns.values() for c in v)
        console.print(
            f"[yellow]schema changed ({state})[/yellow]: {summary}: {escape(names)};"
            f" details: courtside catalog describe {escape(name)}",
            highlight=False,
        )


@etl_app.command("workflow")
def workflow(
    ctx: typer.Context,
    engine: Engine = None,
    format: Format = None,
    reset_bookmark: Reset = False,
    policy: Policy = None,
    enrich: Enrich = None,
) -> None:
    """Run dedupe, then crawl tweets/ only if dedupe succeeded (both recorded)."""
    from courtside.batch.workflow import run_workflow

    result = run_workflow(
        settings(ctx),
        engine=_choice(engine, ("duckdb", "spark"), "--engine"),
        format=_choice(format, ("parquet", "json"), "--format"),
        reset_bookmark=reset_bookmark,
        policy=_choice(policy, ("log", "update"), "--policy"),
        enrich=enrich,
    )
    dd = result.dedupe
    rejects = ""
    if dd.rows_rejected or dd.quarantined:
        rejects = (
            f" with rejects: {dd.rows_rejected} bad row(s) sent to errors/,"
            f" {len(dd.quarantined)} unreadable file(s) quarantined (see courtside runs)"
        )
    console.print(
        f"workflow [{result.run_id}] succeeded{rejects}: dedupe added {dd.rows_added} new"
        f" post(s) ({dd.rows_out} in the {len(dd.partitions)} partition(s) it rewrote),"
        f" crawl added {result.crawl.partitions_added} partition(s)",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(etl_app, name="etl")
