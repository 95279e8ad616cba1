"""``courtside sql``: query the catalog's tables (the EMR/Hive interactive session).

Every catalog table is queryable as ``database.table``: on DuckDB by default, or on
Spark SQL with ``--engine spark``. One-shot with a query argument (output as a table,
CSV or JSON), interactive with history otherwise.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from courtside.cli._common import console, err_console, settings
from courtside.config import Settings
from courtside.errors import TerminalError


class QueryError(TerminalError):
    """The query failed (syntax error, unknown table, ...)."""


Runner = Callable[[str], tuple[list[str], list[tuple[Any, ...]]]]
_PROMPT, _MORE = "courtside> ", "      ...> "


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


def _duckdb_runner(cfg: Settings) -> tuple[Runner, Callable[[], None]]:
    from courtside.catalog import open_duckdb

    conn = open_duckdb(cfg)

    def run(query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        rel = conn.sql(query)
        if rel is None:
            return [], []
        return list(rel.columns), rel.fetchall()

    return run, conn.close


def _spark_runner(cfg: Settings) -> tuple[Runner, Callable[[], None]]:
    from courtside.batch.config import batch_settings
    from courtside.batch.spark_dedupe import local_session_conf, spark_session
    from courtside.catalog import Catalog, register_spark

    bcfg = batch_settings(cfg)
    spark = spark_session(
        bcfg.spark_master,
        bcfg.spark_driver_memory,
        app="courtside-sql",
        conf=local_session_conf(cfg.home),
    )
    spark.sparkContext.setLogLevel("ERROR")
    register_spark(spark, Catalog.open(cfg))

    def run(query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        df = spark.sql(query)
        return list(df.columns), [tuple(r) for r in df.collect()]

    return run, spark.stop


def _interactive(run: Runner, fmt: str, history: Path) -> None:
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
    err_console.print("courtside sql: end statements with ';', .quit to leave", style="dim")
    buffer: list[str] = []
    try:
        while True:
            try:
                line = input(_MORE if buffer else _PROMPT)
            except EOFError:
                break
            if not buffer and line.strip() in (".quit", ".exit", "quit", "exit"):
                break
            buffer.append(line)
            text = "\n".join(buffer).strip()
            if not text or not text.endswith(";"):
                if not text:
                    buffer = []
                continue
            buffer = []
            try:
                columns, rows = run(text.rstrip(";"))
                if columns:
                    write_result(columns, rows, fmt)
            except Exception as exc:  # noqa: BLE001 - any SQL error is shown, the shell goes on
                err_console.print(f"[red]error:[/red] {escape(str(exc).splitlines()[0])}")
    finally:
        if readline is not None:
            readline.write_history_file(history)


def sql(
    ctx: typer.Context,
    query: Annotated[str | None, typer.Argument(help="SQL to run; none: interactive.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    engine: Annotated[str, typer.Option("--engine", help="duckdb or spark.")] = "duckdb",
) -> None:
    """Query catalog tables by database.table name (e.g. twitter_nba_db.tweets)."""
    if fmt not in ("table", "csv", "json"):
        raise typer.BadParameter(f"{fmt!r} is not one of table, csv, json", param_hint="--format")
    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter(f"{engine!r} is not one of duckdb, spark", param_hint="--engine")
    cfg = settings(ctx)
    run, close = _spark_runner(cfg) if engine == "spark" else _duckdb_runner(cfg)
    try:
        if query is None:
            _interactive(run, fmt, cfg.state_dir / "sql_history")
            return
        try:
            columns, rows = run(query)
        except Exception as exc:
            raise QueryError(str(exc).splitlines()[0] if str(exc) else repr(exc)) from exc
        if columns:
            write_result(columns, rows, fmt)
    finally:
        close()


def register(app: typer.Typer) -> None:
    app.command("sql")(sql)
