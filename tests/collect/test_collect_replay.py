"""Replay (JSONL and gzip, either record shape, paced or flat out) and synthetic sources."""

from __future__ import annotations

import gzip
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from collect_servers import mutate

from cli_runner_helpers import Courtside
from courtside.collect.replay import ReplayCollector
from courtside.collect.service import run_collector
from courtside.collect.synthetic import SyntheticCollector
from courtside.config import Settings
from courtside.errors import ConfigError
from courtside.home import open_stream
from courtside.records import athletes, event_time_ms, loads, post_of, to_delivered
from courtside.reference.players import PlayersTable


def _post(post_id: str, text: str, created_at: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": post_id,
        "text": text,
        "author_id": "1",
        "created_at": created_at,
        "lang": "en",
        **extra,
    }


def _records(settings: Settings) -> list[dict[str, Any]]:
    with open_stream(settings) as backend:
        return [loads(r.data) for r in backend.read("tweets", 0, 100_000)]


def _lines(*docs: Any) -> bytes:
    return b"".join((d if isinstance(d, bytes) else orjson.dumps(d)) + b"\n" for d in docs)


def test_replay_shapes_bad_lines_and_gzip(settings: Settings, tmp_path: Path) -> None:
    real = {
        "data": _post("1", "Giannis Antetokounmpo again", "2020-03-01T10:00:00.000Z"),
        "includes": {"users": [{"id": "1", "username": "fan"}]},
    }
    legacy = {
        "data": [_post("2", "@KingJames what a game", "2020-03-01T10:00:01.000Z")],
        "includes": {"users": []},
        "event_time": 1583056801000,
    }
    kept = {
        "data": _post(
            "3",
            "Luka Doncic",
            "2020-03-01T10:00:02.000Z",
            context_annotations=[
                {"domain": {"id": "60", "name": "Athlete"}, "entity": {"id": "9", "name": "Given"}}
            ],
        )
    }
    delivered = {
        **_post("4", "Kawhi is back", "2020-03-01T10:00:03.000Z"),
        "users": [{"id": "1", "username": "fan"}],
        "year": "2020",
        "month": "03",
        "day": "01",
    }
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(
        _lines(
            real,
            b"{broken",
            b"",
            legacy,
            {"data": _post("5", "bad time", "2020-13-45T99:00:00Z")},
            b'{"data": {"id": "6", "text": "' + b"x" * (1024 * 1024) + b'"}}',
            [1, 2],
        )
    )
    zipped = tmp_path / "b.json"  # gzip recognised by content, not by name
    zipped.write_bytes(gzip.compress(_lines(kept, delivered)))
    broken = tmp_path / "c.jsonl.gz"
    broken.write_bytes(gzip.compress(_lines(real) * 50)[:-30])

    report = run_collector(settings, ReplayCollector([plain, zipped, broken]))

    records = _records(settings)
    for record in records:
        to_delivered(record)
    ids = [post_of(r)["id"] for r in records]
    assert ids[:4] == ["1", "2", "3", "4"]
    assert set(ids[4:]) == {"1"}  # the readable head of the truncated archive
    assert athletes(post_of(records[0])) == ["Giannis Antetokounmpo"]
    assert athletes(post_of(records[1])) == ["LeBron James"]
    assert athletes(post_of(records[2])) == ["Given"]  # existing annotations kept
    assert athletes(post_of(records[3])) == ["Kawhi Leonard"]
    assert isinstance(records[1]["data"], list) and records[1]["event_time"] == 1583056801000
    assert records[3]["includes"]["users"] == [{"id": "1", "username": "fan"}]
    assert "year" not in records[3]["data"]
    assert report.rejected == {
        "NotJson": 1,
        "BadCreatedAt": 1,
        "LineTooLarge": 1,
        "NotObject": 1,
        "BadArchive": 1,
    }
    assert report.events["files"] == 3 and report.events["blank_lines"] == 1


def test_replay_paced_by_speed(settings: Settings, tmp_path: Path) -> None:
    times = [
        "2020-03-01T10:00:00Z",
        "2020-03-01T10:00:04Z",
        "2020-03-01T10:00:02Z",
        "2020-03-01T10:00:10Z",
    ]
    path = tmp_path / "paced.jsonl"
    path.write_bytes(_lines(*({"data": _post(str(i), "t", t)} for i, t in enumerate(times))))
    clock = [100.0]
    sleeps: list[float] = []

    def sleep(delay: float) -> None:
        sleeps.append(delay)
        clock[0] += delay

    collector = ReplayCollector([path], speed=2.0, sleep=sleep, clock=lambda: clock[0])
    report = run_collector(settings, collector)
    assert report.records == 4
    assert sleeps == [2.0, 3.0]  # 4 s / 2; the out-of-order record goes at once; 10 s / 2 - 2


def test_replay_needs_existing_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        ReplayCollector([tmp_path / "missing.jsonl"])
    with pytest.raises(ConfigError, match="speed"):
        (tmp_path / "x.jsonl").write_text("")
        ReplayCollector([tmp_path / "x.jsonl"], speed=0)


def test_synthetic_runs_continuously_at_a_rate(settings: Settings) -> None:
    clock = [0.0]
    sleeps: list[float] = []

    def sleep(delay: float) -> None:
        sleeps.append(delay)
        clock[0] += delay

    start = datetime(2024, 1, 1, tzinfo=UTC)
    collector = SyntheticCollector(
        PlayersTable.default(),
        rate_per_s=100.0,
        tampering_per_chunk=0,
        sleep=sleep,
        clock=lambda: clock[0],
        wall=lambda: start,  # a wall clock that lags: chunks must not overlap anyway
    )
    report = run_collector(settings, collector, limit=1500)
    records = _records(settings)
    assert report.records == 1500 == len(records)
    assert clock[0] == pytest.approx(15.0)
    assert len(sleeps) == 1500
    first_ms = event_time_ms(records[0])
    assert first_ms == int(start.timestamp() * 1000)
    # The first chunk's event times follow the rate (1,000 records over 10 s), and the
    # second chunk carries on where the first ended instead of going back in time.
    assert event_time_ms(records[999]) - first_ms == pytest.approx(9990, abs=10)
    assert event_time_ms(records[1000]) - first_ms == 10_000
    times = [event_time_ms(r) for r in records]
    assert times == sorted(times)


def test_cli_replay_and_synthetic_print_counts(
    courtside: Courtside, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "one.jsonl"
    path.write_bytes(_lines({"data": _post("1", "Zion", "2020-03-01T10:00:00Z")}, b"nope"))
    home = ["--home", str(settings.home)]
    result = courtside.invoke(*home, "collect", "--source", "replay", str(path), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["records"] == 1 and summary["rejected"] == {"NotJson": 1}
    assert summary["annotated"] == 1
    result = courtside.invoke(*home, "collect", "-s", "synthetic", "--rate", "0", "--limit", "25")
    assert result.exit_code == 0, result.output
    assert "collected 25 record(s) from synthetic" in result.stdout
    assert len(_records(settings)) == 26
    result = courtside.invoke(*home, "collect", "-s", "synthetic", str(path))
    assert isinstance(result.exception, ConfigError)


@pytest.mark.parametrize("speed", [None, 1000.0], ids=["flat-out", "paced"])
def test_replay_skips_hostile_lines(settings: Settings, tmp_path: Path, speed: Any) -> None:
    rng = random.Random(3)
    base = {
        "data": _post("1", "Luka Doncic", "2020-03-01T10:00:00.000Z"),
        "includes": {"users": [{"id": "1", "username": "fan"}]},
        "event_time": 1583056800000,
    }
    docs: list[Any] = [mutate(base, rng) for _ in range(300)]
    docs += [
        {"data": _post("2", "x", "0001-01-01T00:30:00+01:00")},  # out of range once UTC
        {"data": [_post("3", "x", "9999-12-31T23:30:00-01:00")]},
        b'{"data": {"id": "4", "created_at": "2020-03-01T10:00:00Z"}, "event_time": 1e400}',
        {"data": _post("999", "the last good one", "2020-03-01T10:00:09.000Z")},
    ]
    path = tmp_path / "hostile.jsonl"
    raw = [d if isinstance(d, bytes) else json.dumps(d).encode() for d in docs]
    path.write_bytes(b"\n".join(raw) + b"\n")
    collector = ReplayCollector([path], speed=speed, sleep=lambda s: None)
    report = run_collector(settings, collector, max_delay_s=0.0)
    records = _records(settings)
    for record in records:
        to_delivered(record)
    assert post_of(records[-1])["id"] == "999"
    assert report.records + report.rejected_total == len(docs)
