"""The PyFlink job: same alerts and counts as the embedded engine on in-order input with
bad records; late side output on paced input.

Each test starts a Flink mini-cluster (~20-30 s of CPU), so there are only a few.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest
from detect_helpers import MINUTE, T0, alerts_on, core, lake_docs, roster, tweet
from flink_helpers import flink_inputs, make_home

from courtside.detect.embedded import EmbeddedDetector
from courtside.home import open_stream
from courtside.lake.layout import write_atomic

pytestmark = [
    pytest.mark.flink,
    pytest.mark.slow,
]
pytest.importorskip("pyflink", reason="apache-flink (PyFlink) is not installed")


def test_flink_job_emits_the_same_alerts_as_the_embedded_engine(tmp_path: Path) -> None:
    from courtside.detect.flink_runner import run_flink

    tweets, control = flink_inputs()
    embedded_home = make_home(tmp_path, "embedded", control, tweets)
    flink_home = make_home(tmp_path, "flink", control, tweets)

    embedded = EmbeddedDetector(embedded_home, players=roster()).run(once=True)
    flink = run_flink(flink_home, players=roster())

    assert embedded.late == 0, "precondition: out of order only within the bound"
    want = alerts_on(embedded_home)
    got = alerts_on(flink_home)
    assert len(want) >= 6  # scenarios of Team C do not count
    assert sorted(core(a) for a in got) == sorted(core(a) for a in want)
    assert all(a["team"] != "Team C" for a in want)
    assert all(a["detector"] == "flink" for a in got)
    assert flink.evaluated == embedded.evaluated
    assert flink.late == 0
    # Malformed records and unknown players: counted the same way, the job never failed.
    assert flink.errors_by_code == embedded.errors_by_code
    assert flink.skipped_by_reason == embedded.skipped_by_reason
    assert flink.unknown_destinations == embedded.unknown_destinations
    assert flink.allowed_skipped == embedded.allowed_skipped >= 3 * 3
    assert flink.control_events == embedded.control_events == 1
    for code in ("EmptyRecord", "NotUtf8", "NotObject", "NotJson", "ControlMissingTeam"):
        assert flink.errors_by_code[code] >= 1, code
    assert flink.skipped_by_reason["UnknownAuthor"] > 100
    for zone in ("flink-all-tweets",):
        assert Counter(map(orjson.dumps, lake_docs(flink_home.lake, zone))) == Counter(
            map(orjson.dumps, lake_docs(embedded_home.lake, zone))
        )
    assert flink.tweets == embedded.tweets == len(tweets)
    assert flink.tweets_seq == len(tweets)
    with open_stream(flink_home) as backend:  # positions committed, nothing left behind
        assert backend.committed("tweets", "detect-flink") == len(tweets)
        assert backend.committed("control", "detect-flink") == len(control)
    # A drained run leaves no state: the next run starts afresh and finds nothing to do.
    again = run_flink(flink_home, players=roster())
    assert (again.tweets, again.alerts, again.updates) == (0, 0, 0)
    assert len(alerts_on(flink_home)) == len(got)


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
