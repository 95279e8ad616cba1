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


@contextmanager
def transaction(path: Path, schema: str = "") -> Iterator[sqlite3.Connection]:
    """A short-lived connection to the WAL database ``path`` (created with ``schema``)
    holding one ``BEGIN IMMEDIATE`` transaction: committed when the block ends, rolled
    back when it raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=30.0, isolation_level=None)) as conn:
        set_wal(conn)
        if schema:
            conn.executescript(schema)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
