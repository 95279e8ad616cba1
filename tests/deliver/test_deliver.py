"""The delivery stream end to end: generate -> stream -> deliver -> lake."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from deliver_helpers import all_files, error_rows, original_lines, raw_rows

from courtside.config import Settings, load_settings
from courtside.deliver.service import deliver
from courtside.generate import GeneratorConfig, generate
from courtside.home import open_stream
from courtside.records import loads, post_of, to_delivered
from courtside.reference.players import PlayersTable

START = datetime(2020, 3, 1, 22, tzinfo=UTC)


def _put(settings: Settings, records: list[bytes]) -> None:
    with open_stream(settings) as backend:
        backend.append_many("tweets", records)


def _good(i: int, created_at: str = "2020-03-01T10:00:00.000Z", legacy: bool = False) -> bytes:
    post = {
        "id": str(1000 + i),
        "text": f"post {i}",
        "author_id": "1",
        "created_at": created_at,
        "lang": "en",
        "context_annotations": [],
        "entities": {"mentions": []},
    }
    rec = {
        "data": [post] if legacy else post,
        "includes": {"users": [{"id": "1", "username": "fan"}]},
        "matching_rules": [{"id": "1", "tag": "nba tweets"}],
    }
    if legacy:
        rec["event_time"] = 1583056800000
    return orjson.dumps(rec)


def test_every_good_record_in_raw_every_bad_one_in_errors(settings: Settings) -> None:
    cfg = GeneratorConfig(
        count=3000,
        start=START,
        span_s=4 * 3600,
        duplicate_rate=0.1,
        malformed_rate=0.05,
        tampering=2,
    )
    records = list(generate(cfg, PlayersTable.default()))
    _put(settings, records)
    report = deliver(settings, once=True)

    good, bad = [], []
    for raw in records:
        try:
            if len(raw) > 1024 * 1024:
                raise ValueError
            good.append(to_delivered(loads(raw)))
        except Exception:  # noqa: BLE001
            bad.append(raw)
    assert report.records == 3000
    assert report.delivered == len(good) and report.failed == len(bad) > 0
    rows = raw_rows(settings.lake)
    assert Counter(r["id"] for r in rows) == Counter(g["id"] for g in good)
    assert sorted(orjson.dumps(r) for r in rows) == sorted(orjson.dumps(g) for g in good)
    for row in rows:
        day_dir = f"year={row['year']}/month={row['month']}/day={row['day']}"
        assert row["created_at"].startswith(f"{row['year']}-{row['month']}-{row['day']}")
        assert day_dir in {"year=2020/month=03/day=01", "year=2020/month=03/day=02"}
    errors = error_rows(settings.lake)
    assert sorted(base64.b64decode(e["rawData"]) for e in errors) == sorted(bad)
    assert all(e["errorCode"] and e["errorMessage"] and e["attemptsMade"] == 1 for e in errors)
    # Every original record is backed up, byte for byte.
    assert sorted(original_lines(settings.lake)) == sorted(records)
    with open_stream(settings) as backend:
        assert backend.committed("tweets", "deliver") == 3000


def test_rerun_with_nothing_new_writes_nothing(settings: Settings) -> None:
    _put(settings, [_good(i) for i in range(10)])
    deliver(settings, once=True)
    before = sorted(all_files(settings.lake))
    report = deliver(settings, once=True)
    assert report.records == 0 and sorted(all_files(settings.lake)) == before


def test_legacy_shape_is_delivered_flat(settings: Settings) -> None:
    _put(settings, [_good(1, legacy=True), _good(2)])
    deliver(settings, once=True)
    rows = raw_rows(settings.lake)
    assert {r["id"] for r in rows} == {"1001", "1002"}
    assert all(r["users"] == [{"id": "1", "username": "fan"}] for r in rows)
    assert all((r["year"], r["month"], r["day"]) == ("2020", "03", "01") for r in rows)


BAD_INPUTS = {
    "not-json": (b'{"data": {"id": ', "NotJson"),
    "not-utf8": (b'{"data": {"id": "1", "text": "\xff\xfe"}}', "NotUtf8"),
    "empty": (b"", "EmptyRecord"),
    "blank": (b"   ", "EmptyRecord"),
    "array": (b"[1, 2]", "NotObject"),
    "missing-created-at": (b'{"data": {"id": "1"}}', "MissingCreatedAt"),
    "not-a-date": (b'{"data": {"id": "1", "created_at": "tomorrow"}}', "BadCreatedAt"),
    "dotdot": (b'{"data": {"id": "1", "created_at": "../../../etc"}}', "BadCreatedAt"),
    "slash": (b'{"data": {"id": "1", "created_at": "2020/03/01"}}', "BadCreatedAt"),
    "number": (b'{"data": {"id": "1", "created_at": 1583056800}}', "BadCreatedAt"),
    "data-string": (b'{"data": "x"}', "BadData"),
    "data-empty-array": (b'{"data": []}', "BadData"),
    "no-data": (b'{"includes": {}}', "BadData"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_goes_to_errors_with_a_reason(settings: Settings, name: str) -> None:
    raw, code = BAD_INPUTS[name]
    _put(settings, [_good(1), raw, _good(2)])
    report = deliver(settings, once=True)
    assert report.delivered == 2 and report.failed == 1
    assert report.errors_by_code == {code: 1}
    (err,) = error_rows(settings.lake)
    assert err["errorCode"] == code and base64.b64decode(err["rawData"]) == raw
    assert {r["id"] for r in raw_rows(settings.lake)} == {"1001", "1002"}


def test_record_over_one_mib_is_an_error(settings: Settings) -> None:
    big = orjson.loads(_good(3))
    big["data"]["text"] = "x" * (1024 * 1024)
    _put(settings, [orjson.dumps(big), _good(4)])
    report = deliver(settings, once=True)
    assert report.errors_by_code == {"RecordTooLarge": 1} and report.delivered == 1


def test_active_partition_limit_sends_extra_partitions_to_errors(home: Path) -> None:
    settings = load_settings(home=home, deliver={"max_open_partitions": 3})
    days = [f"2020-03-{d:02d}T10:00:00Z" for d in range(1, 7)]
    _put(settings, [_good(i, created_at=day) for i, day in enumerate(days)])
    report = deliver(settings, once=True)
    assert report.delivered == 3 and report.failed == 3
    assert report.errors_by_code == {"DynamicPartitioning.ActivePartitionsLimitExceeded": 3}
    days_seen = {r["day"] for r in raw_rows(settings.lake)}
    assert days_seen == {"01", "02", "03"}


def test_small_buffers_make_many_files_and_commit_progressively(home: Path) -> None:
    settings = load_settings(home=home, deliver={"buffer_mib": 0.01})
    _put(settings, [_good(i) for i in range(500)])
    report = deliver(settings, once=True)
    raw_files = list((settings.lake / "raw").rglob("*.json"))
    assert len(raw_files) > 5 and report.files > 5
    assert len(raw_rows(settings.lake)) == 500


def _user_transform_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_transform.py").write_text(
        "from courtside.deliver import Ok, Dropped, ProcessingFailed\n"
        "def run(rec):\n"
        "    n = int(rec['id']) % 5\n"
        "    if n == 0: return Dropped()\n"
        "    if n == 1: return ProcessingFailed('odd one')\n"
        "    if n == 2: raise RuntimeError('boom')\n"
        "    if n == 3: return 'nonsense'\n"
        "    rec['text'] = rec['text'].upper()\n"
        "    return Ok(rec)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))


def test_user_transform_ok_dropped_failed(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _user_transform_module(tmp_path, monkeypatch)
    settings = load_settings(home=home, deliver={"transform": "my_transform:run"})
    _put(settings, [_good(i) for i in range(10)])
    report = deliver(settings, once=True)
    assert report.dropped == 2 and report.delivered == 2 and report.failed == 6
    assert report.errors_by_code == {
        "Lambda.ProcessingFailed": 2,
        "Lambda.FunctionError": 2,
        "Lambda.InvalidResult": 2,
    }
    assert {r["text"] for r in raw_rows(settings.lake)} == {"POST 4", "POST 9"}
    assert len(original_lines(settings.lake)) == 10


def test_legacy_and_posts_of_includes_survive_round_trip(settings: Settings) -> None:
    rec = orjson.loads(_good(5))
    rec["includes"]["tweets"] = [{"id": "9", "text": "quoted"}]
    _put(settings, [orjson.dumps(rec)])
    deliver(settings, once=True)
    (row,) = raw_rows(settings.lake)
    assert row == {
        **post_of(rec),
        "users": rec["includes"]["users"],
        "year": "2020",
        "month": "03",
        "day": "01",
    }
