"""The stages on the lake seam with the lake on S3 (moto_server): delivery, the embedded
detector's side outputs, the dashboard's lake readers and the demo's summary, plus the
start-up check that names a missing bucket and the stages that still need a local lake."""

from __future__ import annotations

import gzip
import os
import secrets
import signal
import socket
import subprocess
import time
from datetime import date
from pathlib import Path

import orjson
import pytest

from cli_runner_helpers import COMMAND
from courtside.aws import AwsSettings, client
from courtside.config import Settings, load_settings
from courtside.dashboard.data import error_output, lake_zones
from courtside.dashboard.regional import lake_day_range, posts_by_region
from courtside.deliver.service import deliver
from courtside.detect.embedded import run_embedded
from courtside.errors import ConfigError, LakeError
from courtside.home import init_home, open_stream

pytestmark = pytest.mark.aws


def _bucket(aws_endpoint: str) -> str:
    name = f"courtside-{secrets.token_hex(4)}"
    client("s3", AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")).create_bucket(
        Bucket=name
    )
    return name


def _s3_settings(home: Path, aws_endpoint: str, bucket: str, **extra: object) -> Settings:
    return load_settings(
        home=home,
        lake_root=f"s3://{bucket}/lake",
        aws={"endpoint_url": aws_endpoint, "region": "us-east-1", "max_attempts": 2},
        **extra,
    )


def _post(i: int, day: int = 1, **more: object) -> bytes:
    return orjson.dumps(
        {
            "data": {
                "id": str(1000 + i),
                "text": f"post {i} @KingJames",
                "created_at": f"2020-05-0{day}T20:00:00Z",
                "author_id": "42",
                **more,
            },
            "includes": {
                "users": [
                    {"id": "42", "name": "Fan", "username": "fan42", "location": "Boston, MA"}
                ]
            },
        }
    )


def _keys(aws_endpoint: str, bucket: str, prefix: str) -> list[str]:
    s3 = client("s3", AwsSettings(endpoint_url=aws_endpoint, region="us-east-1"))
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", ()))


def _raw_lines(aws_endpoint: str, bucket: str, prefix: str) -> list[bytes]:
    s3 = client("s3", AwsSettings(endpoint_url=aws_endpoint, region="us-east-1"))
    out = []
    for key in _keys(aws_endpoint, bucket, prefix):
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        if key.endswith(".gz"):
            body = gzip.decompress(body)
        out += [line for line in body.splitlines() if line]
    return out


def _lines(aws_endpoint: str, bucket: str, prefix: str) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in _raw_lines(aws_endpoint, bucket, prefix)]


def test_deliver_writes_every_zone_to_s3_and_the_readers_see_it(
    tmp_path: Path, aws_endpoint: str
) -> None:
    bucket = _bucket(aws_endpoint)
    settings = _s3_settings(tmp_path / "home", aws_endpoint, bucket)
    init_home(settings)
    assert not (tmp_path / "home" / "lake").exists()  # nothing local for an S3 lake
    records = [_post(i) for i in range(40)] + [_post(i, day=2) for i in range(40, 50)]
    records += [b"not json", b'{"data": {"id": "1"}}']
    with open_stream(settings) as backend:
        backend.append_many("tweets", records)
    report = deliver(settings, once=True)
    assert (report.records, report.delivered, report.failed) == (52, 50, 2)

    raw = _lines(aws_endpoint, bucket, "lake/raw/")
    assert sorted(int(str(r["id"])) for r in raw) == list(range(1000, 1050))
    assert all(
        k.startswith("lake/raw/year=2020/month=05/day=0")
        for k in _keys(aws_endpoint, bucket, "lake/raw/")
    )
    assert sorted(_raw_lines(aws_endpoint, bucket, "lake/original-data/")) == sorted(records)
    errors = _lines(aws_endpoint, bucket, "lake/errors/")
    assert len(errors) == 2 and "NotJson" in {e["errorCode"] for e in errors}
    with open_stream(settings) as backend:
        assert backend.committed("tweets", settings.deliver.group) == 52

    # The dashboard's lake readers and the demo's summary read the same objects.
    zones = {z.zone: z for z in lake_zones(settings)}
    assert zones["raw"].files >= 2 and zones["raw"].partitions == 2
    summary = error_output(settings)
    assert summary.total == 2
    assert lake_day_range(settings) == (date(2020, 5, 1), date(2020, 5, 2))
    regional = posts_by_region(settings)
    assert regional.total == 50 and regional.zone == "raw"


def test_missing_bucket_fails_at_start_naming_the_deploy_step(
    tmp_path: Path, aws_endpoint: str
) -> None:
    settings = _s3_settings(tmp_path / "home", aws_endpoint, "courtside-nobucket-x1")
    init_home(settings)
    with open_stream(settings) as backend:
        backend.append("tweets", _post(1))
    with pytest.raises(LakeError, match="courtside-nobucket-x1.*does not exist.*deploy"):
        deliver(settings, once=True)
    with open_stream(settings) as backend:
        assert backend.committed("tweets", settings.deliver.group) == 0  # nothing consumed


def test_an_s3_lake_has_no_local_folder_path(tmp_path: Path, aws_endpoint: str) -> None:
    """Every stage reads the lake through the seam; asking an S3 lake for a local folder
    (local tools only) is one clear error, never a path that does not exist."""
    settings = _s3_settings(tmp_path / "home", aws_endpoint, _bucket(aws_endpoint))
    with pytest.raises(ConfigError, match="lake_root = s3://.* is not a local folder"):
        _ = settings.lake


def test_detector_side_outputs_land_on_s3(tmp_path: Path, aws_endpoint: str) -> None:
    bucket = _bucket(aws_endpoint)
    settings = _s3_settings(tmp_path / "home", aws_endpoint, bucket)
    init_home(settings)
    with open_stream(settings) as backend:
        backend.append_many("tweets", [_post(i) for i in range(5)] + [b"{broken"])
    report = run_embedded(settings, once=True)
    assert report.evaluated + sum(report.skipped_by_reason.values()) >= 5
    all_tweets = _lines(aws_endpoint, bucket, "lake/flink-all-tweets/")
    assert len(all_tweets) == report.evaluated
    assert [e["errorCode"] for e in _lines(aws_endpoint, bucket, "lake/detect-errors/")] == [
        "NotJson"
    ]
    # No staged (hidden) object stays behind after the final checkpoint.
    assert not [k for k in _keys(aws_endpoint, bucket, "lake/") if "/." in k]


def test_kill_9_of_deliver_writing_s3_loses_nothing(tmp_path: Path, aws_endpoint: str) -> None:
    bucket = _bucket(aws_endpoint)
    home = tmp_path / "home"
    settings = _s3_settings(home, aws_endpoint, bucket, deliver={"buffer_interval_s": 0.2})
    init_home(settings)
    total = 3000
    with open_stream(settings) as backend:
        backend.append_many("tweets", [_post(i) for i in range(total)])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COURTSIDE_")},
        "COURTSIDE_LAKE_ROOT": f"s3://{bucket}/lake",
        "COURTSIDE_AWS__ENDPOINT_URL": aws_endpoint,
        "COURTSIDE_AWS__REGION": "us-east-1",
        "COURTSIDE_DELIVER__BUFFER_MIB": "0.05",
    }
    args = [*COMMAND, "--home", str(home)]
    proc = subprocess.Popen([*args, "deliver"], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(_keys(aws_endpoint, bucket, "lake/raw/")) < 3:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
            assert time.monotonic() < deadline, "deliver wrote nothing"
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with open_stream(settings) as backend:
        assert backend.committed("tweets", settings.deliver.group) < total  # killed mid-way
    subprocess.run([*args, "deliver", "--once"], env=env, check=True, capture_output=True)
    ids = {int(str(r["id"])) for r in _lines(aws_endpoint, bucket, "lake/raw/")}
    assert ids == set(range(1000, 1000 + total))  # at-least-once: every record, some twice


def test_unreachable_endpoint_is_one_line_and_nothing_local(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        env = {
            "COURTSIDE_LAKE_ROOT": "s3://courtside-bucket/lake",
            "COURTSIDE_AWS__ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "COURTSIDE_AWS__REGION": "us-east-1",
            "COURTSIDE_AWS__MAX_ATTEMPTS": "1",
            "COURTSIDE_AWS__CONNECT_TIMEOUT_S": "1",
            "AWS_ACCESS_KEY_ID": "AKIDSECRETLOOKING",
            "AWS_SECRET_ACCESS_KEY": "super-secret-value",
        }
        base = {k: v for k, v in os.environ.items() if not k.startswith(("COURTSIDE_", "AWS_"))}
        proc = subprocess.run(
            [*COMMAND, "--home", str(tmp_path / "h"), "deliver", "--once"],
            capture_output=True,
            cwd=tmp_path,
            env={**base, **env},
            timeout=120,
        )
    err = proc.stderr.decode()
    lines = [line for line in err.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(lines) == 1, err
    assert "cannot reach AWS" in err and "super-secret-value" not in err
    assert not (tmp_path / "s3:").exists() and not (tmp_path / "h" / "lake").exists()


def test_kill_9_of_deliver_reading_kinesis_and_writing_s3_loses_nothing(
    tmp_path: Path, aws_endpoint: str
) -> None:
    """Every record put on Kinesis ends up in raw/ or errors/ after a kill -9 and a
    restart, counted from S3 independently of courtside's own report."""
    from courtside.stream.config import StreamSettings
    from courtside.stream.kinesis import KinesisStreams

    bucket, unique = _bucket(aws_endpoint), secrets.token_hex(4)
    stream_cfg = {
        "backend": "kinesis",
        "kinesis_prefix": f"k{unique}-",
        "kinesis_lease_table": f"leases-{unique}",
        "kinesis_lease_timeout_s": 2,
    }
    aws = AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")
    kinesis = KinesisStreams(StreamSettings(**stream_cfg), aws, owner="producer")
    kinesis.leases.create()
    kinesis.create_stream("tweets", shards=2)
    good = [_post(i) for i in range(1500)]
    bad = [b"not json %d" % i for i in range(20)]
    kinesis.append_many("tweets", good[:700] + bad + good[700:])
    kinesis.close()

    home = tmp_path / "home"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COURTSIDE_")},
        "COURTSIDE_LAKE_ROOT": f"s3://{bucket}/lake",
        "COURTSIDE_AWS__ENDPOINT_URL": aws_endpoint,
        "COURTSIDE_AWS__REGION": "us-east-1",
        "COURTSIDE_DELIVER__BUFFER_MIB": "0.05",
        "COURTSIDE_DELIVER__BUFFER_INTERVAL_S": "0.2",
        **{f"COURTSIDE_STREAM__{k.upper()}": str(v) for k, v in stream_cfg.items()},
    }
    args = [*COMMAND, "--home", str(home)]
    proc = subprocess.Popen([*args, "deliver"], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(_keys(aws_endpoint, bucket, "lake/raw/")) < 2:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
            assert time.monotonic() < deadline, "deliver wrote nothing"
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    time.sleep(3)  # the killed consumer's leases expire (kinesis_lease_timeout_s = 2)
    subprocess.run([*args, "deliver", "--once"], env=env, check=True, capture_output=True)

    delivered = {int(str(r["id"])) for r in _lines(aws_endpoint, bucket, "lake/raw/")}
    assert delivered == set(range(1000, 2500))
    failed = _lines(aws_endpoint, bucket, "lake/errors/")
    assert {e["errorCode"] for e in failed} == {"NotJson"}
    assert len({str(e["rawData"]) for e in failed}) == 20


def test_a_wrong_region_is_one_line_at_start_up_and_nothing_written(tmp_path: Path) -> None:
    """On AWS itself (no endpoint), a region that does not exist stops every stage at
    start-up, in one line, exit 1, before anything is contacted, read or written."""
    home = tmp_path / "home"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("COURTSIDE_", "AWS_"))},
        "COURTSIDE_LAKE_ROOT": "s3://courtside-nowhere/lake",
        "COURTSIDE_AWS__REGION": "eu-nowhere-9",
    }
    for args in (("deliver", "--once"), ("etl", "dedupe"), ("detect", "--once")):
        done = subprocess.run(
            [*COMMAND, "--home", str(home), *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 1, (args, done.stderr)
        assert done.stderr.count("\n") == 1, (args, done.stderr)
        assert "'eu-nowhere-9' is not an AWS region" in done.stderr
    assert not home.exists()
