"""Shared helpers for the CLI: settings from the global options, output, errors."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from courtside.config import Settings, load_settings

console = Console()
err_console = Console(stderr=True)


@dataclass
class State:
    """Global CLI options, resolved lazily into settings."""

    home: Path | None = None
    config: Path | None = None
    debug: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(home=self.home, config_file=self.config)
        return self._settings


def state(ctx: typer.Context) -> State:
    """The global state stored on the root context."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def settings(ctx: typer.Context) -> Settings:
    """Validated settings for this invocation."""
    return state(ctx).settings()


def print_json(value: Any) -> None:
    """Print ``value`` as JSON on stdout (plain, for piping)."""
    sys.stdout.write(json.dumps(value, default=str, sort_keys=True) + "\n")


def setup_logging(verbose: int, debug: bool) -> None:
    """Log to stderr; ``-v`` for INFO, ``-vv`` or ``--debug`` for DEBUG."""
    level = logging.WARNING
    if verbose == 1:
        level = logging.INFO
    if verbose >= 2 or debug:
        level = logging.DEBUG
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
