"""Streams on Amazon Kinesis Data Streams (the original's ``tweets`` stream), behind the
same contract as the local log (:mod:`courtside.stream.base`).

courtside's stream ``tweets`` is the Kinesis stream ``<prefix>tweets`` (``[stream]
kinesis_prefix``, default ``courtside-``). How the contract maps:

* **Producer.** ``append_many`` sends ``PutRecords`` batches within Kinesis' limits (500
  records, 5 MiB, 1 MiB per record with its key); the partition key is the post's id (the
  team for control records), so one post always lands on the same shard. Records a batch
  did not accept (``ProvisionedThroughputExceededException``, ``InternalFailure``) are sent
  again with exponential backoff; the call returns once every record is stored (durable,
  replicated by Kinesis). Unlike the local log a batch is not all-or-none: a failure after
  retries raises :class:`~courtside.errors.StreamBusyError` saying how many were stored,
  and a producer that retries may store some twice (the dedupe job removes repeats).
  A record over 1 MiB raises :class:`RecordTooLargeError` before anything is sent.
* **Consumer.** A consumer reads every shard, parents before children after a reshard,
  and checkpoints per consumer group and shard in a DynamoDB lease table
  (:mod:`courtside.stream.kinesis_leases`), as the Kinesis Client Library does. Sequence numbers
  handed out by ``poll`` are the consumer's own counter (Kinesis' are per shard);
  ``commit(n)`` stores, for every shard, the last record at or before ``n`` — so a restart
  resumes after the commit, at least once. One consumer of a group runs at a time: it holds
  every shard's lease and renews it; a crashed consumer's leases expire.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson

from courtside.aws import AwsSettings, client, error_code, stream_error
from courtside.errors import StreamBusyError, StreamError
from courtside.stream.base import (
    KNOWN_STREAMS,
    GroupInfo,
    Record,
    StreamBackend,
    StreamInfo,
    check_group_name,
    check_stream_name,
)
from courtside.stream.config import StreamSettings
from courtside.stream.errors import ConsumerBusyError
from courtside.stream.kinesis_leases import LeaseTable, process_owner
from courtside.stream.shards import AT_TIMESTAMP, Page, ShardedConsumer, ShardInfo

__all__ = ["KinesisStreams", "RecordTooLargeError", "partition_key"]

log = logging.getLogger(__name__)

MAX_RECORD_BYTES = 1024 * 1024
_MAX_BATCH_RECORDS = 500
_MAX_BATCH_BYTES = 5 * 1024 * 1024
_RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "InternalFailure",
    "ServiceUnavailable",
    "ThrottlingException",
    "LimitExceededException",
}


class RecordTooLargeError(StreamError):
    """A record is over Kinesis' 1 MiB limit (nothing of its batch was sent).

    Attributes:
        index: Its position in the batch.
        size: Its size in bytes (data plus partition key).
    """

    def __init__(self, message: str, *, index: int, size: int) -> None:
        super().__init__(message)
        self.index = index
        self.size = size


def partition_key(data: bytes) -> str:
    """The partition key of a record: the post's id, the control record's team, the alert's
    id; otherwise a digest of the bytes (at most 256 characters)."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        doc = None
    if isinstance(doc, dict):
        post = doc.get("data")
        if isinstance(post, list) and post:
            post = post[0]
        candidates: list[Any] = [post.get("id") if isinstance(post, dict) else None]
        keys = (
            doc.get("dynamodb", {}).get("Keys", {}) if isinstance(doc.get("dynamodb"), dict) else {}
        )
        team = keys.get("team") if isinstance(keys, dict) else None
        candidates.append(team.get("S") if isinstance(team, dict) else None)
        candidates.append(doc.get("alert_id"))
        for value in candidates:
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                return str(value)[:256]
    return hashlib.sha256(data).hexdigest()


class KinesisStreams(StreamBackend):
    """courtside's streams on Kinesis Data Streams.

    Args:
        settings: The ``[stream]`` section (prefix, lease table, lease timeout).
        aws: Where and how to connect.
        owner: This process's name in the lease table (default: host and pid).
        on_oversize: Where records over Kinesis' 1 MiB limit go instead of the stream
            (called with the stream's name and the records, before anything is sent);
            without it such a record raises :class:`RecordTooLargeError`.
    """

    def __init__(
        self,
        settings: StreamSettings,
        aws: AwsSettings,
        *,
        owner: str | None = None,
        on_oversize: Callable[[str, list[bytes]], None] | None = None,
    ) -> None:

        self.settings = settings
        self.aws = aws
        self.prefix = settings.kinesis_prefix
        self.owner = owner or process_owner()
        self.kinesis = client("kinesis", aws)
        self.leases = LeaseTable(
            settings.kinesis_lease_table, aws, timeout_s=settings.kinesis_lease_timeout_s
        )
        self.max_record_bytes = min(MAX_RECORD_BYTES, int(settings.max_record_mib * 1024 * 1024))
        self.on_oversize = on_oversize
        self._consumers: list[ShardedConsumer] = []
        self.retry_max_attempts = 10
        self.retry_base_s = 0.05

    # -- names and errors --------------------------------------------------------------------
    def stream_name(self, stream: str) -> str:
        """The Kinesis stream behind courtside's ``stream``."""
        return f"{self.prefix}{check_stream_name(stream)}"

    def fail(self, exc: BaseException, stream: str, what: str) -> StreamError:
        """A courtside error for a failed Kinesis call."""
        name = self.stream_name(stream)
        return stream_error(
            exc,
            f"{what} on Kinesis stream {name!r}",
            f"the Kinesis stream {name!r} does not exist (deploy "
            "deploy/cloudformation/courtside.yaml, or `courtside aws deploy`)",
        )

    def _pause(self, attempt: int) -> None:
        time.sleep(min(self.retry_base_s * (2**attempt), 5.0))

    # -- producer ----------------------------------------------------------------------------
    def append(self, stream: str, data: bytes) -> int:
        return self.append_many(stream, [data])[0]

    def append_many(
        self, stream: str, records: Iterable[bytes], keys: Sequence[str] | None = None
    ) -> list[int]:
        batch = records if isinstance(records, list) else list(records)
        part_keys = list(keys) if keys is not None else [partition_key(d) for d in batch]
        oversize: list[int] = []
        for index, (data, key) in enumerate(zip(batch, part_keys, strict=True)):
            size = len(data) + len(key.encode())
            if size > self.max_record_bytes:
                if self.on_oversize is None:
                    raise RecordTooLargeError(
                        f"record {index} of {size} bytes exceeds Kinesis' limit of "
                        f"{self.max_record_bytes} bytes",
                        index=index,
                        size=size,
                    )
                oversize.append(index)
        results: list[int] = [0] * len(batch)
        if oversize and self.on_oversize is not None:
            # Diverted records get sequence number 0; the rest go to the stream.
            self.on_oversize(stream, [batch[i] for i in oversize])
            keep = [i for i in range(len(batch)) if i not in set(oversize)]
            sent = self.append_many(stream, [batch[i] for i in keep], [part_keys[i] for i in keep])
            for i, seq in zip(keep, sent, strict=True):
                results[i] = seq
            return results
        name = self.stream_name(stream)
        start = 0
        while start < len(batch):
            end, size = start, 0
            while end < len(batch) and end - start < _MAX_BATCH_RECORDS:
                item = len(batch[end]) + len(part_keys[end].encode())
                if end > start and size + item > _MAX_BATCH_BYTES:
                    break
                size += item
                end += 1
            self._put_batch(stream, name, batch, part_keys, range(start, end), results)
            start = end
        return results

    def _put_batch(
        self,
        stream: str,
        name: str,
        batch: list[bytes],
        part_keys: list[str],
        indices: Iterable[int],
        results: list[int],
    ) -> None:
        pending = list(indices)
        attempt = 0
        while pending:
            entries = [{"Data": batch[i], "PartitionKey": part_keys[i]} for i in pending]
            try:
                answer = self.kinesis.put_records(StreamName=name, Records=entries)
            except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
                err = self.fail(exc, stream, "PutRecords")
                if not err.transient or attempt >= self.retry_max_attempts:
                    stored = sum(1 for r in results if r)
                    raise type(err)(f"{err} ({stored} record(s) of the call were stored)") from None
                self._pause(attempt)
                attempt += 1
                continue
            failed = []
            for index, outcome in zip(pending, answer["Records"], strict=True):
                if outcome.get("ErrorCode"):
                    if outcome["ErrorCode"] not in _RETRYABLE:
                        raise StreamError(
                            f"Kinesis refused a record: {outcome['ErrorCode']} "
                            f"{str(outcome.get('ErrorMessage', ''))[:200]}"
                        )
                    failed.append(index)
                else:
                    results[index] = int(outcome["SequenceNumber"])
            if failed:
                if attempt >= self.retry_max_attempts:
                    stored = sum(1 for r in results if r)
                    raise StreamBusyError(
                        f"Kinesis kept refusing {len(failed)} record(s) after {attempt} "
                        f"retries ({stored} record(s) of the call were stored); retry later"
                    )
                log.info("PutRecords: %d record(s) throttled, retrying", len(failed))
                self._pause(attempt)
                attempt += 1
            pending = failed

    # -- consumers ---------------------------------------------------------------------------
    def consumer(self, stream: str, group: str, *, wait_s: float = 0.0) -> ShardedConsumer:
        api = _KinesisShards(self, check_stream_name(stream))
        deadline = time.monotonic() + wait_s
        while True:
            try:
                consumer = ShardedConsumer(
                    api, self.leases, stream, check_group_name(group), self.owner
                )
                self._consumers.append(consumer)
                return consumer
            except ConsumerBusyError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))

    def shards(self, stream: str) -> list[dict[str, Any]]:
        """Every shard of the stream (``ListShards``), open and closed."""
        out: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"StreamName": self.stream_name(stream)}
        try:
            while True:
                answer = self.kinesis.list_shards(**kwargs)
                out.extend(answer.get("Shards", ()))
                token = answer.get("NextToken")
                if not token:
                    return out
                kwargs = {"NextToken": token}
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self.fail(exc, stream, "ListShards") from None

    def read(self, stream: str, after_seq: int = 0, limit: int = 1000) -> list[Record]:
        """Up to ``limit`` records from the oldest, numbered 1, 2, ... across shards in
        shard order (for ``streams tail``; consumers use :meth:`consumer`)."""
        out: list[Record] = []
        counter = 0
        name = self.stream_name(stream)
        for shard in self.shards(stream):
            try:
                iterator = self.kinesis.get_shard_iterator(
                    StreamName=name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
                while iterator and len(out) < limit:
                    answer = self.kinesis.get_records(ShardIterator=iterator, Limit=10000)
                    for item in answer["Records"]:
                        counter += 1
                        if counter > after_seq and len(out) < limit:
                            ts_ms = int(item["ApproximateArrivalTimestamp"].timestamp() * 1000)
                            out.append(Record(counter, ts_ms, item["Data"]))
                    if not answer["Records"] or answer.get("MillisBehindLatest") == 0:
                        break
                    iterator = answer.get("NextShardIterator")
            except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
                raise self.fail(exc, stream, "GetRecords") from None
        return out

    def committed(self, stream: str, group: str) -> int:
        """Kinesis has no global position: 0 (a consumer's ``committed`` is its own)."""
        return 0

    def last_seq(self, stream: str) -> int:
        """Kinesis has no global position: 0 (backlogs are shown as time behind)."""
        return 0

    # -- admin -------------------------------------------------------------------------------
    def has_stream(self, stream: str) -> bool:
        try:
            self.kinesis.describe_stream_summary(StreamName=self.stream_name(stream))
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) == "ResourceNotFoundException":
                return False
            raise self.fail(exc, stream, "DescribeStreamSummary") from None
        return True

    def create_stream(self, stream: str, shards: int = 1) -> bool:
        """Create the stream when it is missing and wait until it is active (the demo and
        tests; CloudFormation creates them on an account). True when it was created."""
        name = self.stream_name(stream)
        created = True
        try:
            self.kinesis.create_stream(StreamName=name, ShardCount=shards)
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) != "ResourceInUseException":
                raise self.fail(exc, stream, "CreateStream") from None
            created = False
        self.kinesis.get_waiter("stream_exists").wait(
            StreamName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        return created

    def delete_stream(self, stream: str) -> int:
        """Delete the stream and its consumer groups' leases (refused while a consumer of
        it is active). Kinesis does not say how many records it held: returns 0."""
        for group in {lease.group for lease in self.leases.leases(stream)}:
            self.leases.reset(stream, group)  # refuses while the group is active
        try:
            self.kinesis.delete_stream(StreamName=self.stream_name(stream))
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self.fail(exc, stream, "DeleteStream") from None
        return 0

    def reset_group(self, stream: str, group: str, seq: int | None = 0) -> None:
        """Move a group to the oldest retained record (``seq`` 0) or past the newest
        (``None``); Kinesis has no global sequence numbers to reset to otherwise."""
        check_group_name(group)
        if seq == 0:
            self.leases.reset(stream, group)
        elif seq is None:
            now = f"{AT_TIMESTAMP}{time.time_ns() // 1_000_000}"
            shards = [s["ShardId"] for s in self.shards(stream)]
            self.leases.reset(stream, group, {shard: now for shard in shards})
        else:
            raise StreamError("a Kinesis consumer group can only be reset to earliest or latest")

    def streams(self) -> list[StreamInfo]:
        out = []
        for stream in KNOWN_STREAMS:
            try:
                summary = self.kinesis.describe_stream_summary(StreamName=self.stream_name(stream))[
                    "StreamDescriptionSummary"
                ]
            except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
                if error_code(exc) == "ResourceNotFoundException":
                    continue
                raise self.fail(exc, stream, "DescribeStreamSummary") from None
            out.append(
                StreamInfo(
                    stream,
                    None,
                    None,
                    None,
                    None,
                    shards=int(summary.get("OpenShardCount", 0)),
                    retention_hours=float(summary.get("RetentionPeriodHours", 24)),
                )
            )
        return out

    def groups(self) -> list[GroupInfo]:
        by_group: dict[tuple[str, str], list[Any]] = {}
        for lease in self.leases.leases():
            by_group.setdefault((lease.stream, lease.group), []).append(lease)
        out = []
        for (stream, group), leases in sorted(by_group.items()):
            behind = [lease.millis_behind for lease in leases if lease.millis_behind is not None]
            out.append(
                GroupInfo(
                    stream,
                    group,
                    0,
                    None,
                    max(lease.heartbeat_ms for lease in leases),
                    shards=len(leases),
                    lag_ms=max(behind) if behind else None,
                )
            )
        return out

    def close(self) -> None:
        """Release the leases of every consumer opened here (a clean stop: the next
        consumer of the group need not wait for them to expire)."""
        for consumer in self._consumers:
            consumer.close()
        self._consumers.clear()

    def trim(
        self, stream: str, *, max_age_s: float | None = None, max_bytes: int | None = None
    ) -> int:
        raise StreamError(
            "Kinesis keeps records for the stream's retention period; it cannot be trimmed "
            "(change the retention with aws kinesis decrease-stream-retention-period)"
        )


class _KinesisShards:
    """The shard calls of one Kinesis stream, for :class:`ShardedConsumer`."""

    def __init__(self, backend: KinesisStreams, stream: str) -> None:
        self.backend = backend
        self.stream = stream
        self.name = backend.stream_name(stream)

    def shards(self) -> list[ShardInfo]:
        return [
            ShardInfo(
                s["ShardId"],
                tuple(p for p in (s.get("ParentShardId"), s.get("AdjacentParentShardId")) if p),
            )
            for s in self.backend.shards(self.stream)
        ]

    def iterator(self, shard_id: str, after: str) -> str:
        kwargs: dict[str, Any] = {"StreamName": self.name, "ShardId": shard_id}
        if after == "TRIM_HORIZON":
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

    def records(self, iterator: str, limit: int) -> Page | None:
        try:
            answer = self.backend.kinesis.get_records(ShardIterator=iterator, Limit=limit)
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) == "ExpiredIteratorException":
                return None
            raise self.backend.fail(exc, self.stream, "GetRecords") from None
        return Page(
            [
                (
                    item["SequenceNumber"],
                    int(item["ApproximateArrivalTimestamp"].timestamp() * 1000),
                    item["Data"],
                )
                for item in answer.get("Records", ())
            ],
            answer.get("NextShardIterator"),
            answer.get("MillisBehindLatest"),
        )
