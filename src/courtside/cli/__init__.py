"""The ``courtside`` command line.

Each module in this package that defines ``register(app)`` adds its commands; modules
are discovered at start-up so stages stay independent. Heavy libraries (pyspark,
pyflink, streamlit) are imported inside the commands that use them.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from courtside import __version__
from courtside.cli._common import err_console, setup_logging, state
from courtside.errors import CourtsideError

app = typer.Typer(
    name="courtside",
    help="Local-first analytics for NBA social-media posts: collect, deliver, dedupe, "
    "catalog, daily totals, warehouse, dashboard and tampering detection.",
    no_args_is_help=True,
    add_completion=False,
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
        int, typer.Option("--verbose", "-v", count=True, help="More logging (-vv for debug).")
    ] = 0,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    st = state(ctx)
    st.home, st.config, st.debug = home, config, debug
    setup_logging(verbose, debug)


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


_register_all()


def main() -> None:
    """Entry point: run the CLI, printing project errors as one red line."""
    from typer._click.exceptions import ClickException

    debug = "--debug" in sys.argv
    try:
        code = app(standalone_mode=False)
    except CourtsideError as exc:
        if debug:
            raise
        from rich.markup import escape

        err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("[yellow]aborted[/yellow]")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["app", "main"]
