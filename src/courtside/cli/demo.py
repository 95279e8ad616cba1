"""``courtside demo``: the whole pipeline on generated data, for a first look."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from courtside.cli._common import console, print_json, settings
from courtside.demo import run_demo


def demo(
    ctx: typer.Context,
    posts: Annotated[int, typer.Option(min=100, max=5_000_000, help="Posts to generate.")] = 50_000,
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
        print_json(
            {
                "steps": report.steps,
                "zones": report.zones,
                "alerts": report.alerts,
                "top_players": report.top_players,
                "seconds": report.seconds,
            }
        )
        return
    table = Table("zone", "files", "records", "MiB", title=f"lake at {cfg.lake}")
    for zone, c in report.zones.items():
        table.add_row(zone, str(c["files"]), f"{c['records']:,}", f"{c['bytes'] / 2**20:.1f}")
    console.print(table)
    top = Table("player", "posts", title="top players (warehouse playerstotaltweets)")
    for player, total in report.top_players:
        top.add_row(player, f"{total:,}")
    console.print(top)
    alerts = Table(
        "team",
        "addressed player",
        "posts",
        "from",
        "window (UTC)",
        title=f"{len(report.alerts)} tampering alerts",
    )
    for a in report.alerts[:15]:
        alerts.add_row(
            str(a.get("team")),
            str(a.get("tamperingPlayer")),
            str(a.get("total")),
            ", ".join(map(str, a.get("players", []))),
            f"{a.get('window_start')} - {a.get('window_end')}",
        )
    console.print(alerts)
    console.print(f"done in {report.seconds:.1f}s. Next:", highlight=False)
    for line in next_steps(cfg.home):
        # One command per line, never wrapped by rich: it stays copyable as it is.
        console.print(line, soft_wrap=True, highlight=False, markup=False)


def next_steps(home: Path) -> list[str]:
    """The commands the demo suggests, each on its own line with its comment."""
    prefix = f"courtside --home {shlex.quote(str(home))}"
    query = shlex.quote("SELECT count(*) FROM twitter_nba_db.tweets")
    return [
        f"  {prefix} dashboard    # open http://127.0.0.1:8501",
        f"  {prefix} sql {query}    # query the lake",
    ]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
