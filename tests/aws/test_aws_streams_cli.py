"""The pipeline's commands on Kinesis streams (``[stream] backend = "kinesis"``), against
moto_server: generate onto Kinesis, deliver to the lake, nothing twice, every record
accounted for."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from courtside.aws import AwsSettings
from courtside.config import load_settings
from courtside.home import init_home
from courtside.stream.config import StreamSettings
from courtside.stream.kinesis import KinesisStreams

pytestmark = pytest.mark.aws


def _cli(home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from courtside.cli import main; main()",
            "--home",
            str(home),
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_generate_deliver_and_streams_on_kinesis(aws_endpoint: str, tmp_path: Path) -> None:
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
    done = _cli(home, env, "generate", "-n", "500", "--malformed", "0.05")
    assert done.returncode == 0, done.stderr
    first = _cli(home, env, "deliver", "--once", "--json")
    assert first.returncode == 0, first.stderr
    again = _cli(home, env, "deliver", "--once", "--json")
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
    listing = _cli(home, env, "streams")
    assert listing.returncode == 0, listing.stderr
    assert "tweets" in listing.stdout and "deliver" in listing.stdout
    assert "testing-secret-never-printed" not in listing.stdout + listing.stderr


def test_detector_refuses_kinesis_in_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    init_home(load_settings(home=home))
    env = {**os.environ, "COURTSIDE_STREAM__BACKEND": "kinesis"}
    done = _cli(home, env, "detect", "--once")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "local stream log only" in done.stderr
