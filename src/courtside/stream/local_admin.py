"""Administration of the local stream: group listing, group reset, stream deletion.

A mixin of :class:`~courtside.stream.local.LocalStream`, kept apart so each module
stays small; it uses the backend's connection, write transaction and leases.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager

from courtside.errors import StreamError
from courtside.stream.base import GroupInfo, check_group_name, check_stream_name
from courtside.stream.errors import ConsumerBusyError, UnknownStreamError
from courtside.stream.lease import FileLease, probe

__all__ = ["LocalAdmin"]


class LocalAdmin:
    """Group and stream administration on the local SQLite stream file."""

    _db: sqlite3.Connection
    _lock: threading.RLock
    _known: set[str]

    @abstractmethod
    def _write(self) -> AbstractContextManager[sqlite3.Connection]: ...

    @abstractmethod
    def _ensure(self, stream: str, *, create: bool = False) -> str: ...

    @abstractmethod
    def last_seq(self, stream: str) -> int: ...

    @abstractmethod
    def _names(self) -> list[str]: ...

    @abstractmethod
    def _now_ms(self) -> int: ...

    @abstractmethod
    def _lease(self, stream: str, group: str) -> FileLease: ...

    def groups(self) -> list[GroupInfo]:
        """Every group that committed or has a running consumer: committed, lag, and, for
        an active one (its lease is held), the read position and what it buffers."""
        out = []
        with self._lock:
            rows = self._db.execute(
                "SELECT k.stream, k.grp, o.seq, o.updated_ms, r.read_seq, r.heartbeat_ms"
                " FROM (SELECT stream, grp FROM offsets UNION SELECT stream, grp FROM readers)"
                " AS k JOIN streams AS s ON s.name = k.stream"
                " LEFT JOIN offsets AS o ON o.stream = k.stream AND o.grp = k.grp"
                " LEFT JOIN readers AS r ON r.stream = k.stream AND r.grp = k.grp"
                " ORDER BY k.stream, k.grp"
            ).fetchall()
            for stream, grp, seq, updated, read_seq, beat in rows:
                table = f"s_{check_stream_name(stream)}"
                committed = int(seq or 0)
                holder = probe(self._lease(stream, grp).path)
                active = holder is not None
                read = max(committed, int(read_seq)) if active and read_seq is not None else None
                (lag,) = self._db.execute(
                    f"SELECT count(*) FROM {table} WHERE seq > ?", (committed,)
                ).fetchone()
                buffered = 0
                if read is not None and read > committed:
                    (buffered,) = self._db.execute(
                        f"SELECT count(*) FROM {table} WHERE seq > ? AND seq <= ?",
                        (committed, read),
                    ).fetchone()
                out.append(
                    GroupInfo(
                        stream,
                        grp,
                        committed,
                        lag,
                        int(updated or 0),
                        read_seq=committed if read is None else read,
                        buffered=buffered,
                        active=active,
                        holder=holder or "",
                        heartbeat_ms=int(beat) if active and beat is not None else None,
                    )
                )
        return out

    @contextmanager
    def _quiet_groups(self, stream: str, groups: Iterable[str], action: str) -> Iterator[None]:
        """Hold the leases of ``groups`` (none may be active) for the ``with`` body."""
        held: list[FileLease] = []
        try:
            for group in groups:
                lease = self._lease(stream, group)
                holder = lease.acquire(0.0)
                if holder is not None:
                    raise ConsumerBusyError(stream, group, holder, action=action)
                held.append(lease)
            yield
        finally:
            for lease in held:
                lease.release()

    def reset_group(self, stream: str, group: str, seq: int | None = 0) -> None:
        """Set ``group``'s position to ``seq``, backwards too (0: replay from the start;
        ``None``: after the newest record).

        Raises:
            ConsumerBusyError: the group's consumer is active.
        """
        check_group_name(group)
        if seq is None:
            seq = self.last_seq(stream)
        if seq < 0:
            raise StreamError(f"a group position cannot be negative, got {seq}")
        with self._lock:
            self._ensure(stream)
        with self._quiet_groups(stream, [group], f"reset group {group!r}"):
            with self._write() as db:
                db.execute(
                    "INSERT INTO offsets(stream, grp, seq, updated_ms) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(stream, grp) DO UPDATE SET seq = excluded.seq, "
                    "updated_ms = excluded.updated_ms",
                    (stream, group, seq, self._now_ms()),
                )
                db.execute("DELETE FROM readers WHERE stream = ? AND grp = ?", (stream, group))

    def delete_stream(self, stream: str) -> int:
        check_stream_name(stream)
        with self._lock:
            if stream not in self._names():
                raise UnknownStreamError(stream, self._names())
            groups = [
                r[0]
                for r in self._db.execute(
                    "SELECT grp FROM offsets WHERE stream = ? UNION"
                    " SELECT grp FROM readers WHERE stream = ?",
                    (stream, stream),
                )
            ]
        with self._quiet_groups(stream, groups, f"delete stream {stream!r}"):
            table = f"s_{stream}"
            with self._lock, self._write() as db:
                (count,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
                db.execute(
                    "INSERT OR REPLACE INTO retired(name, last_seq) SELECT ?, max(seq) FROM"
                    " (SELECT seq FROM sqlite_sequence WHERE name = ? UNION ALL"
                    " SELECT last_seq FROM retired WHERE name = ?)"
                    " HAVING max(seq) IS NOT NULL",
                    (stream, table, stream),
                )
                db.execute(f"DROP TABLE {table}")
                for meta in ("offsets", "readers"):
                    db.execute(f"DELETE FROM {meta} WHERE stream = ?", (stream,))
                db.execute("DELETE FROM streams WHERE name = ?", (stream,))
                self._known.discard(stream)
        return int(count)
