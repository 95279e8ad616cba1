"""Shared helpers for the CLI: settings from the global options, output, errors."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from courtside.config import Settings, load_settings
from courtside.errors import ConfigError

# Piped output gets wide tables instead of an 80-column squeeze with ellipses.
console = Console(width=None if sys.stdout.isatty() else 160)
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


def progress_bar(enabled: bool) -> Progress:
    """A transient progress bar on stderr (description, bar, done/total, time left)."""
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=not enabled,
        transient=True,
    )


def stream_backlog(cfg: Settings, stream: str, group: str) -> int:
    """Records of ``stream`` after ``group``'s committed position (for a progress total)."""
    from courtside.home import open_stream

    with open_stream(cfg) as backend:
        return max(0, backend.last_seq(stream) - backend.committed(stream, group))


def with_options(cfg: Settings, section: str, options: dict[str, Any]) -> Settings:
    """``cfg`` with the command-line ``options`` (``None`` means "not given") applied to
    one config section, validated like the config file.

    Raises:
        ConfigError: naming the option (as ``--flag``) and what is wrong with it.
    """
    changes = {k: v for k, v in options.items() if v is not None}
    if not changes:
        return cfg
    current = getattr(cfg, section)
    try:
        updated = type(current).model_validate(current.model_dump() | changes)
    except ValidationError as exc:
        err = exc.errors()[0]
        flag = "--" + str(err["loc"][0]).replace("_", "-")
        raise ConfigError(f"invalid option {flag}: {err['msg']}") from None
    return cfg.model_copy(update={section: updated})
