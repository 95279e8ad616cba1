"""The durable local stream: every stream in one SQLite file in WAL mode.

Many processes may append and consume at once: SQLite serialises writers with a file
lock (we wait up to ``busy_timeout_s``) while readers never block. Each stream is one
table whose ``INTEGER PRIMARY KEY AUTOINCREMENT`` column is the sequence number, so
numbers increase and are never reused, even after retention trims the head (or the
stream is deleted and created again: the ``retired`` table remembers where it was).
Consumer group positions live in the ``offsets`` table of the same file; the active
consumers' read positions and heartbeats in ``readers``. Group leases are ``flock``s on
files in ``<stream file>.leases/`` (see :mod:`courtside.stream.lease`).
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from courtside._sqlite import set_wal
from courtside.errors import StreamBusyError, StreamError
from courtside.stream.base import (
    KNOWN_STREAMS,
    Record,
    StreamBackend,
    StreamInfo,
    check_group_name,
    check_stream_name,
)
from courtside.stream.config import StreamSettings
from courtside.stream.errors import ConsumerBusyError, UnknownStreamError
from courtside.stream.lease import FileLease
from courtside.stream.local_admin import LocalAdmin
from courtside.stream.local_consumer import LocalConsumer

__all__ = ["LocalConsumer", "LocalStream"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS streams (name TEXT PRIMARY KEY, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS offsets (
    stream TEXT NOT NULL, grp TEXT NOT NULL, seq INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    PRIMARY KEY (stream, grp));
CREATE TABLE IF NOT EXISTS readers (
    stream TEXT NOT NULL, grp TEXT NOT NULL, read_seq INTEGER NOT NULL, pid INTEGER NOT NULL,
    heartbeat_ms INTEGER NOT NULL, PRIMARY KEY (stream, grp));
CREATE TABLE IF NOT EXISTS retired (name TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);
"""
_RETENTION_EVERY_S = 60.0
_T = TypeVar("_T")


def _table(stream: str) -> str:
    return f"s_{check_stream_name(stream)}"


def _missing_table(exc: sqlite3.OperationalError) -> bool:
    return "no such table" in str(exc)


def _check_limit(name: str, value: float | None) -> None:
    if value is not None and (not math.isfinite(value) or value < 0):
        raise StreamError(f"{name} must be a non-negative number, got {value}")


class LocalStream(LocalAdmin, StreamBackend):
    """SQLite-backed streams in one file. Safe across processes; one instance per thread
    is simplest, but calls are serialised by a lock so sharing one is also safe.

    Args:
        path: The stream file.
        settings: Stream options (record size limit, retention, SQLite durability).
        clock: Wall clock in seconds that stamps appends, commits and heartbeats, and
            that age-based retention measures against (injectable so tests can order
            appends without sleeping).
    """

    def __init__(
        self,
        path: Path | str,
        settings: StreamSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.settings = settings or StreamSettings()
        self._clock = clock
        self.max_record_bytes = int(self.settings.max_record_mib * 1024 * 1024)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._known: set[str] = set()
        self._last_retention = 0.0
        self.leases_dir = self.path.with_name(self.path.name + ".leases")
        self._consumers: weakref.WeakSet[LocalConsumer] = weakref.WeakSet()
        try:
            self._db = sqlite3.connect(
                str(self.path),
                timeout=self.settings.busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
            set_wal(self._db)
            self._db.execute(f"PRAGMA synchronous={self.settings.synchronous.upper()}")
            # Fewer, larger checkpoints: appends of big batches stay fast as the file grows.
            self._db.execute("PRAGMA wal_autocheckpoint=16384")
            self._db.execute("PRAGMA cache_size=-65536")
            with self._write():
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        self._db.execute(stmt)
                for name in KNOWN_STREAMS:
                    self._create(name)
        except sqlite3.DatabaseError as exc:
            raise StreamError(f"cannot open stream file {self.path}: {exc}") from exc

    # -- plumbing --------------------------------------------------------------------------
    def _now_ms(self) -> int:
        if self._clock is time.time:
            return time.time_ns() // 1_000_000  # exact: no float rounding at ms edges
        return math.floor(self._clock() * 1000)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StreamBusyError(f"stream file {self.path} is busy: {exc}") from exc
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                try:
                    self._db.execute("COMMIT")
                except sqlite3.OperationalError as exc:
                    self._db.execute("ROLLBACK")
                    raise StreamBusyError(f"stream file {self.path} is busy: {exc}") from exc

    def _create(self, stream: str) -> bool:
        table = _table(stream)
        created = self._db.execute(
            "INSERT OR IGNORE INTO streams(name, created_ms) VALUES (?, ?)",
            (stream, self._now_ms()),
        ).rowcount
        self._db.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
            "ts_ms INTEGER NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL)"
        )
        # A stream deleted earlier continues its numbering: sequence numbers are never
        # reused, so positions kept elsewhere (checkpoints) never skip new records.
        self._db.execute(
            "INSERT INTO sqlite_sequence(name, seq) SELECT ?, last_seq FROM retired"
            " WHERE name = ? AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
            (table, stream, table),
        )
        self._known.add(stream)
        return bool(created)

    def _ensure(self, stream: str, *, create: bool = False) -> str:
        """The stream's table; a missing stream is created when ``create`` or when it is
        one of the known streams, else :class:`UnknownStreamError`."""
        if stream not in self._known:
            check_stream_name(stream)
            row = self._db.execute("SELECT 1 FROM streams WHERE name = ?", (stream,)).fetchone()
            if row is None:
                if not create and stream not in KNOWN_STREAMS:
                    raise UnknownStreamError(stream, self._names())
                with self._write():
                    self._create(stream)
            self._known.add(stream)
        return _table(stream)

    def _names(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT name FROM streams ORDER BY name")]

    def _retry_missing(self, stream: str, action: Callable[[], _T]) -> _T:
        """Run ``action``; if another process deleted the stream's table since this one
        saw it, look the stream up again and retry once."""
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if not _missing_table(exc):
                raise
            self._known.discard(stream)
            return action()

    def _check_size(self, data: bytes) -> None:
        if len(data) > self.max_record_bytes:
            raise StreamError(
                f"record of {len(data)} bytes exceeds the stream limit of "
                f"{self.max_record_bytes} bytes (stream.max_record_mib)"
            )

    # -- producer --------------------------------------------------------------------------
    def append(self, stream: str, data: bytes) -> int:
        return self.append_many(stream, (data,))[0]

    def append_many(self, stream: str, records: Iterable[bytes]) -> list[int]:
        batch = records if isinstance(records, list) else list(records)
        limit = self.max_record_bytes
        for data in batch:
            if len(data) > limit:
                self._check_size(data)
        if not batch:
            return []
        with self._lock:
            first = self._retry_missing(stream, lambda: self._insert(stream, batch))
            self._maybe_retain(stream)
        # One writer at a time and AUTOINCREMENT: the batch got consecutive numbers.
        return list(range(first, first + len(batch)))

    def _insert(self, stream: str, batch: list[bytes]) -> int:
        table = self._ensure(stream, create=True)
        ts = self._now_ms()
        with self._write() as db:
            first = db.execute(
                f"INSERT INTO {table}(ts_ms, size, data) VALUES (?, ?, ?)",
                (ts, len(batch[0]), batch[0]),
            ).lastrowid
            assert first is not None
            if len(batch) > 1:
                db.executemany(
                    f"INSERT INTO {table}(ts_ms, size, data) VALUES (?, ?, ?)",
                    ((ts, len(d), d) for d in batch[1:]),
                )
        return first

    def _maybe_retain(self, stream: str) -> None:
        now = time.monotonic()
        if now - self._last_retention < _RETENTION_EVERY_S:
            return
        self._last_retention = now
        hours, mib = self.settings.retention_hours, self.settings.retention_mib
        try:
            self.trim(
                stream,
                max_age_s=hours * 3600 if hours else None,
                max_bytes=int(mib * 1024 * 1024) if mib else None,
            )
        except StreamBusyError:
            pass  # retention is best effort; the next append retries

    # -- reading ---------------------------------------------------------------------------
    def read(self, stream: str, after_seq: int = 0, limit: int = 1000) -> list[Record]:
        def _select() -> list[tuple[int, int, bytes]]:
            table = self._ensure(stream)
            return self._db.execute(
                f"SELECT seq, ts_ms, data FROM {table} WHERE seq > ? ORDER BY seq LIMIT ?",
                (after_seq, limit),
            ).fetchall()

        with self._lock:
            try:
                rows = self._retry_missing(stream, _select)
            except sqlite3.OperationalError as exc:
                raise StreamBusyError(f"cannot read stream {stream}: {exc}") from exc
        return [Record(*row) for row in rows]

    def committed(self, stream: str, group: str) -> int:
        """The committed position of ``group`` on ``stream`` (0 when it never committed)."""
        with self._lock:
            row = self._db.execute(
                "SELECT seq FROM offsets WHERE stream = ? AND grp = ?", (stream, group)
            ).fetchone()
        return int(row[0]) if row else 0

    def commit(self, stream: str, group: str, seq: int) -> None:
        """Durably set ``group``'s position on ``stream`` to ``seq`` (never backwards)."""
        with self._write() as db:
            self._upsert_offset(db, stream, group, seq)

    def _upsert_offset(self, db: sqlite3.Connection, stream: str, group: str, seq: int) -> None:
        db.execute(
            "INSERT INTO offsets(stream, grp, seq, updated_ms) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(stream, grp) DO UPDATE SET "
            "seq = max(seq, excluded.seq), updated_ms = excluded.updated_ms",
            (stream, group, seq, self._now_ms()),
        )

    # -- consumers -------------------------------------------------------------------------
    def _lease(self, stream: str, group: str) -> FileLease:
        return FileLease(self.leases_dir / f"{stream}@{group}.lease")

    def consumer(self, stream: str, group: str, *, wait_s: float = 0.0) -> LocalConsumer:
        check_group_name(group)
        self.last_seq(stream)  # UnknownStreamError for a stream that does not exist
        lease = self._lease(stream, group)
        holder = lease.acquire(wait_s)
        if holder is not None:
            raise ConsumerBusyError(stream, group, holder)
        try:
            consumer = LocalConsumer(self, stream, group, lease)
        except BaseException:
            lease.release()
            raise
        self._consumers.add(consumer)
        return consumer

    def _beat(self, stream: str, group: str, read_seq: int) -> None:
        """Record an active consumer's read position, pid and heartbeat."""
        with self._write() as db:
            self._upsert_reader(db, stream, group, read_seq)

    def _commit(self, stream: str, group: str, seq: int, read_seq: int) -> None:
        """A consumer's commit: the offset and its read position, in one transaction."""
        with self._write() as db:
            self._upsert_offset(db, stream, group, seq)
            self._upsert_reader(db, stream, group, read_seq)

    def _upsert_reader(
        self, db: sqlite3.Connection, stream: str, group: str, read_seq: int
    ) -> None:
        """The consumer's row in ``readers``: its read position, this pid, now."""
        db.execute(
            "INSERT OR REPLACE INTO readers(stream, grp, read_seq, pid, heartbeat_ms)"
            " VALUES (?, ?, ?, ?, ?)",
            (stream, group, read_seq, os.getpid(), self._now_ms()),
        )

    def _forget(self, stream: str, group: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM readers WHERE stream = ? AND grp = ?", (stream, group))

    def last_seq(self, stream: str) -> int:
        """The newest sequence number of ``stream`` (0 when empty)."""

        def _max() -> int:
            row = self._db.execute(f"SELECT max(seq) FROM {self._ensure(stream)}").fetchone()
            return int(row[0] or 0)

        with self._lock:
            return self._retry_missing(stream, _max)

    # -- admin -----------------------------------------------------------------------------
    def has_stream(self, stream: str) -> bool:
        check_stream_name(stream)
        with self._lock:
            return stream in self._names()

    def create_stream(self, stream: str) -> bool:
        check_stream_name(stream)
        with self._lock, self._write():
            return self._create(stream)

    def streams(self) -> list[StreamInfo]:
        out = []
        with self._lock:
            for name in self._names():
                count, first, last, size = self._db.execute(
                    f"SELECT count(*), min(seq), max(seq), coalesce(sum(size), 0) "
                    f"FROM {self._ensure(name)}"
                ).fetchone()
                out.append(StreamInfo(name, count, first, last, size))
        return out

    def trim(
        self, stream: str, *, max_age_s: float | None = None, max_bytes: int | None = None
    ) -> int:
        _check_limit("max_age_s", max_age_s)
        _check_limit("max_bytes", max_bytes)
        with self._lock:
            return self._retry_missing(
                stream, lambda: self._trim(self._ensure(stream), max_age_s, max_bytes)
            )

    def _trim(self, table: str, max_age_s: float | None, max_bytes: int | None) -> int:
        deleted = 0
        with self._write() as db:
            if max_age_s is not None:
                # Append times grow with sequence numbers, so the records to delete are a
                # head of the stream: find its end by walking from the oldest record (cheap
                # when little or nothing is due) instead of scanning the whole table.
                cutoff = self._now_ms() - int(max_age_s * 1000)
                row = db.execute(
                    f"SELECT seq FROM {table} WHERE ts_ms >= ? ORDER BY seq LIMIT 1", (cutoff,)
                ).fetchone()
                if row is None:
                    deleted += db.execute(f"DELETE FROM {table}").rowcount
                else:
                    deleted += db.execute(f"DELETE FROM {table} WHERE seq < ?", (row[0],)).rowcount
            if max_bytes is not None:
                (total,) = db.execute(f"SELECT coalesce(sum(size), 0) FROM {table}").fetchone()
                if total > max_bytes:
                    excess = total - max_bytes
                    # Find the smallest head of the stream whose size covers the excess.
                    row = db.execute(
                        f"SELECT seq FROM (SELECT seq, sum(size) OVER (ORDER BY seq) AS run "
                        f"FROM {table}) WHERE run >= ? ORDER BY seq LIMIT 1",
                        (excess,),
                    ).fetchone()
                    if row:
                        deleted += db.execute(
                            f"DELETE FROM {table} WHERE seq <= ?", (row[0],)
                        ).rowcount
        return deleted

    def close(self) -> None:
        """Close every consumer opened here (releasing their leases), then the file."""
        for consumer in list(self._consumers):
            consumer.close()
        with self._lock:
            self._db.close()
