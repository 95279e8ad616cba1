"""One way to open DuckDB connections: never draw DuckDB's progress bar, never download.

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
    """``duckdb.connect`` with the progress bar and extension installs off (and ``config``
    on top)."""
    import duckdb

    # No extension is ever downloaded: a query needing one that is not bundled fails at
    # once with DuckDB's own message instead of trying the network.
    settings = {"autoinstall_known_extensions": False, **(config or {})}
    con = duckdb.connect(database, read_only=read_only, config=settings)
    con.execute("SET enable_progress_bar = false")  # a session setting
    return con
