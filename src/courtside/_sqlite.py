"""SQLite helpers shared by the state stores (runs, catalog, checkpoints, tables)."""

from __future__ import annotations

import sqlite3
import time


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
