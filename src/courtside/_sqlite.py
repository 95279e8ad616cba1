"""SQLite helpers shared by the state stores (runs, catalog, checkpoints, tables)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path


def set_wal(conn: sqlite3.Connection, timeout_s: float = 30.0) -> None:
    """Switch ``conn`` to WAL mode, waiting out other processes doing the same.

    Two processes opening a new database at once can see "database is locked" from the
    journal-mode change without SQLite's busy handler being called, so retry it here.
    """
    deadline = time.monotonic() + timeout_s
    delay = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def connect_wal(path: Path, schema: str = "", synchronous: str = "") -> sqlite3.Connection:
    """A connection in autocommit mode to the WAL database ``path`` (its folder and
    tables created with ``schema``), with ``PRAGMA synchronous`` set when given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    set_wal(conn)
    if synchronous:
        conn.execute(f"PRAGMA synchronous={synchronous}")
    if schema:
        conn.executescript(schema)
    return conn


@contextmanager
def transaction(path: Path, schema: str = "") -> Iterator[sqlite3.Connection]:
    """A short-lived connection to the WAL database ``path`` (created with ``schema``)
    holding one ``BEGIN IMMEDIATE`` transaction: committed when the block ends, rolled
    back when it raises."""
    with closing(connect_wal(path, schema)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
