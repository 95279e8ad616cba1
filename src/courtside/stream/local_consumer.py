"""The consumer of the local stream: a group member holding the group's lease."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from courtside.errors import StreamBusyError
from courtside.stream.base import Consumer, Record
from courtside.stream.lease import FileLease

if TYPE_CHECKING:
    from courtside.stream.local import LocalStream

__all__ = ["LocalConsumer"]

#: At most one read-position heartbeat write per consumer in this many seconds.
HEARTBEAT_EVERY_S = 1.0


class LocalConsumer(Consumer):
    """A consumer group member on a :class:`~courtside.stream.local.LocalStream`.

    It holds the group's lease (see :mod:`courtside.stream.lease`) until :meth:`close`,
    and records its read position, pid and a heartbeat in the stream file when it polls
    (at its first read, then at most every :data:`HEARTBEAT_EVERY_S`), for ``groups()``.
    """

    def __init__(self, backend: LocalStream, stream: str, group: str, lease: FileLease) -> None:
        self._backend = backend
        self._lease = lease
        self.stream = stream
        self.group = group
        self._committed = backend.committed(stream, group)
        self._position = self._committed
        self._beat_at = 0.0
        self._beat_seq = -1
        self._heartbeat(force=True)

    @property
    def active(self) -> bool:
        """True until :meth:`close`."""
        return self._lease.held

    def _heartbeat(self, *, force: bool = False) -> None:
        now = time.monotonic()
        first_move = self._beat_seq == self._committed and self._position != self._beat_seq
        if not (force or first_move or now - self._beat_at >= HEARTBEAT_EVERY_S):
            return
        self._beat_at = now
        try:
            self._backend._beat(self.stream, self.group, self._position)
            self._beat_seq = self._position
        except StreamBusyError:
            pass  # a heartbeat is informative only; the next poll writes it

    def poll(self, max_records: int = 1000, timeout_s: float = 0.0) -> list[Record]:
        deadline = time.monotonic() + timeout_s
        delay = 0.005
        while True:
            records = self._backend.read(self.stream, self._position, max_records)
            if records:
                self._position = records[-1].seq
                self._heartbeat()
                return records
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._heartbeat()
                return []
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.2)

    def commit(self, seq: int | None = None) -> None:
        target = self._position if seq is None else seq
        if target <= self._committed:
            return
        self._backend._commit(self.stream, self.group, target, self._position)
        self._committed = target

    def seek(self, seq: int) -> None:
        self._position = seq

    def close(self) -> None:
        """Forget the read position and release the group's lease (idempotent)."""
        if not self._lease.held:
            return
        try:
            self._backend._forget(self.stream, self.group)
        except Exception:  # noqa: S110 - the backend may be closed; the lease matters
            pass
        finally:
            self._lease.release()
