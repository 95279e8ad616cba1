"""Checkpoints of the embedded engine: state, input positions and output sequence in one
atomic write.

One SQLite file per consumer group under the state folder (``detect-<group>.db``) holds
the latest checkpoint as a single row; replacing it is one transaction, so after a crash
the file holds either the old or the new checkpoint, never a mix.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import orjson

from courtside._sqlite import set_wal
from courtside.errors import TerminalError

__all__ = ["CheckpointError", "CheckpointStore"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "ckpt_id INTEGER NOT NULL, created_ms INTEGER NOT NULL, body BLOB NOT NULL)"
)


class CheckpointError(TerminalError):
    """The checkpoint file cannot be read or written."""


class CheckpointStore:
    """The latest checkpoint of one detector, in a SQLite file.

    Args:
        path: The checkpoint file.
        durable: fsync every checkpoint (``synchronous=FULL``); ``False`` survives a kill -9
            but not a power loss.
    """

    def __init__(self, path: Path, *, durable: bool = True) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
            set_wal(self._db)
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self._db.execute(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise CheckpointError(f"cannot open checkpoint file {path}: {exc}") from exc

    def load(self) -> dict[str, Any] | None:
        """The latest checkpoint, or ``None`` when there is none."""
        try:
            row = self._db.execute("SELECT body FROM checkpoint WHERE id = 1").fetchone()
        except sqlite3.DatabaseError as exc:
            raise CheckpointError(f"cannot read checkpoint file {self.path}: {exc}") from exc
        if row is None:
            return None
        try:
            body = orjson.loads(row[0])
        except orjson.JSONDecodeError as exc:
            raise CheckpointError(f"checkpoint in {self.path} is corrupt: {exc}") from exc
        if not isinstance(body, dict):
            raise CheckpointError(f"checkpoint in {self.path} is not an object")
        return body

    def save(self, ckpt_id: int, body: dict[str, Any]) -> None:
        """Atomically replace the checkpoint with ``body``."""
        data = orjson.dumps(body)
        try:
            self._db.execute(
                "INSERT INTO checkpoint(id, ckpt_id, created_ms, body) VALUES (1, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET ckpt_id = excluded.ckpt_id, "
                "created_ms = excluded.created_ms, body = excluded.body",
                (ckpt_id, time.time_ns() // 1_000_000, data),
            )
        except sqlite3.DatabaseError as exc:
            raise CheckpointError(f"cannot write checkpoint file {self.path}: {exc}") from exc

    def close(self) -> None:
        """Close the file."""
        self._db.close()
