"""The durable local stream: every stream in one SQLite file in WAL mode.

Many processes may append and consume at once: SQLite serialises writers with a file
lock (we wait up to ``busy_timeout_s``) while readers never block. Each stream is one
table whose ``INTEGER PRIMARY KEY AUTOINCREMENT`` column is the sequence number, so
numbers increase and are never reused, even after retention trims the head. Consumer
group positions live in the ``offsets`` table of the same file.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from courtside._sqlite import set_wal
from courtside.errors import StreamBusyError, StreamError
from courtside.stream.base import (
    KNOWN_STREAMS,
    Consumer,
    GroupInfo,
    Record,
    StreamBackend,
    StreamInfo,
    check_group_name,
    check_stream_name,
)
from courtside.stream.config import StreamSettings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS streams (name TEXT PRIMARY KEY, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS offsets (
    stream TEXT NOT NULL, grp TEXT NOT NULL, seq INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    PRIMARY KEY (stream, grp));
"""
_RETENTION_EVERY_S = 60.0


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _table(stream: str) -> str:
    return f"s_{check_stream_name(stream)}"


class LocalStream(StreamBackend):
    """SQLite-backed streams in one file. Safe across processes; one instance per thread
    is simplest, but calls are serialised by a lock so sharing one is also safe."""

    def __init__(self, path: Path | str, settings: StreamSettings | None = None) -> None:
        self.path = Path(path)
        self.settings = settings or StreamSettings()
        self.max_record_bytes = int(self.settings.max_record_mib * 1024 * 1024)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._known: set[str] = set()
        self._last_retention = 0.0
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

    def _create(self, stream: str) -> None:
        table = _table(stream)
        self._db.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
            "ts_ms INTEGER NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL)"
        )
        self._db.execute(
            "INSERT OR IGNORE INTO streams(name, created_ms) VALUES (?, ?)", (stream, _now_ms())
        )
        self._known.add(stream)

    def _ensure(self, stream: str) -> str:
        if stream not in self._known:
            check_stream_name(stream)
            row = self._db.execute("SELECT 1 FROM streams WHERE name = ?", (stream,)).fetchone()
            if row is None:
                with self._write():
                    self._create(stream)
            self._known.add(stream)
        return _table(stream)

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
            table = self._ensure(stream)
            ts = _now_ms()
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
            self._maybe_retain(stream)
        # One writer at a time and AUTOINCREMENT: the batch got consecutive numbers.
        return list(range(first, first + len(batch)))

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
        with self._lock:
            table = self._ensure(stream)
            try:
                rows = self._db.execute(
                    f"SELECT seq, ts_ms, data FROM {table} WHERE seq > ? ORDER BY seq LIMIT ?",
                    (after_seq, limit),
                ).fetchall()
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
            db.execute(
                "INSERT INTO offsets(stream, grp, seq, updated_ms) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(stream, grp) DO UPDATE SET "
                "seq = max(seq, excluded.seq), updated_ms = excluded.updated_ms",
                (stream, group, seq, _now_ms()),
            )

    def reset_group(self, stream: str, group: str, seq: int = 0) -> None:
        """Set ``group``'s position to ``seq``, backwards too (replay from the start)."""
        with self._write() as db:
            db.execute(
                "INSERT INTO offsets(stream, grp, seq, updated_ms) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(stream, grp) DO UPDATE SET seq = excluded.seq, "
                "updated_ms = excluded.updated_ms",
                (stream, group, seq, _now_ms()),
            )

    def consumer(self, stream: str, group: str) -> LocalConsumer:
        self._ensure(stream)
        return LocalConsumer(self, stream, check_group_name(group))

    def last_seq(self, stream: str) -> int:
        """The newest sequence number of ``stream`` (0 when empty)."""
        with self._lock:
            table = self._ensure(stream)
            row = self._db.execute(f"SELECT max(seq) FROM {table}").fetchone()
        return int(row[0] or 0)

    # -- admin -----------------------------------------------------------------------------
    def streams(self) -> list[StreamInfo]:
        out = []
        with self._lock:
            names = [r[0] for r in self._db.execute("SELECT name FROM streams ORDER BY name")]
            for name in names:
                table = _table(name)
                count, first, last, size = self._db.execute(
                    f"SELECT count(*), min(seq), max(seq), coalesce(sum(size), 0) FROM {table}"
                ).fetchone()
                out.append(StreamInfo(name, count, first, last, size))
        return out

    def groups(self) -> list[GroupInfo]:
        out = []
        with self._lock:
            rows = self._db.execute(
                "SELECT stream, grp, seq, updated_ms FROM offsets ORDER BY stream, grp"
            ).fetchall()
            for stream, grp, seq, updated in rows:
                table = self._ensure(stream)
                (lag,) = self._db.execute(
                    f"SELECT count(*) FROM {table} WHERE seq > ?", (seq,)
                ).fetchone()
                out.append(GroupInfo(stream, grp, seq, lag, updated))
        return out

    def trim(
        self, stream: str, *, max_age_s: float | None = None, max_bytes: int | None = None
    ) -> int:
        table = self._ensure(stream)
        deleted = 0
        with self._write() as db:
            if max_age_s is not None:
                # Append times grow with sequence numbers, so the records to delete are a
                # head of the stream: find its end by walking from the oldest record (cheap
                # when little or nothing is due) instead of scanning the whole table.
                cutoff = _now_ms() - int(max_age_s * 1000)
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
        with self._lock:
            self._db.close()


class LocalConsumer(Consumer):
    """A consumer group member on a :class:`LocalStream`."""

    def __init__(self, backend: LocalStream, stream: str, group: str) -> None:
        self._backend = backend
        self.stream = stream
        self.group = group
        self._committed = backend.committed(stream, group)
        self._position = self._committed

    @property
    def position(self) -> int:
        return self._position

    @property
    def committed(self) -> int:
        return self._committed

    def poll(self, max_records: int = 1000, timeout_s: float = 0.0) -> list[Record]:
        deadline = time.monotonic() + timeout_s
        delay = 0.005
        while True:
            records = self._backend.read(self.stream, self._position, max_records)
            if records:
                self._position = records[-1].seq
                return records
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.2)

    def commit(self, seq: int | None = None) -> None:
        target = self._position if seq is None else seq
        if target <= self._committed:
            return
        self._backend.commit(self.stream, self.group, target)
        self._committed = target

    def seek(self, seq: int) -> None:
        self._position = seq
