"""The embedded detector on Kinesis Data Streams (moto_server): ``tweets``, ``control`` and
``alerts`` are Kinesis streams, checkpoints hold each shard's position, and a kill -9 then
a restart neither drops a window nor sends an alert twice (same alerts as the local log)."""

from __future__ import annotations

import os
import secrets
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from aws_helpers import dynamo_table
from cli_runner_helpers import COMMAND
from courtside.aws import AwsSettings
from courtside.config import Settings, load_settings
from courtside.detect.checkpoint import CheckpointStore
from courtside.detect.embedded import run_embedded
from courtside.generate import MALFORMED_KINDS, GeneratorConfig, generate
from courtside.home import init_home, open_stream
from courtside.reference.dynamo import save_players_dynamo
from courtside.reference.players import PlayersTable
from courtside.stream.config import StreamSettings
from courtside.stream.kinesis import KinesisStreams

pytestmark = pytest.mark.aws

_CONTROL = orjson.dumps(
    {
        "eventName": "INSERT",
        "dynamodb": {"NewImage": {"team": {"S": "Boston Celtics"}, "control": {"BOOL": True}}},
    }
)


def core(alert: dict[str, Any]) -> tuple[Any, ...]:
    """An alert without the engine's bookkeeping fields (``detector``, ``emit_seq``)."""
    return tuple(v for k, v in sorted(alert.items()) if k not in ("detector", "emit_seq"))


def _records() -> list[bytes]:
    cfg = GeneratorConfig(
        count=6_000,
        start=datetime(2020, 3, 1, tzinfo=UTC),
        span_s=3600,
        out_of_order_rate=0.1,
        malformed_rate=0.005,
        # Records over 1 MiB never reach Kinesis (the producer diverts them to errors/).
        malformed_kinds=tuple(k for k in MALFORMED_KINDS if k != "oversize"),
        tampering=25,
        seed=7,
    )
    return list(generate(cfg, PlayersTable.default()))


def _stream_cfg(shards_prefix: str) -> dict[str, Any]:
    return {
        "backend": "kinesis",
        "kinesis_prefix": f"{shards_prefix}-",
        "kinesis_lease_table": f"leases-{shards_prefix}",
        "kinesis_lease_timeout_s": 2,
    }


def _fill(backend: Any, records: list[bytes]) -> None:
    """Half the tweets, the control change, the other half; a pause on each side so the
    control change's append time falls strictly between the halves on both backends."""
    backend.append_many("tweets", records[:3_000])
    time.sleep(0.05)
    backend.append("control", _CONTROL)
    time.sleep(0.05)
    backend.append_many("tweets", records[3_000:])


def _kinesis(aws_endpoint: str, shards: int) -> tuple[dict[str, Any], AwsSettings]:
    stream_cfg = _stream_cfg(f"k{secrets.token_hex(4)}")
    aws = AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")
    kinesis = KinesisStreams(StreamSettings(**stream_cfg), aws, owner="setup")
    kinesis.leases.create()
    for name in ("tweets", "control", "alerts"):
        kinesis.create_stream(name, shards=shards if name == "tweets" else 1)
    kinesis.close()
    return stream_cfg, aws


def _kinesis_settings(home: Path, aws_endpoint: str, stream_cfg: dict[str, Any]) -> Settings:
    settings = load_settings(
        home=home,
        stream=stream_cfg,
        aws={"endpoint_url": aws_endpoint, "region": "us-east-1"},
    )
    init_home(settings)
    return settings


def _alerts(settings: Settings) -> list[dict[str, Any]]:
    with open_stream(settings) as backend:
        return [orjson.loads(r.data) for r in backend.read("alerts", 0, 1_000_000)]


def _reference(tmp_path: Path, records: list[bytes]) -> list[dict[str, Any]]:
    settings = load_settings(home=tmp_path / "reference")
    init_home(settings)
    with open_stream(settings) as backend:
        _fill(backend, records)
    run_embedded(settings, once=True, players=PlayersTable.default())
    return _alerts(settings)


def test_detector_on_kinesis_sends_the_alerts_of_the_local_log(
    tmp_path: Path, aws_endpoint: str
) -> None:
    records = _records()
    stream_cfg, _ = _kinesis(aws_endpoint, shards=1)
    settings = _kinesis_settings(tmp_path / "kinesis", aws_endpoint, stream_cfg)
    with open_stream(settings) as backend:
        _fill(backend, records)

    report = run_embedded(settings, once=True, players=PlayersTable.default())

    want = _reference(tmp_path, records)
    got = _alerts(settings)
    assert len(want) >= 10
    assert [core(a) for a in got] == [core(a) for a in want]
    assert report.control_events == 1 and report.allowed_skipped > 0
    # Everything read was committed: a second run finds nothing new and sends nothing.
    again = run_embedded(settings, once=True, players=PlayersTable.default())
    assert again.tweets == 0 and _alerts(settings) == got


def test_detector_reads_every_shard_of_a_resharded_tweets_stream(
    tmp_path: Path, aws_endpoint: str
) -> None:
    """Two shards: every tweet is evaluated, skipped or rejected exactly once."""
    records = _records()
    stream_cfg, _ = _kinesis(aws_endpoint, shards=2)
    settings = _kinesis_settings(tmp_path / "kinesis", aws_endpoint, stream_cfg)
    with open_stream(settings) as backend:
        _fill(backend, records)

    report = run_embedded(settings, once=True, players=PlayersTable.default())

    assert report.tweets == len(records)
    assert sum(report.errors_by_code.values()) >= 1  # the generator's malformed records
    # Shards are read a batch at a time, so more posts arrive late than on one shard
    # (they go to the late side output), but windows still fire.
    assert len(_alerts(settings)) >= 1


def _checkpoints(home: Path) -> int:
    """The id of the detector's last checkpoint (0 before the first)."""
    db = home / "state" / "detect-detect.db"
    if not db.exists():
        return 0
    store = CheckpointStore(db, durable=False)
    try:
        body = store.load()
    except sqlite3.OperationalError:  # created by the detector right now
        return 0
    finally:
        store.close()
    return 0 if body is None else int(body["ckpt_id"])


@pytest.mark.slow
def test_kill_9_of_the_detector_on_kinesis_neither_drops_nor_repeats_an_alert(
    tmp_path: Path, aws_endpoint: str
) -> None:
    records = _records()
    stream_cfg, _ = _kinesis(aws_endpoint, shards=1)
    home = tmp_path / "kinesis"
    settings = _kinesis_settings(home, aws_endpoint, stream_cfg)
    with open_stream(settings) as backend:
        _fill(backend, records)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COURTSIDE_")},
        "COURTSIDE_AWS__ENDPOINT_URL": aws_endpoint,
        "COURTSIDE_AWS__REGION": "us-east-1",
        "COURTSIDE_DETECT__CHECKPOINT_RECORDS": "400",
        "COURTSIDE_DETECT__POLL_RECORDS": "200",
        "COURTSIDE_DETECT__CHECKPOINT_INTERVAL_S": "0.05",
        **{f"COURTSIDE_STREAM__{k.upper()}": str(v) for k, v in stream_cfg.items()},
    }
    args = [*COMMAND, "--home", str(home), "detect"]
    for target in (2, 6):
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 180
            while _checkpoints(home) < target:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
                assert time.monotonic() < deadline, "the detector made no progress"
                time.sleep(0.01)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        time.sleep(3)  # the killed consumer's leases expire (kinesis_lease_timeout_s = 2)
    final = subprocess.run([*args, "--once"], env=env, capture_output=True, timeout=300)
    assert final.returncode == 0, final.stderr.decode()[-2000:]

    want = _reference(tmp_path, records)
    got = _alerts(settings)
    assert len(want) >= 10
    # Same alerts in the same order, none twice, numbered without a gap.
    assert [core(a) for a in got] == [core(a) for a in want]
    assert [a["emit_seq"] for a in got] == list(range(1, len(got) + 1))


def test_control_changes_reach_the_detector_through_dynamodb_streams(
    tmp_path: Path, aws_endpoint: str
) -> None:
    """The original's design: players and control tables on DynamoDB, `courtside control`
    writes the control table, the detector reads its changes from the table's stream."""
    records = _records()
    stream_cfg, aws = _kinesis(aws_endpoint, shards=1)
    players_table = dynamo_table(aws, "account", stream=False)
    control_table = dynamo_table(aws, "team", stream=True)
    save_players_dynamo(aws, players_table, PlayersTable.default())
    home = tmp_path / "kinesis"
    settings = load_settings(
        home=home,
        stream=stream_cfg,
        aws={
            "endpoint_url": aws_endpoint,
            "region": "us-east-1",
            "players_table": players_table,
            "control_table": control_table,
        },
    )
    init_home(settings)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COURTSIDE_")},
        "COURTSIDE_AWS__ENDPOINT_URL": aws_endpoint,
        "COURTSIDE_AWS__REGION": "us-east-1",
        "COURTSIDE_AWS__PLAYERS_TABLE": players_table,
        "COURTSIDE_AWS__CONTROL_TABLE": control_table,
        **{f"COURTSIDE_STREAM__{k.upper()}": str(v) for k, v in stream_cfg.items()},
    }
    args = [*COMMAND, "--home", str(home), "control"]
    done = subprocess.run([*args, "allow", "Boston Celtics"], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    assert b"Boston Celtics: INSERT" in done.stdout
    listed = subprocess.run([*args, "list", "--json"], env=env, capture_output=True, check=True)
    assert orjson.loads(listed.stdout) == [{"team": "Boston Celtics", "allowed": True}]
    time.sleep(1.1)  # DynamoDB stream records carry their time to the second
    with open_stream(settings) as backend:
        backend.append_many("tweets", records)

    report = run_embedded(settings, once=True)  # players from DynamoDB

    reference = load_settings(home=tmp_path / "reference")
    init_home(reference)
    with open_stream(reference) as backend:
        backend.append("control", _CONTROL)
        time.sleep(0.05)
        backend.append_many("tweets", records)
    run_embedded(reference, once=True, players=PlayersTable.default())
    assert report.control_events == 1 and report.allowed_skipped > 0
    want = _alerts(reference)
    assert len(want) >= 10 and all(a["team"] != "Boston Celtics" for a in want)
    assert [core(a) for a in _alerts(settings)] == [core(a) for a in want]
    # The control change was committed: a restart reads no change again.
    assert run_embedded(settings, once=True).control_events == 0
