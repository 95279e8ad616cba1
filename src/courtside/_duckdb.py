"""One way to open DuckDB connections: never draw DuckDB's progress bar.

DuckDB prints a progress bar to stdout for a query running more than two seconds, which
would corrupt the output of commands that print JSON or CSV (``demo --json``, ``sql``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

__all__ = ["connect"]


def connect(
    database: str = ":memory:", *, read_only: bool = False, config: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` with the progress bar off (and ``config`` on top)."""
    import duckdb

    con = duckdb.connect(database, read_only=read_only, config=config or {})
    con.execute("SET enable_progress_bar = false")  # a session setting
    return con
