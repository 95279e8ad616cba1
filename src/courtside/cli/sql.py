"""``courtside sql``: query the catalog's tables (the EMR/Hive interactive session).

Every catalog table is queryable as ``database.table``: on DuckDB by default, or on
Spark SQL with ``--engine spark``. One-shot with a query argument (output as a table,
CSV or JSON), interactive with history and meta-commands (``.help``) otherwise.

Read-only by default (see :mod:`courtside._duckdb_sandbox`): one query at a time, files
readable only in the lake, nothing written anywhere, no extensions; ``--write`` lifts it.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from courtside.catalog.store import Catalog
from courtside.cli._common import console, err_console, settings
from courtside.cli.sql_sessions import DuckDBSession, Session, SparkSqlSession
from courtside.errors import TerminalError

_PROMPT, _MORE = "courtside> ", "      ...> "
_HELP = """\
.help              this help
.tables            the catalog's tables (query them as database.table)
.schema [TABLE]    columns of every table, or of TABLE (name or database.table)
.quit, .exit, \\q   leave (also Ctrl-D)
End SQL statements with ';'. Read-only unless started with --write."""
# The unqualified name in DuckDB's and Spark's "table not found" errors.
_MISSING = (
    re.compile(r"Table with name ([A-Za-z0-9_]+) does not exist"),
    re.compile(r"The table or view `?([A-Za-z0-9_]+)`? cannot be found"),
)


class QueryError(TerminalError):
    """The query failed (syntax error, unknown table, refused in read-only mode, ...)."""


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, ensure_ascii=False)
    return value


def _plain(value: Any) -> Any:
    """Spark Rows and nested values as plain JSON-friendly values."""
    if hasattr(value, "asDict"):
        return {k: _plain(v) for k, v in value.asDict().items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def write_result(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> None:
    """Print a result as a table, CSV or JSON (one array of objects)."""
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if v is None else _cell(v) for v in row])
    elif fmt == "json":
        objs = [dict(zip(columns, (_plain(v) for v in row), strict=True)) for row in rows]
        sys.stdout.write(json.dumps(objs, default=str, ensure_ascii=False) + "\n")
    else:
        table = Table(*[escape(c) for c in columns], show_lines=False)
        for row in rows:
            table.add_row(*[escape("NULL" if v is None else str(_cell(v))) for v in row])
        console.print(table)
        console.print(f"{len(rows)} row(s)", style="dim", highlight=False)
    sys.stdout.flush()


def explain(exc: BaseException, catalog: Catalog) -> str:
    """The error's first line, with a hint when an unqualified catalog table name was
    not found (``tweets`` -> ``twitter_nba_db.tweets``)."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    for pattern in _MISSING:
        match = pattern.search(text)
        if match:
            name = match[1].lower()
            found = [t.qualified_name for t in catalog.tables() if t.name.lower() == name]
            if found:
                return f"{first} (catalog tables are database.table: try {', '.join(found)})"
    return first


def _tables(catalog: Catalog) -> None:
    tables = catalog.tables()
    if not tables:
        err_console.print("no tables yet: run `courtside etl workflow` (or `courtside demo`)")
        return
    write_result(
        ["table", "format", "partitioned by"],
        [(t.qualified_name, t.format, ", ".join(k.name for k in t.partition_keys)) for t in tables],
        "table",
    )


def _schema(catalog: Catalog, wanted: str | None) -> None:
    tables = catalog.tables()
    if wanted:
        key = wanted.lower().rstrip(";")
        tables = [t for t in tables if key in (t.name.lower(), t.qualified_name.lower())]
        if not tables:
            err_console.print(f"[red]error:[/red] no table {escape(wanted)!s} (see .tables)")
            return
    rows = [(t.qualified_name, c.name, c.type, "") for t in tables for c in t.columns]
    rows += [
        (t.qualified_name, k.name, "string", "partition") for t in tables for k in t.partition_keys
    ]
    rows.sort(key=lambda r: r[0])
    write_result(["table", "column", "type", "key"], rows, "table")


def _meta(line: str, catalog: Catalog) -> bool | None:
    """Run a meta-command; ``True`` to leave, ``False`` handled, ``None`` not one."""
    words = line.split()
    command = words[0].lower() if words else ""
    if command in (".quit", ".exit", "\\q", "quit", "exit"):
        return True
    if command == ".help":
        err_console.print(_HELP, highlight=False, markup=False)
    elif command == ".tables":
        _tables(catalog)
    elif command == ".schema":
        _schema(catalog, words[1] if len(words) > 1 else None)
    elif command.startswith((".", "\\")):
        err_console.print(f"[red]error:[/red] unknown command {escape(command)!s}; try .help")
    else:
        return None
    return False


def _interactive(session: Session, catalog: Catalog, fmt: str, history: Path) -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows
        readline = None  # type: ignore[assignment]
    if readline is not None:
        history.parent.mkdir(parents=True, exist_ok=True)
        try:
            readline.read_history_file(history)
        except OSError:
            pass
        readline.set_history_length(1000)
    mode = "read-write" if session.write else "read-only"
    err_console.print(
        f"courtside sql ({session.engine}, {mode}): end statements with ';', .help for help",
        style="dim",
    )
    buffer: list[str] = []
    try:
        while True:
            try:
                line = input(_MORE if buffer else _PROMPT)
            except EOFError:
                break
            if not buffer:
                done = _meta(line.strip(), catalog)
                if done:
                    break
                if done is False:
                    continue
            buffer.append(line)
            text = "\n".join(buffer).strip()
            if not text or not text.endswith(";"):
                if not text:
                    buffer = []
                continue
            buffer = []
            _run_all(session, catalog, text, fmt)
    finally:
        if readline is not None:
            readline.write_history_file(history)


def _run_all(session: Session, catalog: Catalog, text: str, fmt: str) -> None:
    try:
        for statement in session.split(text):
            columns, rows = session.run(statement)
            if columns:
                write_result(columns, rows, fmt)
    except Exception as exc:  # noqa: BLE001 - any SQL error is shown, the shell goes on
        err_console.print(f"[red]error:[/red] {escape(explain(exc, catalog))}", highlight=False)


def sql(
    ctx: typer.Context,
    query: Annotated[str | None, typer.Argument(help="SQL to run; none: interactive.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    engine: Annotated[str, typer.Option("--engine", help="duckdb or spark.")] = "duckdb",
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="Lift the read-only mode: any statement (several at once), files anywhere, "
            "ATTACH, extensions. Without it: one query at a time, lake files only.",
        ),
    ] = False,
) -> None:
    """Query catalog tables by database.table name (e.g. twitter_nba_db.tweets), read-only
    unless --write."""
    if fmt not in ("table", "csv", "json"):
        raise typer.BadParameter(f"{fmt!r} is not one of table, csv, json", param_hint="--format")
    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter(f"{engine!r} is not one of duckdb, spark", param_hint="--engine")
    cfg = settings(ctx)
    catalog = Catalog.open(cfg)
    session: Session = (
        SparkSqlSession(cfg, catalog, write=write)
        if engine == "spark"
        else DuckDBSession(cfg, catalog, write=write)
    )
    try:
        if query is None:
            _interactive(session, catalog, fmt, cfg.state_dir / "sql_history")
            return
        try:
            columns, rows = session.run(query)
        except Exception as exc:
            raise QueryError(explain(exc, catalog)) from exc
        if columns:
            write_result(columns, rows, fmt)
    finally:
        session.close()


def register(app: typer.Typer) -> None:
    app.command("sql")(sql)
