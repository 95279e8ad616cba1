"""kill -9 a delivering process mid-stream, restart it, and lose nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from deliver_helpers import error_rows, original_lines, raw_rows

from cli_runner_helpers import COMMAND
from courtside.config import load_settings
from courtside.generate import GeneratorConfig, generate
from courtside.home import open_stream
from courtside.records import loads, to_delivered
from courtside.reference.players import PlayersTable


def _start(home: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "COURTSIDE_DELIVER__BUFFER_MIB": "0.2",
        "COURTSIDE_DELIVER__BUFFER_INTERVAL_S": "0.5",
    }
    return subprocess.Popen(
        [
            *COMMAND,
            "--home",
            str(home),
            "deliver",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_kill_9_mid_stream_loses_nothing(home: Path) -> None:
    settings = load_settings(home=home)
    cfg = GeneratorConfig(
        count=20_000,
        start=datetime(2020, 3, 1, tzinfo=UTC),
        span_s=3 * 86400,
        malformed_rate=0.01,
        duplicate_rate=0.05,
    )
    records = list(generate(cfg, PlayersTable.default()))
    with open_stream(settings) as backend:
        backend.append_many("tweets", records[:10_000])

    kills = 0
    for target in (2_000, 6_000, 12_000):
        proc = _start(home)
        deadline = time.monotonic() + 60
        with open_stream(settings) as backend:
            if target == 6_000:  # the rest arrives while delivery runs (one poll may take
                backend.append_many("tweets", records[10_000:])  # all of the first half)
            while backend.committed("tweets", "deliver") < target:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
                assert time.monotonic() < deadline, "delivery made no progress"
                time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
    assert kills == 3

    # Restart: drain the rest, then check every record made it somewhere.
    proc = subprocess.run(
        [
            *COMMAND,
            "--home",
            str(home),
            "deliver",
            "--once",
        ],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr

    good_ids, bad = set(), []
    for raw in records:
        try:
            if len(raw) > 1024 * 1024:
                raise ValueError
            good_ids.add(to_delivered(loads(raw))["id"])
        except Exception:  # noqa: BLE001
            bad.append(raw)
    assert {r["id"] for r in raw_rows(settings.lake)} == good_ids
    import base64

    assert {base64.b64decode(e["rawData"]) for e in error_rows(settings.lake)} == set(bad)
    assert set(original_lines(settings.lake)) == set(records)
    # No half-written file is visible, and leftovers of killed writes are hidden temp files.
    for path in (settings.lake).rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            assert path.suffix in (".json", ".gz")
