"""The control table's changes through DynamoDB Streams (the original's design): a
consumer of a table's stream with the same contract as every stream consumer.

Each record is handed out as the JSON of its DynamoDB stream record (``eventID``,
``eventName``, ``eventSource``, ``dynamodb`` with ``Keys``/``NewImage``/``OldImage``), the
very shape of the local ``control`` stream's events, so the detector reads both alike.
Checkpoints and leases are kept in the Kinesis lease table under the stream name
``control``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from courtside.aws import AwsSettings, client, error_code, stream_error
from courtside.errors import StreamError
from courtside.stream.kinesis_leases import LeaseTable
from courtside.stream.shards import AT_TIMESTAMP, Page, ShardedConsumer, ShardInfo

__all__ = ["DynamoStreamShards", "control_consumer", "record_bytes"]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def record_bytes(record: dict[str, Any]) -> bytes:
    """A DynamoDB stream record as the JSON bytes of a control change event."""
    keep = ("eventID", "eventName", "eventSource", "dynamodb")
    return orjson.dumps(_plain({k: record[k] for k in keep if k in record}))


class DynamoStreamShards:
    """The shard calls of one DynamoDB stream (by ARN), for :class:`ShardedConsumer`."""

    def __init__(self, stream_arn: str, aws: AwsSettings) -> None:
        self.arn = stream_arn
        self.api = client("dynamodbstreams", aws)

    def _fail(self, exc: BaseException, what: str) -> StreamError:
        return stream_error(
            exc,
            f"{what} on DynamoDB stream {self.arn!r}",
            f"the DynamoDB stream {self.arn!r} does not exist (is the control table "
            "deployed with StreamSpecification? see deploy/cloudformation/courtside.yaml)",
        )

    def shards(self) -> list[ShardInfo]:
        out: list[ShardInfo] = []
        kwargs: dict[str, Any] = {"StreamArn": self.arn}
        try:
            while True:
                described = self.api.describe_stream(**kwargs)["StreamDescription"]
                for shard in described.get("Shards", ()):
                    parent = shard.get("ParentShardId")
                    out.append(ShardInfo(shard["ShardId"], (parent,) if parent else ()))
                last = described.get("LastEvaluatedShardId")
                if not last:
                    return out
                kwargs = {"StreamArn": self.arn, "ExclusiveStartShardId": last}
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self._fail(exc, "DescribeStream") from None

    def iterator(self, shard_id: str, after: str) -> str:
        kwargs: dict[str, Any] = {"StreamArn": self.arn, "ShardId": shard_id}
        if after == "TRIM_HORIZON" or after.startswith(AT_TIMESTAMP):
            # DynamoDB Streams has no AT_TIMESTAMP: start at the oldest record kept (24 h).
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            kwargs["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            kwargs["SequenceNumber"] = after
        try:
            return str(self.api.get_shard_iterator(**kwargs)["ShardIterator"])
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self._fail(exc, "GetShardIterator") from None

    def records(self, iterator: str, limit: int) -> Page | None:
        try:
            answer = self.api.get_records(ShardIterator=iterator, Limit=min(limit, 1000))
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) in ("ExpiredIteratorException", "TrimmedDataAccessException"):
                return None
            raise self._fail(exc, "GetRecords") from None
        page = Page(next_iterator=answer.get("NextShardIterator"))
        for record in answer.get("Records", ()):
            body = record.get("dynamodb", {})
            created = body.get("ApproximateCreationDateTime")
            ts_ms = int(created.timestamp() * 1000) if isinstance(created, datetime) else 0
            page.records.append((str(body.get("SequenceNumber")), ts_ms, record_bytes(record)))
        return page


def control_consumer(
    stream_arn: str, aws: AwsSettings, leases: LeaseTable, group: str, owner: str
) -> ShardedConsumer:
    """A consumer of the control table's changes for ``group`` (stream name ``control``)."""
    return ShardedConsumer(DynamoStreamShards(stream_arn, aws), leases, "control", group, owner)
