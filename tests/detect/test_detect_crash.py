"""kill -9 the embedded detector mid-stream, restart it: no window lost, no alert twice."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from detect_helpers import alerts_on, core, lake_docs, tweet

from cli_runner_helpers import COMMAND
from courtside.config import load_settings
from courtside.detect.embedded import run_embedded
from courtside.errors import RecordError
from courtside.generate import GeneratorConfig, generate
from courtside.home import init_home, open_stream
from courtside.records import event_time_ms, loads
from courtside.reference.players import PlayersTable


def _with_updates(records: list[bytes], players: PlayersTable, every: int) -> list[bytes]:
    """Insert, every ``every`` records, three posts for a window that has fired but is
    still within its allowed lateness: an alert, then its update (version 2)."""
    senders = [p for p in players if p.team == "Los Angeles Lakers"][:3]
    target = next(p for p in players if p.team == "Miami Heat")
    out: list[bytes] = []
    high: int | None = None
    due = False
    for i, rec in enumerate(records):
        due = due or (i > 0 and i % every == 0)
        if due and high is not None:
            mark = high - 20_000 - 1
            if mark % 60_000 < 25_000:  # window before the watermark's one is not late yet
                start = mark - mark % 60_000 - 60_000
                out += [
                    tweet(p.account, [target.name], start + 1_000 * (k + 1))
                    for k, p in enumerate(senders)
                ]
                due = False
        out.append(rec)
        try:
            ts = event_time_ms(loads(rec))
        except RecordError:
            continue
        high = ts if high is None else max(high, ts)
    return out


def _start(home: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "COURTSIDE_DETECT__CHECKPOINT_RECORDS": "1500",
        "COURTSIDE_DETECT__POLL_RECORDS": "500",
        "COURTSIDE_DETECT__CHECKPOINT_INTERVAL_S": "0.05",
    }
    return subprocess.Popen(
        [
            *COMMAND,
            "--home",
            str(home),
            "detect",
            *extra,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_kill_9_neither_drops_a_window_nor_sends_an_alert_twice(tmp_path: Path) -> None:
    players = PlayersTable.default()
    cfg = GeneratorConfig(
        count=40_000,
        start=datetime(2020, 3, 1, tzinfo=UTC),
        span_s=4 * 3600,
        out_of_order_rate=0.2,
        late_rate=0.02,
        malformed_rate=0.005,
        tampering=80,
    )
    records = _with_updates(list(generate(cfg, players)), players, every=4_000)
    control = orjson.dumps(
        {
            "eventName": "INSERT",
            "dynamodb": {"NewImage": {"team": {"S": "Boston Celtics"}, "control": {"BOOL": True}}},
        }
    )

    homes = []
    for name in ("crashed", "reference"):
        settings = load_settings(home=tmp_path / name)
        init_home(settings)
        with open_stream(settings) as backend:
            backend.append_many("tweets", records[:20_000])
            backend.append("control", control)
            backend.append_many("tweets", records[20_000:])
        homes.append(settings)
    crashed, reference = homes

    kills = 0
    for target in (3_000, 11_000, 19_000, 27_000, 33_000):
        proc = _start(crashed.home)
        deadline = time.monotonic() + 120
        with open_stream(crashed) as backend:
            while backend.committed("tweets", "detect") < target:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
                assert time.monotonic() < deadline, "the detector made no progress"
                time.sleep(0.005)
        time.sleep(0.003 * kills)  # vary where in the epoch the kill lands
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
    final = subprocess.run(
        [
            *COMMAND,
            "--home",
            str(crashed.home),
            "detect",
            "--once",
            "--json",
        ],
        capture_output=True,
        timeout=300,
    )
    assert final.returncode == 0, final.stderr.decode()[-2000:]

    run_embedded(reference, once=True, players=players)

    got, want = alerts_on(crashed), alerts_on(reference)
    assert len(want) >= 70
    assert any(a["version"] > 1 for a in want), "the scenario should include updates"
    # Same alerts, same versions, in the same order, none twice.
    assert [core(a) for a in got] == [core(a) for a in want]
    assert [a["emit_seq"] for a in got] == list(range(1, len(got) + 1))
    # Side outputs: exactly the same records, none twice, no staged leftovers.
    for zone in ("flink-all-tweets", "flink-late-events"):
        a = Counter(orjson.dumps(d) for d in lake_docs(crashed.lake, zone))
        b = Counter(orjson.dumps(d) for d in lake_docs(reference.lake, zone))
        assert a == b, zone
        assert not [p for p in (crashed.lake / zone).rglob(".*")]
    assert (
        sum(
            Counter(
                orjson.dumps(d) for d in lake_docs(reference.lake, "flink-late-events")
            ).values()
        )
        > 0
    )
