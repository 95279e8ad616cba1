"""Reading a sharded stream service (Kinesis Data Streams, DynamoDB Streams) as one
consumer-group member.

Both services have the same shape: shards with parents after a reshard, shard iterators
(``TRIM_HORIZON``, ``AFTER_SEQUENCE_NUMBER``, ``AT_TIMESTAMP``), ``GetRecords`` pages and a
missing next iterator once a closed shard is read to its end. :class:`ShardedConsumer`
implements the :class:`~courtside.stream.base.Consumer` contract over a small
:class:`ShardApi` of either service, with leases and checkpoints in the lease table
(:mod:`courtside.stream.kinesis_leases`).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from courtside.errors import StreamBusyError, StreamError
from courtside.stream.base import Consumer, Record
from courtside.stream.kinesis_leases import SHARD_END, TRIM_HORIZON, Lease, LeaseTable

__all__ = ["AT_TIMESTAMP", "Page", "ShardApi", "ShardInfo", "ShardedConsumer"]

log = logging.getLogger(__name__)

AT_TIMESTAMP = "AT_TIMESTAMP:"
_REFRESH_SHARDS_S = 30.0
_EMPTY_PAUSE_S = 0.2  # Kinesis allows 5 GetRecords per second and shard


@dataclass(frozen=True)
class ShardInfo:
    """A shard and its parents (after a split or merge)."""

    shard_id: str
    parents: tuple[str, ...] = ()


@dataclass
class Page:
    """One ``GetRecords`` answer: ``(sequence number, arrival ms, bytes)`` records."""

    records: list[tuple[str, int, bytes]] = field(default_factory=list)
    next_iterator: str | None = None
    millis_behind: int | None = None


class ShardApi(Protocol):
    """The calls a :class:`ShardedConsumer` makes; errors are courtside errors
    (:class:`~courtside.errors.StreamBusyError` for throttling: retried later)."""

    def shards(self) -> list[ShardInfo]:
        """Every shard, open and closed."""
        ...

    def iterator(self, shard_id: str, after: str) -> str:
        """A shard iterator after ``after`` (a sequence number, ``TRIM_HORIZON`` or
        ``AT_TIMESTAMP:<ms>``)."""
        ...

    def records(self, iterator: str, limit: int) -> Page | None:
        """The next page, or ``None`` when the iterator expired (get a new one)."""
        ...


@dataclass
class _Shard:
    lease: Lease
    parents: tuple[str, ...]
    iterator: str | None = None
    last_read: str | None = None  # sequence number of the last record handed out
    consumed: str | None = None  # position up to the commit (or a restored snapshot)
    exhausted: bool = False  # a closed shard read to its end
    millis_behind: int | None = None


class ShardedConsumer(Consumer):
    """Reads every shard of ``stream`` for ``group``, holding every shard's lease until
    :meth:`close`.

    Sequence numbers handed out by :meth:`poll` are this consumer's own counter;
    :meth:`commit` stores, for every shard, the last record at or before the committed
    number, so a restart resumes right after the commit (at-least-once). A child shard
    is read only once its parents are checkpointed at their end.
    """

    def __init__(
        self, api: ShardApi, leases: LeaseTable, stream: str, group: str, owner: str
    ) -> None:
        self.api = api
        self.leases = leases
        self.stream = stream
        self.group = group
        self.owner = owner
        self._shards: dict[str, _Shard] = {}
        self._pending: deque[tuple[int, str, str]] = deque()  # (local seq, shard, seq number)
        self._position = 0
        self._committed = 0
        self._turn = 0
        self._last_refresh = 0.0
        self._last_heartbeat = time.monotonic()
        # Names this consumer's snapshots: local sequence numbers mean nothing elsewhere.
        self._token = secrets.token_hex(8)
        self._refresh()

    # -- shards and leases -------------------------------------------------------------------
    def _refresh(self) -> None:
        """Find new shards (after a reshard) and take their leases."""
        self._last_refresh = time.monotonic()
        for shard in self.api.shards():
            if shard.shard_id in self._shards:
                continue
            lease = self.leases.take(Lease(self.stream, self.group, shard.shard_id), self.owner)
            self._shards[shard.shard_id] = _Shard(lease, shard.parents, consumed=lease.checkpoint)

    def _readable(self, state: _Shard) -> bool:
        if state.exhausted or state.lease.checkpoint == SHARD_END:
            return False
        for parent in state.parents:
            known = self._shards.get(parent)
            # A parent past the retention period is no longer listed: nothing left to read.
            if known is not None and known.lease.checkpoint != SHARD_END:
                return False
        return True

    # -- Consumer ----------------------------------------------------------------------------
    def poll(self, max_records: int = 1000, timeout_s: float = 0.0) -> list[Record]:
        deadline = time.monotonic() + timeout_s
        while True:
            if time.monotonic() - self._last_refresh > _REFRESH_SHARDS_S:
                self._refresh()
            self._heartbeat()
            out = self._read_once(max_records)
            if out:
                return out
            if any(s.exhausted for s in self._shards.values()) and not self._pending:
                self._end_shards()  # let children of drained parents start
                if any(self._readable(s) for s in self._shards.values()):
                    continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            time.sleep(min(_EMPTY_PAUSE_S, remaining))

    def _read_once(self, max_records: int) -> list[Record]:
        out: list[Record] = []
        # Start at a different shard each time, so one busy shard cannot starve the others.
        order = sorted(self._shards.items())
        self._turn = (self._turn + 1) % max(1, len(order))
        for shard_id, state in order[self._turn :] + order[: self._turn]:
            if len(out) >= max_records or not self._readable(state):
                continue
            if state.iterator is None:
                state.iterator = self.api.iterator(
                    shard_id, state.last_read or state.lease.checkpoint or TRIM_HORIZON
                )
            try:
                page = self.api.records(state.iterator, min(10000, max_records - len(out)))
            except StreamBusyError:
                log.info("GetRecords throttled on %s of %s; backing off", shard_id, self.stream)
                time.sleep(_EMPTY_PAUSE_S)
                continue
            if page is None:  # the iterator expired: start again after the last record
                state.iterator = None
                continue
            for number, ts_ms, data in page.records:
                self._position += 1
                out.append(Record(self._position, ts_ms, data))
                self._pending.append((self._position, shard_id, number))
                state.last_read = number
            state.millis_behind = page.millis_behind
            state.iterator = page.next_iterator
            if state.iterator is None:
                state.exhausted = True
        return out

    def _heartbeat(self) -> None:
        if time.monotonic() - self._last_heartbeat < self.leases.timeout_ms / 3000:
            return
        self._last_heartbeat = time.monotonic()
        for state in self._shards.values():
            self.leases.heartbeat(state.lease, self.owner)

    def commit(self, seq: int | None = None) -> None:
        target = self._position if seq is None else seq
        if target <= self._committed:
            return
        latest: dict[str, str] = {}
        while self._pending and self._pending[0][0] <= target:
            _, shard_id, number = self._pending.popleft()
            latest[shard_id] = number
        for shard_id, number in latest.items():
            state = self._shards[shard_id]
            self.leases.checkpoint(state.lease, self.owner, number, state.millis_behind)
            state.lease.checkpoint = state.consumed = number
        self._committed = min(target, self._position)
        self._last_heartbeat = time.monotonic()
        self._end_shards()

    def _end_shards(self) -> None:
        """Mark drained closed shards ``SHARD_END`` once nothing of theirs is uncommitted."""
        open_shards = {shard for _, shard, _ in self._pending}
        for shard_id, state in self._shards.items():
            if state.exhausted and shard_id not in open_shards:
                if state.lease.checkpoint != SHARD_END:
                    self.leases.checkpoint(state.lease, self.owner, SHARD_END)
                    state.lease.checkpoint = state.consumed = SHARD_END

    def snapshot(self, seq: int | None = None) -> dict[str, Any]:
        """Per shard, the sequence number of the last record consumed up to ``seq``."""
        target = self._position if seq is None else seq
        shards = {sid: st.consumed for sid, st in self._shards.items() if st.consumed}
        for local, shard_id, number in self._pending:
            if local > target:
                break
            shards[shard_id] = number
        return {"token": self._token, "seq": target, "shards": shards}

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Resume every shard right after its position in ``snapshot`` (shards it does
        not name resume after their committed checkpoint)."""
        if snapshot.get("token") == self._token:
            self.seek(int(snapshot["seq"]))
            return
        if self._pending or self._position:
            raise StreamError(f"restore a consumer of {self.stream!r} before its first poll")
        for shard_id, number in dict(snapshot.get("shards") or {}).items():
            state = self._shards.get(str(shard_id))
            if state is None:  # past the retention period: nothing left to read
                continue
            state.consumed = state.last_read = str(number)
            state.iterator = None
            state.exhausted = number == SHARD_END

    def commit_snapshot(self, snapshot: Mapping[str, Any]) -> None:
        """Commit ``snapshot``: by its number when it is this consumer's own, else by
        writing its shard positions to the lease table (a restored checkpoint)."""
        if snapshot.get("token") == self._token:
            self.commit(int(snapshot["seq"]))
            return
        for shard_id, number in dict(snapshot.get("shards") or {}).items():
            state = self._shards.get(str(shard_id))
            if state is None or state.lease.checkpoint == number:
                continue
            self.leases.checkpoint(state.lease, self.owner, str(number), state.millis_behind)
            state.lease.checkpoint = str(number)

    def seek(self, seq: int) -> None:
        if seq != self._position:
            raise StreamError(
                f"a consumer of the sharded stream {self.stream!r} cannot seek; reset the "
                "group instead"
            )

    def close(self) -> None:
        for state in self._shards.values():
            self.leases.release(state.lease, self.owner)
        self._shards.clear()
