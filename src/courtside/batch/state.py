"""Job state under ``<state_dir>``: the run lock and the bookmarks (Glue job bookmarks).

The lock is an ``flock`` on ``<state_dir>/<job>.lock``: it is released by the kernel when
the process dies, so a crashed run never blocks the next one. Bookmarks are the raw files
a job has processed, kept in SQLite (``<state_dir>/bookmarks.db``), and the files it
quarantined, with the reason.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from courtside._sqlite import connect_wal
from courtside.batch.errors import JobBusyError

__all__ = ["Bookmarks", "HasStateDir", "QuarantinedFile", "job_lock"]


class HasStateDir(Protocol):
    """Anything that knows the state folder: :class:`courtside.places.Places` (or the
    top-level settings, for callers above the stages)."""

    @property
    def state_dir(self) -> Path:
        """The local state folder."""
        ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS processed (
    job TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, run_id TEXT NOT NULL,
    at TEXT NOT NULL, PRIMARY KEY (job, path)
);
CREATE TABLE IF NOT EXISTS quarantined (
    job TEXT NOT NULL, path TEXT NOT NULL, reason TEXT NOT NULL, moved_to TEXT NOT NULL,
    run_id TEXT NOT NULL, at TEXT NOT NULL
);
"""


@contextmanager
def job_lock(places: HasStateDir, job: str, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the exclusive lock of ``job`` for the ``with`` body.

    Args:
        places: Where the state folder is.
        job: The job's name (the lock file is ``<state_dir>/<job>.lock``).
        wait_s: How long to wait for another holder; 0 refuses at once.

    Raises:
        JobBusyError: when another process holds the lock after ``wait_s``.
    """
    places.state_dir.mkdir(parents=True, exist_ok=True)
    path = places.state_dir / f"{job}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                    raise JobBusyError(job, holder) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.pwrite(fd, f"pid {os.getpid()} since {started}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class QuarantinedFile:
    """A raw file moved out of the way, with the reason."""

    path: str
    reason: str
    moved_to: str
    run_id: str
    at: datetime


class Bookmarks:
    """Processed and quarantined raw files of one job (keys relative to the lake, so
    they are the same for a folder lake and S3; the database stays in the local state
    folder)."""

    def __init__(self, places: HasStateDir, job: str) -> None:
        self.path: Path = places.state_dir / "bookmarks.db"
        self.job = job

    def _connect(self) -> sqlite3.Connection:
        return connect_wal(self.path, _SCHEMA, synchronous="FULL")

    def processed(self) -> dict[str, int]:
        """Processed files and their sizes."""
        with closing(self._connect()) as conn:
            rows = conn.execute(
                "SELECT path, size FROM processed WHERE job = ?", (self.job,)
            ).fetchall()
        return dict(rows)

    def commit(self, files: Iterable[tuple[str, int]], run_id: str, *, reset: bool = False) -> None:
        """Record ``files`` as processed, in one durable transaction. With ``reset``, the
        previous bookmark is replaced rather than extended."""
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if reset:
                    conn.execute("DELETE FROM processed WHERE job = ?", (self.job,))
                conn.executemany(
                    "INSERT OR REPLACE INTO processed VALUES (?, ?, ?, ?, ?)",
                    [(self.job, path, size, run_id, now) for path, size in files],
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def reset(self) -> None:
        """Forget every processed file (the next run reprocesses everything)."""
        self.commit([], "reset", reset=True)

    def add_quarantined(self, path: str, reason: str, moved_to: str, run_id: str) -> None:
        """Remember a quarantined file."""
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        with closing(self._connect()) as conn:
            conn.execute(
                "INSERT INTO quarantined VALUES (?, ?, ?, ?, ?, ?)",
                (self.job, path, reason, moved_to, run_id, now),
            )

    def quarantined(self) -> list[QuarantinedFile]:
        """Quarantined files, oldest first."""
        with closing(self._connect()) as conn:
            rows = conn.execute(
                "SELECT path, reason, moved_to, run_id, at FROM quarantined WHERE job = ?"
                " ORDER BY rowid",
                (self.job,),
            ).fetchall()
        return [QuarantinedFile(p, r, m, i, datetime.fromisoformat(a)) for p, r, m, i, a in rows]
