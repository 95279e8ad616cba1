"""The PyFlink job: same alerts as the embedded engine; late side output on paced input.

Each test starts a Flink mini-cluster (~20-30 s of CPU), so there are only two.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from detect_helpers import MINUTE, T0, append, core, lake_docs, roster, tweet

from courtside.config import Settings, load_settings
from courtside.detect.embedded import EmbeddedDetector
from courtside.generate import GeneratorConfig, generate
from courtside.home import init_home
from courtside.lake.layout import write_atomic
from courtside.reference.control import change_event

pytestmark = [
    pytest.mark.flink,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("java") is None, reason="Java 17 is not installed"),
]
pytest.importorskip("pyflink", reason="apache-flink (PyFlink) is not installed")


def _inputs() -> tuple[list[bytes], list[bytes]]:
    cfg = GeneratorConfig(
        count=4_000,
        tampering=15,
        span_s=1_500,
        out_of_order_rate=0.3,
        malformed_rate=0.01,
        start=datetime(2020, 3, 1, tzinfo=UTC),
    )
    tweets = list(generate(cfg, roster()))
    # Team C is allowed from the start: its bursts must not alert in either engine. Record
    # i of the generator is at about i * 375 ms, so minute w is near index w * 160.
    for w in (17, 9, 3):
        burst = [tweet(f"c{k}", ["Anna Alpha"], T0 + w * MINUTE + 500 * k) for k in range(3)]
        tweets[w * 160 : w * 160] = burst
    control = [
        orjson.dumps(change_event("INSERT", "Team C", True, None)),
        orjson.dumps({"eventName": "INSERT", "dynamodb": {"NewImage": {"control": {}}}}),
    ]
    return tweets, control


def _home(root: Path, name: str, tweets: list[bytes], control: list[bytes]) -> Settings:
    settings = load_settings(home=root / name)
    init_home(settings)
    append(settings, "control", control)
    time.sleep(0.01)  # control strictly before the tweets
    append(settings, "tweets", tweets)
    return settings


def test_flink_job_emits_the_same_alerts_as_the_embedded_engine(tmp_path: Path) -> None:
    from courtside.detect.flink_runner import run_flink

    tweets, control = _inputs()
    embedded_home = _home(tmp_path, "embedded", tweets, control)
    flink_home = _home(tmp_path, "flink", tweets, control)

    embedded = EmbeddedDetector(embedded_home, players=roster()).run(once=True)
    flink = run_flink(flink_home, players=roster())

    assert embedded.late == 0, "precondition: out of order only within the bound"
    from detect_helpers import alerts_on

    want = alerts_on(embedded_home)
    got = alerts_on(flink_home)
    assert len(want) >= 6  # scenarios of Team C do not count
    assert sorted(core(a) for a in got) == sorted(core(a) for a in want)
    assert all(a["team"] != "Team C" for a in want)
    assert flink.evaluated == embedded.evaluated
    assert flink.late == 0
    bad = embedded.errors_by_code | embedded.skipped_by_reason
    assert flink.errors_by_code | flink.skipped_by_reason == bad
    assert bad["ControlMissingTeam"] == 1
    for zone in ("flink-all-tweets",):
        assert Counter(map(orjson.dumps, lake_docs(flink_home.lake, zone))) == Counter(
            map(orjson.dumps, lake_docs(embedded_home.lake, zone))
        )
    assert flink.tweets_seq == len(tweets)


@pytest.mark.timeout(300)
def test_flink_late_side_output_with_paced_files(tmp_path: Path) -> None:
    from courtside.detect import flink_job
    from courtside.detect.config import DetectSettings

    tweets_dir, control_dir = tmp_path / "tweets", tmp_path / "control"
    tweets_dir.mkdir()
    control_dir.mkdir()

    def drop(directory: Path, name: str, records: list[bytes]) -> None:
        write_atomic(directory / name, [r + b"\n" for r in records])

    # File 1: a tampering burst in window 0, then a post that moves the watermark past
    # window 0's end + lateness (3 min - 20 s > 1 min + 30 s).
    drop(
        tweets_dir,
        "part-1.jsonl",
        [
            tweet("a0", ["Bo Beta"], T0 + 1_000),
            tweet("a1", ["Bo Beta"], T0 + 2_000),
            tweet("c0", ["Anna Alpha"], T0 + 3 * MINUTE),
        ],
    )
    env = flink_job.make_env(1)
    stream = flink_job.file_job(
        env,
        str(tweets_dir),
        str(control_dir),
        DetectSettings(),
        roster().to_csv_text(),
        monitor_ms=300,
    )
    seen: list[tuple[str, dict]] = []  # type: ignore[type-arg]
    second_written = False
    with stream.execute_and_collect("paced-late-test") as results:
        for line in results:
            tag, doc = flink_job.tagged(line)
            seen.append((tag, doc))
            if tag == "alert" and not second_written:
                # Window 0 fired, so the watermark is past its cleanup time: the next
                # post for window 0 can only be late.
                drop(tweets_dir, "part-2.jsonl", [tweet("a2", ["Bo Beta"], T0 + 4_000)])
                second_written = True
            if tag == "late":
                break
    alerts = [d for t, d in seen if t == "alert"]
    late = [d for t, d in seen if t == "late"]
    assert [(a["total"], a["window_start"]) for a in alerts] == [(2, "2020-03-01T00:00:00.000Z")]
    assert [(d["player"], d["window_start"], d["window_end"]) for d in late] == [
        ("Ada Alpha", "2020-03-01T00:00:00.000Z", "2020-03-01T00:01:00.000Z")
    ]
    # The late post was evaluated (all-tweets) but did not update the alert.
    assert sum(1 for t, d in seen if t == "all" and d["player"] == "Ada Alpha") == 1
