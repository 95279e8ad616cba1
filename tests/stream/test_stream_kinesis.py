"""Streams on Kinesis Data Streams, against moto_server (and a fault-injecting proxy)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import orjson
import pytest

from aws_faults import FaultProxy, Rule
from courtside.aws import AwsSettings
from courtside.errors import StreamError
from courtside.stream.config import StreamSettings
from courtside.stream.errors import ConsumerBusyError
from courtside.stream.kinesis import KinesisStreams, RecordTooLargeError, partition_key
from courtside.stream.kinesis_leases import LeaseLostError

pytestmark = pytest.mark.aws


def _post(i: int, pad: int = 0) -> bytes:
    return orjson.dumps({"data": {"id": f"p{i}", "text": "x" * pad}, "seq": i})


@pytest.fixture
def kinesis_settings() -> StreamSettings:
    unique = secrets.token_hex(4)
    return StreamSettings(
        backend="kinesis",
        kinesis_prefix=f"t{unique}-",
        kinesis_lease_table=f"leases-{unique}",
        kinesis_lease_timeout_s=2,
    )


@pytest.fixture
def streams(aws_endpoint: str, kinesis_settings: StreamSettings) -> Iterator[KinesisStreams]:
    aws = AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")
    backend = KinesisStreams(kinesis_settings, aws, owner="test-a")
    backend.leases.create()
    backend.create_stream("tweets", shards=3)
    yield backend


def _drain(
    consumer: object,
    expect: int,
    timeout_s: float = 10.0,
    batch: int = 500,
    commit: bool = False,
) -> list[int]:
    seen: list[int] = []
    import time

    deadline = time.monotonic() + timeout_s
    while len(seen) < expect and time.monotonic() < deadline:
        for record in consumer.poll(batch, 0.5):  # type: ignore[attr-defined]
            seen.append(orjson.loads(record.data)["seq"])
        if commit:
            consumer.commit()  # type: ignore[attr-defined]
    return seen


def test_append_consume_commit_and_resume_after_the_commit(streams: KinesisStreams) -> None:
    seqs = streams.append_many("tweets", [_post(i) for i in range(300)])
    assert len(seqs) == 300 and all(s > 0 for s in seqs)
    consumer = streams.consumer("tweets", "deliver")
    first = _drain(consumer, 300)
    assert sorted(first) == list(range(300))
    consumer.commit(150)  # records handed out first, up to the 150th
    committed = set(first[:150])
    consumer.close()
    again = streams.consumer("tweets", "deliver")
    rest = _drain(again, 150)
    assert sorted(rest) == sorted(set(range(300)) - committed)
    again.commit()
    again.close()
    third = streams.consumer("tweets", "deliver")
    assert third.poll(500, 0.5) == []
    third.close()
    assert {g.group for g in streams.groups()} == {"deliver"}
    [info] = [s for s in streams.streams() if s.name == "tweets"]
    assert info.shards == 3 and info.length is None


def test_batches_respect_kinesis_limits(streams: KinesisStreams) -> None:
    big = [_post(i, pad=200_000) for i in range(60)]  # ~12 MiB: at least three requests
    many = [_post(1000 + i) for i in range(1200)]  # more than 500 records
    assert len(streams.append_many("tweets", big + many)) == 1260
    consumer = streams.consumer("tweets", "g")
    assert len(_drain(consumer, 1260, 30)) == 1260
    consumer.close()


def test_oversize_record_is_refused_before_anything_is_sent(streams: KinesisStreams) -> None:
    with pytest.raises(RecordTooLargeError) as info:
        streams.append_many("tweets", [_post(1), b"x" * (1024 * 1024 + 1), _post(2)])
    assert info.value.index == 1
    consumer = streams.consumer("tweets", "g")
    assert consumer.poll(100, 0.5) == []
    consumer.close()


def test_partition_key_is_the_post_id() -> None:
    assert partition_key(_post(7)) == "p7"
    assert partition_key(orjson.dumps({"data": [{"id": "legacy"}]})) == "legacy"
    control = {"dynamodb": {"Keys": {"team": {"S": "Lakers"}}}}
    assert partition_key(orjson.dumps(control)) == "Lakers"
    assert len(partition_key(b"not json")) == 64


def test_one_consumer_per_group_and_takeover_after_a_crash(streams: KinesisStreams) -> None:
    streams.append_many("tweets", [_post(i) for i in range(10)])
    first = streams.consumer("tweets", "g")
    other = KinesisStreams(streams.settings, streams.aws, owner="test-b")
    with pytest.raises(ConsumerBusyError, match="in use by test-a"):
        other.consumer("tweets", "g")
    assert len(_drain(first, 10)) == 10
    # first "crashes": no close, no more heartbeats; its leases expire after 2 s.
    import time

    time.sleep(2.5)
    taker = other.consumer("tweets", "g")
    assert len(_drain(taker, 10)) == 10  # nothing was committed: all again
    with pytest.raises(LeaseLostError):
        first.commit()
    taker.close()


def test_reshard_reads_parents_before_children(streams: KinesisStreams) -> None:
    def doc(i: int) -> bytes:
        return orjson.dumps({"data": {"id": "same-post"}, "seq": i})

    streams.append_many("tweets", [doc(i) for i in range(20)])
    kinesis, name = streams.kinesis, streams.stream_name("tweets")
    parent = kinesis.put_record(StreamName=name, Data=doc(20), PartitionKey="same-post")["ShardId"]
    [shard] = [s for s in kinesis.list_shards(StreamName=name)["Shards"] if s["ShardId"] == parent]
    low, high = (int(shard["HashKeyRange"][k]) for k in ("StartingHashKey", "EndingHashKey"))
    kinesis.split_shard(
        StreamName=name, ShardToSplit=parent, NewStartingHashKey=str((low + high) // 2)
    )
    after = streams.append_many("tweets", [doc(i) for i in range(21, 40)])
    children = {
        s["ShardId"]
        for s in kinesis.list_shards(StreamName=name)["Shards"]
        if s.get("ParentShardId") == parent
    }
    assert len(children) == 2 and after  # the key now lands on a child shard
    consumer = streams.consumer("tweets", "g")
    # Small polls visit every shard in turn; children wait until the parent is committed.
    seen = _drain(consumer, 40, 30, batch=3, commit=True)
    consumer.commit()
    consumer.close()
    assert seen == list(range(40))  # one key: order kept across the reshard
    again = streams.consumer("tweets", "g")  # the parent is at SHARD_END now
    assert again.poll(100, 0.5) == []
    again.close()


def test_throttling_and_partial_failures_lose_nothing(
    aws_endpoint: str, kinesis_settings: StreamSettings
) -> None:
    proxy = FaultProxy(
        aws_endpoint,
        [
            Rule("PutRecords", 2, "partial"),
            Rule("PutRecords", 2, "throttle"),
            Rule("GetRecords", 2, "throttle"),
            Rule("GetRecords", 1, "500"),
            Rule("DynamoDB_20120810.UpdateItem", 2, "throttle"),
        ],
    ).start()
    try:
        aws = AwsSettings(endpoint_url=proxy.url, region="us-east-1", max_attempts=10)
        backend = KinesisStreams(kinesis_settings, aws, owner="proxy")
        backend.leases.create()
        backend.create_stream("tweets", shards=2)
        backend.append_many("tweets", [_post(i) for i in range(400)])
        consumer = backend.consumer("tweets", "g")
        seen = _drain(consumer, 400, 30)
        consumer.commit()
        consumer.close()
        assert sorted(seen) == list(range(400))
        assert proxy.injected >= 8
    finally:
        proxy.stop()


def test_missing_stream_and_table_name_the_deploy_step(
    aws_endpoint: str, kinesis_settings: StreamSettings
) -> None:
    backend = KinesisStreams(
        kinesis_settings, AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")
    )
    with pytest.raises(StreamError, match="does not exist.*deploy"):
        backend.append("tweets", _post(1))
    with pytest.raises(StreamError, match="lease table.*does not exist"):
        backend.leases.leases()
    with pytest.raises(StreamError, match="cannot be trimmed"):
        backend.trim("tweets", max_age_s=1)
