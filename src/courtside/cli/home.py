"""``courtside init``: create the home folder."""

from __future__ import annotations

import typer

from courtside.cli._common import console, settings
from courtside.home import init_home


def init(ctx: typer.Context) -> None:
    """Create the home folder: lake zones, stream file, state and a commented config."""
    cfg = settings(ctx)
    created = init_home(cfg)
    for path in created:
        console.print(f"created {path}", highlight=False)
    console.print(f"home ready at [bold]{cfg.home.resolve()}[/bold] (lake: {cfg.lake_url})")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
