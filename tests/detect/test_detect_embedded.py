"""The embedded engine on real streams: control, idleness, side outputs, bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from detect_helpers import (
    MINUTE,
    T0,
    alerts_on,
    append,
    core,
    lake_docs,
    roster,
    tweet,
)

from clock_helpers import FakeClock
from courtside.config import Settings, load_settings
from courtside.detect.embedded import EmbeddedDetector
from courtside.generate import GeneratorConfig, generate
from courtside.home import init_home, open_stream
from courtside.reference import control as control_module
from courtside.reference.control import ControlTable, change_event
from courtside.stream.local import LocalStream


def detector(settings: Settings, **kw: object) -> EmbeddedDetector:
    return EmbeddedDetector(settings, players=roster(), **kw)  # type: ignore[arg-type]


def burst(start_ms: int, team: str = "a", target: str = "Bo Beta", n: int = 2) -> list[bytes]:
    """``n`` posts of ``team``'s players to ``target`` inside the window at ``start_ms``."""
    return [tweet(f"{team}{i}", [target], start_ms + 1_000 * (i + 1)) for i in range(n)]


def test_generated_tampering_scenarios_each_raise_one_alert(settings: Settings) -> None:
    cfg = GeneratorConfig(
        count=5_000,
        tampering=12,
        span_s=3_000,
        out_of_order_rate=0.2,
        start=datetime(2020, 3, 1, tzinfo=UTC),
    )
    append(settings, "tweets", list(generate(cfg, roster())))
    report = detector(settings).run(once=True)
    alerts = alerts_on(settings)
    assert report.alerts == len(alerts) == 12
    assert report.late == 0 and report.updates == 0
    assert len({a["alert_id"] for a in alerts}) == 12
    assert all(a["total"] >= 2 and a["team"] != "" for a in alerts)
    evaluated = lake_docs(settings.lake, "flink-all-tweets")
    assert len(evaluated) == report.evaluated > 0
    assert report.skipped_by_reason["UnknownAuthor"] > 0  # fans' posts


def test_control_allow_deny_remove_mid_stream(
    settings: Settings, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Control and tweets merge by append time: every append gets its own millisecond.
    def stream(settings: Settings) -> LocalStream:
        return LocalStream(settings.stream_path, settings.stream, clock=fake_clock)

    monkeypatch.setattr(control_module, "open_stream", stream)
    table = ControlTable(settings)

    def tweets_at(window: int) -> None:
        append(settings, "tweets", burst(T0 + window * MINUTE), fake_clock)
        fake_clock.advance(0.01)  # distinct append times: control and tweets merge by them

    table.allow("Team A")
    fake_clock.advance(0.01)
    tweets_at(0)  # allowed: not checked
    table.deny("Team A")
    fake_clock.advance(0.01)
    tweets_at(1)  # checked -> alert
    table.allow("Team A")
    fake_clock.advance(0.01)
    tweets_at(2)  # allowed again
    table.remove("Team A")
    fake_clock.advance(0.01)
    tweets_at(3)  # no row: checked -> alert
    table.close()

    report = detector(settings).run(once=True)
    starts = sorted(a["window_start"] for a in alerts_on(settings))
    assert starts == ["2020-03-01T00:01:00.000Z", "2020-03-01T00:03:00.000Z"]
    assert report.control_events == 4
    assert report.allowed_skipped == 4

    with open_stream(settings) as backend:
        events = [orjson.loads(r.data) for r in backend.read("control", 0, 100)]
    assert [e["eventName"] for e in events] == ["INSERT", "MODIFY", "MODIFY", "REMOVE"]
    assert events[1]["dynamodb"]["OldImage"]["control"] == {"BOOL": True}
    assert events[1]["dynamodb"]["NewImage"]["control"] == {"BOOL": False}
    assert "NewImage" not in events[3]["dynamodb"]
    assert events[3]["dynamodb"]["Keys"] == {"team": {"S": "Team A"}}


def test_allowed_team_tweets_do_not_move_the_watermark(
    settings: Settings, fake_clock: FakeClock
) -> None:
    clock = fake_clock
    append(settings, "control", [orjson.dumps(change_event("INSERT", "Team C", True, None))], clock)
    clock.advance(0.01)
    append(settings, "tweets", burst(T0), clock)
    det = detector(settings)
    det.step()
    mark = det.op.watermark
    # Team C (allowed) posts far in the future: filtered before event time.
    append(settings, "tweets", [tweet("c0", ["Anna Alpha"], T0 + 60 * MINUTE)])
    det.step()
    assert det.op.watermark == mark
    assert det.report.allowed_skipped == 1
    det.checkpoint()
    assert alerts_on(settings) == []
    det.close()


def test_idle_input_stops_holding_the_watermark_back(settings: Settings) -> None:
    now = [1_000_000.0]
    det = detector(settings, clock=lambda: now[0])
    append(settings, "tweets", burst(T0))
    det.step()
    assert det.op.alerts == [] and det._outbox == []
    now[0] += 89.0  # quieter than the 90 s idleness: still waiting for late records
    det.step()
    assert det.check_idle() is False
    assert det._outbox == []
    now[0] += 1.0
    det.step()
    assert det.check_idle() is True
    # Event time advanced with the wall clock: max + 90 s - 20 s - 1 ms.
    assert det.op.watermark == T0 + 2_000 + 90_000 - 20_000 - 1
    det.checkpoint()
    alerts = alerts_on(settings)
    assert [(a["window_start"], a["total"]) for a in alerts] == [("2020-03-01T00:00:00.000Z", 2)]
    # A record arriving ends the idleness; the clock restarts.
    append(settings, "tweets", burst(T0 + 5 * MINUTE))
    det.step()
    assert det.check_idle() is False
    det.close()


def test_late_tweet_after_its_window_was_cleared_goes_to_the_side_output(
    settings: Settings,
) -> None:
    records = burst(T0)  # window 0: alert
    records.append(tweet("c0", ["Anna Alpha"], T0 + 3 * MINUTE))  # watermark past 0's cleanup
    records.append(tweet("a3", ["Bo Beta"], T0 + 30_000))  # too late for window 0
    append(settings, "tweets", records)
    report = detector(settings).run(once=True)
    assert report.late == 1
    late = lake_docs(settings.lake, "flink-late-events")
    assert [(d["player"], d["tamperingPlayer"], d["window_start"]) for d in late] == [
        ("Al Alpha", "Bo Beta", "2020-03-01T00:00:00.000Z")
    ]
    assert [a["total"] for a in alerts_on(settings)] == [2]  # no update from the late one
    # Partitioned by the event date.
    files = list((settings.lake / "flink-late-events").rglob("*.json"))
    assert files[0].parent.relative_to(settings.lake).as_posix() == (
        "flink-late-events/year=2020/month=03/day=01"
    )
    assert len(lake_docs(settings.lake, "flink-all-tweets")) == 4  # late ones are evaluated


def test_bad_input_is_counted_and_nothing_crashes(settings: Settings) -> None:
    good = burst(T0)
    bad = [
        b"{not json",
        b"",
        b"\xff\xfe",
        tweet("fan_1", ["Bo Beta"], T0),  # unknown author
        tweet("a0", ["Michael Jordan"], T0),  # unknown destination
        tweet("a0", [], T0),  # no Athlete annotation
        tweet("a0", ["Bo Beta"], None, created_at=None),  # missing event time
        tweet("a0", ["Bo Beta"], None, created_at="noon"),  # unparsable
        tweet("a0", ["Bo Beta"], -5, legacy=True),  # negative event_time
    ]
    append(settings, "tweets", bad[:5] + good + bad[5:])
    append(
        settings,
        "control",
        [
            orjson.dumps(
                {"eventName": "INSERT", "dynamodb": {"NewImage": {"control": {"BOOL": True}}}}
            ),
            orjson.dumps(
                {
                    "eventName": "INSERT",
                    "dynamodb": {"NewImage": {"team": {"S": "Team A"}, "control": {"S": "yes"}}},
                }
            ),
            b"[]",
        ],
    )
    report = detector(settings).run(once=True)
    assert report.skipped_by_reason == {
        "UnknownAuthor": 1,
        "UnknownDestination": 1,
        "NoAthlete": 1,
    }
    assert report.errors_by_code == {
        "NotJson": 1,
        "EmptyRecord": 1,
        "NotUtf8": 1,
        "MissingCreatedAt": 1,
        "BadCreatedAt": 1,
        "EventTimeOutOfRange": 1,
        "ControlMissingTeam": 1,
        "ControlBadFlag": 1,
        "NotObject": 1,
    }
    assert report.control_events == 0
    assert len(alerts_on(settings)) == 1  # Team A stayed checked: the bad flag changed nothing


def test_restart_resumes_from_the_checkpoint(settings: Settings, tmp_path: Path) -> None:
    records = []
    for w in range(6):
        records += burst(T0 + w * MINUTE, team="a", n=2 + w % 2)
    append(settings, "tweets", records[:5])
    det = detector(settings)
    det.step()
    det.checkpoint()  # a graceful stop mid-stream: windows 0 and 1 are still open
    det.close()
    append(settings, "tweets", records[5:])
    restarted = detector(settings)
    assert restarted.op.open_windows == 2  # state came back
    second = restarted.run(once=True)
    assert second.tweets == len(records) - 5
    resumed = alerts_on(settings)
    # The same input in one go gives the same alerts.
    other = load_settings(home=tmp_path / "other")
    init_home(other)
    append(other, "tweets", records)
    detector(other).run(once=True)
    assert [core(a) for a in alerts_on(other)] == [core(a) for a in resumed]
    assert [a["total"] for a in resumed] == [2, 3, 2, 3, 2, 3]


@pytest.mark.parametrize("legacy", [False, True], ids=["v2-shape", "legacy-shape"])
def test_both_record_shapes_are_detected(settings: Settings, legacy: bool) -> None:
    append(
        settings,
        "tweets",
        [
            tweet("a0", ["Bo Beta"], T0 + 1_000, legacy=legacy),
            tweet("a1", ["bo beta"], T0 + 2_000, legacy=legacy),
        ],
    )
    detector(settings).run(once=True)
    assert [a["players"] for a in alerts_on(settings)] == [["Abe Alpha", "Anna Alpha"]]
