"""``courtside profile``: profile a catalog table (the Glue DataBrew profile job)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table as RichTable
from rich.text import Text

from courtside.cli._common import AsJson, console, print_json, settings

if TYPE_CHECKING:
    from courtside.config import Settings
    from courtside.places import Places


def places_of(cfg: Settings) -> Places:
    """The locations of the configured home folder (the lake may be on S3)."""
    return cfg.places


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def profile(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="database.table, or a table of twitter_nba_db.")],
    date_: Annotated[
        str | None,
        typer.Option("--date", help="Profile this day (YYYY-MM-DD); default: the whole table."),
    ] = None,
    bins: Annotated[int, typer.Option("--bins", min=1, max=100, help="Histogram bins.")] = 10,
    as_json: AsJson = False,
) -> None:
    """Profile a table: per column count, nulls, distinct, min, max, mean, stddev, top
    values and histograms; stored under profiles/<table>/ and registered in the catalog."""
    from courtside.catalog.store import Catalog
    from courtside.job.params import parse_date
    from courtside.profile import run_profile

    cfg = settings(ctx)
    day = parse_date(date_) if date_ is not None else None
    places = places_of(cfg)
    result = run_profile(places, Catalog.open(cfg), table, day=day, bins=bins)
    if as_json:
        out = result.as_dict()
        out["profile"] = result.profile.to_rows()
        print_json(out)
        return
    p = result.profile
    scope = f"on {p.day.isoformat()}" if p.scope == "day" else "(whole table)"
    console.print(
        f"[bold]{p.database}.{p.table}[/bold] {scope}: {p.rows} rows, {len(p.columns)} columns"
        f" -> {result.catalog_table}",
        highlight=False,
        emoji=False,
    )
    out_table = RichTable(
        "column",
        "kind",
        "nulls",
        "distinct≈",
        "min",
        "max",
        "mean",
        "stddev",
        "length",
        "top values",
    )
    for c in p.columns:
        length = "" if c.min_length is None else f"{c.min_length}-{c.max_length}"
        top = ", ".join(f"{v[:20]} ({n})" for v, n in c.top_values[:3])
        out_table.add_row(
            Text(c.column_name),
            c.kind if c.profiled else f"{c.kind} (counted)",
            f"{c.nulls} ({c.null_share:.0%})",
            "" if c.distinct_approx is None else str(c.distinct_approx),
            Text((c.min or "")[:24]),
            Text((c.max or "")[:24]),
            _num(c.mean),
            _num(c.stddev),
            length,
            Text(top),
        )
    console.print(out_table)


def register(app: typer.Typer) -> None:
    app.command("profile")(profile)
