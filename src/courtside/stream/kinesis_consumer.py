"""A consumer-group member reading every shard of a Kinesis stream (see
:mod:`courtside.stream.kinesis` for how the stream contract maps onto Kinesis)."""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from courtside.errors import StreamBusyError, StreamError
from courtside.stream.base import Consumer, Record
from courtside.stream.leases import SHARD_END, TRIM_HORIZON, Lease

if TYPE_CHECKING:
    from courtside.stream.kinesis import KinesisStreams

__all__ = ["AT_TIMESTAMP", "KinesisConsumer"]

log = logging.getLogger(__name__)

AT_TIMESTAMP = "AT_TIMESTAMP:"
_REFRESH_SHARDS_S = 30.0
_EMPTY_PAUSE_S = 0.2  # Kinesis allows 5 GetRecords per second and shard


@dataclass
class _Shard:
    lease: Lease
    parents: tuple[str, ...]
    iterator: str | None = None
    last_read: str | None = None  # sequence number of the last record handed out
    exhausted: bool = False  # a closed shard read to its end
    millis_behind: int | None = None


class KinesisConsumer(Consumer):
    """Reads ``stream`` for ``group``, holding every shard's lease until :meth:`close`."""

    def __init__(self, backend: KinesisStreams, stream: str, group: str) -> None:
        self.backend = backend
        self.stream = stream
        self.group = group
        self.owner = backend.owner
        self._name = backend.stream_name(stream)
        self._shards: dict[str, _Shard] = {}
        self._pending: deque[tuple[int, str, str]] = deque()  # (local seq, shard, seq number)
        self._position = 0
        self._committed = 0
        self._last_refresh = 0.0
        self._turn = 0
        self._last_heartbeat = time.monotonic()
        self._refresh()

    # -- shards and leases -------------------------------------------------------------------
    def _refresh(self) -> None:
        """Find new shards (after a reshard) and take their leases."""
        self._last_refresh = time.monotonic()
        for shard in self.backend.shards(self.stream):
            shard_id = shard["ShardId"]
            if shard_id in self._shards:
                continue
            lease = self.backend.leases.take(Lease(self.stream, self.group, shard_id), self.owner)
            parents = tuple(
                p for p in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")) if p
            )
            self._shards[shard_id] = _Shard(lease, parents)

    def _readable(self, state: _Shard) -> bool:
        if state.exhausted or state.lease.checkpoint == SHARD_END:
            return False
        for parent in state.parents:
            known = self._shards.get(parent)
            # A parent past the retention period is no longer listed: nothing left to read.
            if known is not None and known.lease.checkpoint != SHARD_END:
                return False
        return True

    def _iterator(self, state: _Shard) -> str:
        kwargs: dict[str, Any] = {"StreamName": self._name, "ShardId": state.lease.shard}
        after = state.last_read or state.lease.checkpoint
        if after == TRIM_HORIZON:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        elif after.startswith(AT_TIMESTAMP):
            kwargs["ShardIteratorType"] = "AT_TIMESTAMP"
            kwargs["Timestamp"] = int(after[len(AT_TIMESTAMP) :]) / 1000
        else:
            kwargs["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            kwargs["StartingSequenceNumber"] = after
        try:
            return str(self.backend.kinesis.get_shard_iterator(**kwargs)["ShardIterator"])
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self.backend.fail(exc, self.stream, "GetShardIterator") from None

    # -- Consumer ----------------------------------------------------------------------------
    @property
    def position(self) -> int:
        return self._position

    @property
    def committed(self) -> int:
        return self._committed

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
                state.iterator = self._iterator(state)
            try:
                answer = self.backend.kinesis.get_records(
                    ShardIterator=state.iterator, Limit=min(10000, max_records - len(out))
                )
            except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
                from courtside.aws import error_code

                if error_code(exc) == "ExpiredIteratorException":
                    state.iterator = None
                    continue
                err = self.backend.fail(exc, self.stream, "GetRecords")
                if isinstance(err, StreamBusyError):
                    log.info("GetRecords throttled on %s; backing off", shard_id)
                    time.sleep(_EMPTY_PAUSE_S)
                    continue
                raise err from None
            for item in answer.get("Records", ()):
                self._position += 1
                ts_ms = int(item["ApproximateArrivalTimestamp"].timestamp() * 1000)
                out.append(Record(self._position, ts_ms, item["Data"]))
                self._pending.append((self._position, shard_id, item["SequenceNumber"]))
                state.last_read = item["SequenceNumber"]
            state.millis_behind = answer.get("MillisBehindLatest")
            state.iterator = answer.get("NextShardIterator")
            if state.iterator is None:
                state.exhausted = True
        return out

    def _heartbeat(self) -> None:
        if time.monotonic() - self._last_heartbeat < self.backend.leases.timeout_ms / 3000:
            return
        self._last_heartbeat = time.monotonic()
        for state in self._shards.values():
            self.backend.leases.heartbeat(state.lease, self.owner)

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
            self.backend.leases.checkpoint(state.lease, self.owner, number, state.millis_behind)
            state.lease.checkpoint = number
        self._committed = min(target, self._position)
        self._last_heartbeat = time.monotonic()
        self._end_shards()

    def _end_shards(self) -> None:
        """Mark drained closed shards ``SHARD_END`` once nothing of theirs is uncommitted."""
        open_shards = {shard for _, shard, _ in self._pending}
        for shard_id, state in self._shards.items():
            if state.exhausted and shard_id not in open_shards:
                if state.lease.checkpoint != SHARD_END:
                    self.backend.leases.checkpoint(state.lease, self.owner, SHARD_END)
                    state.lease.checkpoint = SHARD_END

    def seek(self, seq: int) -> None:
        if seq != self._position:
            raise StreamError("a Kinesis consumer cannot seek; reset the group instead")

    def close(self) -> None:
        for state in self._shards.values():
            self.backend.leases.release(state.lease, self.owner)
        self._shards.clear()
