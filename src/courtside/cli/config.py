"""``courtside config``: the effective configuration, its validation and its reference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from courtside.cli._common import AsJson, console, err_console, print_json, state

config_app = typer.Typer(
    help="The configuration: effective values and their sources, validation, reference.",
    no_args_is_help=True,
)

MASK = "********"


def _value(value: Any, secret: bool) -> Any:
    """A JSON-friendly value; secrets are masked (``None`` stays ``None``: not set)."""
    if value is None:
        return None
    if secret:
        return MASK
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_value(v, False) for v in value]
    return value


@config_app.command("show")
def show(
    ctx: typer.Context,
    as_json: AsJson = False,
) -> None:
    """Print every key's effective value (secrets masked) and where it came from:
    default, file, env or flag."""
    from courtside.config_reference import iter_keys, toml_value

    st = state(ctx)
    loaded = st.loaded()
    cfg = loaded.settings
    if st.home is not None:
        source = ctx.find_root().get_parameter_source("home")
        loaded.sources["home"] = "env" if source and source.name == "ENVIRONMENT" else "flag"
    rows = []
    for key in iter_keys():
        section = getattr(cfg, key.section) if key.section else cfg
        value = _value(getattr(section, key.name), key.secret)
        rows.append(
            {
                "key": key.dotted,
                "value": value,
                "source": loaded.source(key.dotted),
                "env": loaded.env_names.get(key.dotted, key.env),
            }
        )
    if as_json:
        print_json(
            {
                "config_file": str(loaded.config_file) if loaded.config_file else None,
                "keys": rows,
            }
        )
        return
    table = Table("key", "value", "source", title="effective configuration")
    for row in rows:
        shown = "(not set)" if row["value"] is None else toml_value(row["value"])
        style = "dim" if row["source"] == "default" else "bold"
        table.add_row(row["key"], Text(shown), Text(str(row["source"]), style=style))
    console.print(table)
    where = loaded.config_file or "none (defaults and environment only)"
    console.print(f"config file: {where}", highlight=False, markup=False)


@config_app.command("check")
def check(ctx: typer.Context) -> None:
    """Validate the configuration (file, environment, flags): exit 0 when it is valid,
    else print the one-line error and exit 1."""
    loaded = state(ctx).loaded()
    cfg = loaded.settings
    changed = sum(1 for s in loaded.sources.values() if s != "default")
    where = loaded.config_file or "no config file"
    console.print(
        f"configuration valid ({where}; {changed} key(s) set, the rest default)",
        highlight=False,
        markup=False,
    )
    if not cfg.home.is_dir():
        err_console.print(
            f"note: home folder {cfg.home} does not exist yet; `courtside init` creates it",
            highlight=False,
            markup=False,
        )


@config_app.command("reference")
def reference(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the Markdown reference to this file ('-': stdout)."),
    ] = None,
    readme: Annotated[
        Path | None,
        typer.Option(
            "--readme",
            help="Also refresh the key table between the config-keys markers of this README.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print the configuration reference (every section and key with its type, bounds,
    default and environment variable), generated from the settings models."""
    from courtside.config_reference import reference_markdown, refresh_readme

    text = reference_markdown()
    if out is None or str(out) == "-":
        typer.echo(text, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        err_console.print(f"wrote {out}", highlight=False, markup=False)
    if readme is not None:
        refresh_readme(readme)
        err_console.print(f"refreshed the key table in {readme}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
