"""``courtside demo``: the whole pipeline on generated data, for a first look."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from courtside.cli._common import console, print_json, settings
from courtside.demo import run_demo


def demo(
    ctx: typer.Context,
    posts: Annotated[int, typer.Option(min=100, help="Posts to generate.")] = 50_000,
    days: Annotated[int, typer.Option(min=1, max=60, help="Days of posts.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Run the pipeline on a few days of generated posts and print a summary.

    The posts include duplicates, late records and tampering scenarios.
    """
    cfg = settings(ctx)
    report = run_demo(
        cfg,
        posts=posts,
        days=days,
        seed=seed,
        say=(lambda _: None) if as_json else (lambda m: console.print(f"• {m}")),
    )
    if as_json:
        print_json({"steps": report.steps, "zones": report.zones, "seconds": report.seconds})
        return
    table = Table("zone", "files", "records", "MiB", title=f"lake at {cfg.lake}")
    for zone, c in report.zones.items():
        table.add_row(zone, str(c["files"]), f"{c['records']:,}", f"{c['bytes'] / 2**20:.1f}")
    console.print(table)
    console.print(
        f"done in {report.seconds:.1f}s. Next: `courtside --home {cfg.home} streams` "
        "to see the streams, or look at the lake folder above."
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
