"""The ``courtside`` command line.

Each module in this package that defines ``register(app)`` adds its commands; modules
are discovered at start-up so stages stay independent. Heavy libraries (pyspark,
pyflink, streamlit) are imported inside the commands that use them.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from typer import _click as click
from typer.core import TyperGroup
from typer.models import DefaultPlaceholder

from courtside import __version__
from courtside.cli._common import err_console, error_line, fail, setup_logging, state
from courtside.errors import CourtsideError

_NO_BREAK_HYPHEN = "\u2011"


def _keep_words(text: str) -> str:
    return text.replace("-", _NO_BREAK_HYPHEN)


class _Formatter(click.HelpFormatter):
    """Help text wrapped at spaces only: ``--buffer-interval-s`` or ``flink-late-events/``
    never break at a hyphen (the wrapper sees no-break hyphens, the output has ``-``)."""

    def write_text(self, text: str) -> None:
        super().write_text(_keep_words(text))

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        super().write_dl([(a, _keep_words(b)) for a, b in rows], col_max, col_spacing)

    def getvalue(self) -> str:
        return super().getvalue().replace(_NO_BREAK_HYPHEN, "-")


class _Context(typer.Context):
    formatter_class = _Formatter


class _Group(TyperGroup):
    """Lists each command with the whole first paragraph of its help (click would cut it
    at the first "." or after a few words, e.g. "Query catalog tables by ... (e.g."), and
    gives every command below it the help formatter above."""

    context_class = _Context

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            command.context_class = _Context
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            text = inspect.cleandoc(command.short_help or command.help or "")
            rows.append((name, " ".join(text.split("\n\n")[0].split())))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    name="courtside",
    cls=_Group,
    help="Local-first analytics for NBA social-media posts: collect, deliver, dedupe, "
    "catalog, daily totals, warehouse, dashboard and tampering detection.",
    no_args_is_help=True,
    # Plain help: flags show no value placeholder (rich panels print "<bool>" for
    # --json and "<int>" for -v, which take none), paragraphs are reflowed to the
    # terminal instead of breaking where the docstring did, and "[notify]" is shown
    # as written instead of being taken for rich markup.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"courtside {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="COURTSIDE_HOME",
            help="Home folder with the lake, streams and state (default: ./courtside-home).",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", envvar="COURTSIDE_CONFIG", help="TOML configuration file."),
    ] = None,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            show_default=False,
            help="More logging on stderr: -v for INFO, -vv for DEBUG.",
        ),
    ] = 0,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    log_file: Annotated[
        Path | None,
        typer.Option(
            "--log-file",
            help="Also append the log (INFO, or DEBUG with -vv/--debug) to this file.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    st = state(ctx)
    st.home, st.config, st.debug = home, config, debug
    setup_logging(verbose, debug, log_file)


def _register_all() -> None:
    package = sys.modules[__name__]
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__))
    for name in names:
        if name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
    _use_group_class(app)


def _use_group_class(parent: typer.Typer) -> None:
    """Every command group lists its commands like the root (see :class:`_Group`)."""
    for group in parent.registered_groups:
        sub = group.typer_instance
        if sub is None:
            continue
        if sub.info.cls is None or isinstance(sub.info.cls, DefaultPlaceholder):
            sub.info.cls = _Group
        _use_group_class(sub)


_register_all()


def main() -> None:
    """Entry point: run the CLI, printing every error as one red line (exit 1);
    ``--debug`` shows the traceback instead."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    debug = "--debug" in sys.argv
    try:
        code = app(standalone_mode=False, prog_name="courtside")
    except CourtsideError as exc:
        if debug:
            raise
        fail(str(exc))
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("[yellow]aborted[/yellow]")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except NoArgsIsHelpError as exc:
        exc.show()  # the help itself
        sys.exit(exc.exit_code)
    except ClickException as exc:
        # A usage error as one line too, with where to look instead of the usage block.
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        error_line(f"{exc.format_message()}{hint}")
        sys.exit(exc.exit_code)
    except OSError as exc:
        # The environment refused: a home that cannot be written, a full disk.
        if debug:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        fail(f"{exc.strerror or exc}{where}")
    except Exception as exc:  # noqa: BLE001 - a bug still gets one line, not a traceback
        if debug:
            raise
        fail(f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)")
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["app", "main"]
