"""Benchmark: delivery from Kinesis Data Streams into an S3 lake, on a local AWS-protocol
server (moto_server), next to a bare boto3 loop doing the same I/O against the same server
in the same run.

Target (issue 13): the local server is slow, so this measures courtside's overhead, not
AWS throughput: ``courtside deliver`` (Kinesis -> S3: transform, raw/ by post date,
original-data/ gzip, errors/, lease checkpoints in DynamoDB) within 1.3x of a bare loop
(GetRecords + PutObject of the same batches, raw and gzip backup, no checkpoints). The
local-disk figure (local stream -> folder lake) is printed beside them. Prints figures.

    .venv/bin/python benchmarks/bench_aws_deliver.py --records 20000
"""

from __future__ import annotations

import argparse
import gzip
import os
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import machine

from courtside.aws import AwsSettings, client
from courtside.aws.local_server import start_moto_server
from courtside.config import load_settings
from courtside.deliver.service import deliver
from courtside.generate import GeneratorConfig, generate
from courtside.home import init_home, open_stream
from courtside.reference.players import PlayersTable
from courtside.stream.config import StreamSettings
from courtside.stream.kinesis import KinesisStreams

_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def _records(count: int) -> list[bytes]:
    cfg = GeneratorConfig(
        count=count, start=datetime(2020, 3, 1, tzinfo=UTC), span_s=3 * 86400, duplicate_rate=0.0
    )
    return list(generate(cfg, PlayersTable.default()))


def _bare_loop(aws: AwsSettings, stream: str, bucket: str) -> tuple[int, float]:
    """GetRecords from every shard, PutObject of each batch (raw lines and the gzip
    backup), until the shards are drained."""
    kinesis, s3 = client("kinesis", aws), client("s3", aws)
    started = time.perf_counter()
    shards = kinesis.list_shards(StreamName=stream)["Shards"]
    n = batch_no = 0
    for shard in shards:
        it = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while it:
            page = kinesis.get_records(ShardIterator=it, Limit=10000)
            records = page["Records"]
            if not records:
                break
            body = b"".join(r["Data"] + b"\n" for r in records)
            s3.put_object(Bucket=bucket, Key=f"bare/raw/part-{batch_no:05d}.json", Body=body)
            s3.put_object(
                Bucket=bucket,
                Key=f"bare/original-data/part-{batch_no:05d}.json.gz",
                Body=gzip.compress(body, compresslevel=3, mtime=0),
            )
            n += len(records)
            batch_no += 1
            it = page.get("NextShardIterator")
    return n, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--shards", type=int, default=1)
    args = parser.parse_args()
    os.environ.update(_CREDENTIALS)
    print(f"machine: {machine()}")
    records = _records(args.records)
    size_mib = sum(len(r) for r in records) / 2**20
    print(f"records: {len(records):,} ({size_mib:.1f} MiB), shards: {args.shards}")

    server = start_moto_server()
    try:
        aws = AwsSettings(endpoint_url=server.url, region="us-east-1", max_attempts=3)
        bucket = f"bench-{secrets.token_hex(4)}"
        client("s3", aws).create_bucket(Bucket=bucket)
        unique = secrets.token_hex(3)
        stream_cfg = {
            "backend": "kinesis",
            "kinesis_prefix": f"b{unique}-",
            "kinesis_lease_table": f"leases-{unique}",
        }
        kinesis = KinesisStreams(StreamSettings(**stream_cfg), aws, owner="bench")
        kinesis.leases.create()
        for name in ("tweets", "bare"):
            kinesis.create_stream(name, shards=args.shards)
            kinesis.append_many(name, records)
        kinesis.close()

        n, bare_s = _bare_loop(aws, f"b{unique}-bare", bucket)
        assert n == len(records), f"bare loop read {n} of {len(records)}"

        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(
                home=Path(tmp) / "s3home",
                lake_root=f"s3://{bucket}/lake",
                stream=stream_cfg,
                aws={"endpoint_url": server.url, "region": "us-east-1"},
            )
            init_home(settings)
            started = time.perf_counter()
            report = deliver(settings, once=True)
            ours_s = time.perf_counter() - started
            assert report.records == len(records), report.as_dict()

            local = load_settings(home=Path(tmp) / "localhome")
            init_home(local)
            with open_stream(local) as backend:
                backend.append_many("tweets", records)
            started = time.perf_counter()
            deliver(local, once=True)
            local_s = time.perf_counter() - started
    finally:
        server.stop()

    def rate(seconds: float) -> str:
        return f"{len(records) / seconds:,.0f} records/s ({seconds:.2f} s)"

    print(f"bare boto3 loop (Kinesis -> S3, moto): {rate(bare_s)}")
    print(f"courtside deliver (Kinesis -> S3, moto): {rate(ours_s)}")
    print(f"  courtside / bare: {ours_s / bare_s:.2f}x (target <= 1.3x)")
    print(f"courtside deliver (local stream -> folder lake): {rate(local_s)}")


if __name__ == "__main__":
    main()
