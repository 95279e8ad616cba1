"""Shared helpers for the CLI: settings from the global options, output, errors."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from typer import _click as click

from courtside.config import LoadedSettings, Settings, load_with_sources
from courtside.errors import ConfigError

if TYPE_CHECKING:
    from courtside.warehouse.config import LoadMode

# Piped output gets wide tables instead of an 80-column squeeze with ellipses.
console = Console(width=None if sys.stdout.isatty() else 160)
# Messages on stderr are never wrapped by rich: an error stays one line, piped or not.
err_console = Console(stderr=True, soft_wrap=True)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
"""The ``--json`` flag of the commands whose JSON output needs no more words."""

WarehouseUrlOption = Annotated[
    str | None,
    typer.Option(
        help="Warehouse URL: postgresql://..., duckdb:<path> or redshift://... (or "
        "COURTSIDE_WAREHOUSE__URL).",
        show_default=False,
    ),
]
"""The ``--url`` of the commands that reach the warehouse (a flag over ``warehouse.url``)."""

LoadModeOption = Annotated[str | None, typer.Option(help="replace-days (default) or truncate.")]
"""The ``--mode`` of the commands that load the warehouse."""


def check_load_mode(mode: str | None) -> LoadMode | None:
    """``mode`` (a :data:`LoadModeOption` value) when it is a warehouse load mode or None.

    Raises:
        WarehouseConfigError: any other value, before anything runs.
    """
    from courtside.warehouse.base import MODES
    from courtside.warehouse.errors import WarehouseConfigError

    if mode is not None and mode not in MODES:
        raise WarehouseConfigError(f"--mode must be replace-days or truncate, got {mode[:40]!r}")
    return mode


READ_ONLY_COMMANDS = frozenset(
    {
        "status",
        "runs",
        "streams",
        "streams tail",
        "catalog databases",
        "catalog tables",
        "catalog describe",
        "catalog partitions",
        "players list",
        "players export",
        "control list",
        "job history",
        "sql",
    }
)
"""Commands that only read: they need an existing home instead of creating an empty one
(a typo in ``--home`` would otherwise print empty tables)."""


class HomeNotFoundError(ConfigError):
    """A command that only reads was pointed at a home folder that does not exist."""


def error_line(message: str) -> None:
    """Print ``message`` as one red ``error:`` line on stderr (whitespace collapsed)."""
    from rich.markup import escape

    err_console.print(f"[red]error:[/red] {escape(' '.join(message.split()))}", highlight=False)


def fail(message: str) -> NoReturn:
    """Print ``message`` as one red ``error:`` line on stderr and exit 1."""
    error_line(message)
    sys.exit(1)


@dataclass
class State:
    """Global CLI options, resolved lazily into settings."""

    home: Path | None = None
    config: Path | None = None
    debug: bool = False
    _loaded: LoadedSettings | None = field(default=None, repr=False)

    def loaded(self) -> LoadedSettings:
        """The settings with where each value came from."""
        if self._loaded is None:
            self._loaded = load_with_sources(home=self.home, config_file=self.config)
        return self._loaded

    def settings(self) -> Settings:
        return self.loaded().settings


def state(ctx: typer.Context) -> State:
    """The global state stored on the root context."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def command_name(ctx: typer.Context) -> str:
    """The command being run without the program name, e.g. ``streams tail``."""
    names = []
    node: click.Context | None = ctx
    while node is not None and node.parent is not None:
        names.append(node.info_name or "")
        node = node.parent
    return " ".join(reversed(names))


def settings(ctx: typer.Context) -> Settings:
    """Validated settings for this invocation.

    Raises:
        HomeNotFoundError: for a command that only reads (:data:`READ_ONLY_COMMANDS`)
            when the home folder does not exist.
    """
    cfg = state(ctx).settings()
    if command_name(ctx) in READ_ONLY_COMMANDS and not cfg.home.is_dir():
        raise HomeNotFoundError(
            f"home folder {cfg.home} does not exist (check --home or COURTSIDE_HOME; "
            "`courtside init` creates it)",
            key="home",
        )
    return cfg


def print_json(value: Any) -> None:
    """Print ``value`` as JSON on stdout (plain, for piping)."""
    sys.stdout.write(json.dumps(value, default=str, sort_keys=True) + "\n")


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(verbose: int, debug: bool, log_file: Path | None = None) -> None:
    """Log to stderr (``-v`` for INFO, ``-vv`` or ``--debug`` for DEBUG) and, with
    ``log_file``, append INFO and above (DEBUG with ``-vv``/``--debug``) to that file.

    Raises:
        ConfigError: when the log file cannot be opened.
    """
    level = logging.WARNING
    if verbose == 1:
        level = logging.INFO
    if verbose >= 2 or debug:
        level = logging.DEBUG
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(level)
    handlers: list[logging.Handler] = [stderr]
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            to_file = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot open --log-file {log_file}: {exc.strerror or exc}", key="log_file"
            ) from None
        to_file.setLevel(min(level, logging.INFO))
        handlers.append(to_file)
    for handler in handlers:
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=min(h.level for h in handlers), handlers=handlers, force=True)


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
        shown = repr(err.get("input"))
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        message = " ".join(str(err["msg"]).removeprefix("Value error, ").split())
        raise ConfigError(f"invalid option {flag} {shown}: {message}") from None
    return cfg.model_copy(update={section: updated})
