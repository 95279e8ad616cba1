"""The pipeline's commands on Kinesis streams (``[stream] backend = "kinesis"``), against
moto_server: generate onto Kinesis, deliver to the lake, nothing twice, every record
accounted for."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from cli_runner_helpers import Courtside
from courtside.aws import AwsSettings
from courtside.config import load_settings
from courtside.home import init_home
from courtside.stream.config import StreamSettings
from courtside.stream.kinesis import KinesisStreams

pytestmark = pytest.mark.aws


def test_generate_deliver_and_streams_on_kinesis(
    courtside: Courtside, aws_endpoint: str, tmp_path: Path
) -> None:
    unique = secrets.token_hex(4)
    stream_cfg = StreamSettings(
        backend="kinesis", kinesis_prefix=f"cli{unique}-", kinesis_lease_table=f"l-{unique}"
    )
    backend = KinesisStreams(stream_cfg, AwsSettings(endpoint_url=aws_endpoint))
    backend.leases.create()
    for name in ("tweets", "alerts", "control"):
        backend.create_stream(name, shards=2)
    env = {
        **os.environ,
        "COURTSIDE_STREAM__BACKEND": "kinesis",
        "COURTSIDE_STREAM__KINESIS_PREFIX": f"cli{unique}-",
        "COURTSIDE_STREAM__KINESIS_LEASE_TABLE": f"l-{unique}",
        "COURTSIDE_AWS__ENDPOINT_URL": aws_endpoint,
        "COURTSIDE_AWS__REGION": "us-east-1",
    }
    home = tmp_path / "home"
    init_home(load_settings(home=home))
    done = courtside(
        "generate", "-n", "500", "--malformed", "0.05", home=home, env=env, ok=False, text=True
    )
    assert done.returncode == 0, done.stderr
    first = courtside("deliver", "--once", "--json", home=home, env=env, ok=False, text=True)
    assert first.returncode == 0, first.stderr
    again = courtside("deliver", "--once", "--json", home=home, env=env, ok=False, text=True)
    assert again.returncode == 0, again.stderr
    import json

    report, second = json.loads(first.stdout), json.loads(again.stdout)
    lake = home / "lake"
    # Records over Kinesis' 1 MiB limit never reach the stream: the producer puts them in
    # the error zone. Every generated record is in raw/ or errors/, once.
    diverted = [
        doc
        for p in (lake / "errors").rglob("courtside-producer-*.json")
        for doc in map(json.loads, p.read_bytes().splitlines())
    ]
    assert diverted and all(d["errorCode"] == "RecordTooLarge" for d in diverted)
    assert report["records"] + len(diverted) == 500 and second["records"] == 0
    assert report["delivered"] + report["failed"] + report["dropped"] == report["records"]
    raw_lines = sum(len(p.read_bytes().splitlines()) for p in (lake / "raw").rglob("*.json"))
    err_lines = sum(len(p.read_bytes().splitlines()) for p in (lake / "errors").rglob("*.json"))
    assert raw_lines == report["delivered"]
    assert err_lines == report["failed"] + len(diverted) and report["failed"] > 0
    listing = courtside("streams", home=home, env=env, ok=False, text=True)
    assert listing.returncode == 0, listing.stderr
    assert "tweets" in listing.stdout and "deliver" in listing.stdout
    assert "testing-secret-never-printed" not in listing.stdout + listing.stderr


def test_flink_detector_refuses_kinesis_in_one_line(courtside: Courtside, tmp_path: Path) -> None:
    """The embedded detector runs on Kinesis (tests/aws/test_aws_detect.py); the Flink
    detector's source reads the local log only, and says so before starting Flink."""
    home = tmp_path / "home"
    init_home(load_settings(home=home))
    env = {**os.environ, "COURTSIDE_STREAM__BACKEND": "kinesis"}
    done = courtside(
        "detect", "--engine", "flink", "--once", home=home, env=env, ok=False, text=True
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "local stream log only" in done.stderr


def test_embedded_detector_on_unreachable_kinesis_is_one_line(
    courtside: Courtside, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    init_home(load_settings(home=home))
    env = {
        **os.environ,
        "COURTSIDE_STREAM__BACKEND": "kinesis",
        "COURTSIDE_AWS__ENDPOINT_URL": "http://127.0.0.1:9",
        "COURTSIDE_AWS__MAX_ATTEMPTS": "1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    done = courtside("detect", "--once", home=home, env=env, ok=False, text=True)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "cannot reach AWS" in done.stderr
