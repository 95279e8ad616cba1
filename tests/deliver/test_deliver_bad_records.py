"""No record stops delivery: each one it cannot handle goes to errors/ with a code naming
its failure class and is committed past; a restart never meets it again."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from deliver_helpers import error_rows, original_lines, raw_rows

from cli_runner_helpers import Courtside
from courtside.config import Settings, load_settings
from courtside.deliver import service
from courtside.deliver.service import deliver
from courtside.home import open_stream


def _put(settings: Settings, records: list[bytes]) -> None:
    with open_stream(settings) as backend:
        backend.append_many("tweets", records)


def _good(i: int) -> bytes:
    post = {"id": str(1000 + i), "text": f"post {i}", "created_at": "2020-03-01T10:00:00Z"}
    return orjson.dumps({"data": post, "includes": {"users": [{"id": "1", "username": "fan"}]}})


def _nested(levels: int) -> bytes:
    """A valid record whose post holds ``levels`` nested arrays."""
    deep = b"[" * levels + b"1" + b"]" * levels
    return b'{"data": {"id": "9", "created_at": "2020-03-01T10:00:00Z", "x": ' + deep + b"}}"


BAD = {
    "offset-before-year-1": (
        b'{"data": {"id": "1", "created_at": "0001-01-01T00:30:00+01:00"}}',
        "CreatedAtOutOfRange",
    ),
    "offset-after-year-9999": (
        b'{"data": {"id": "1", "created_at": "9999-12-31T23:30:00-01:00"}}',
        "CreatedAtOutOfRange",
    ),
    "created-at-nested": (
        b'{"data": {"id": "1", "created_at": ' + b"[" * 900 + b"]" * 900 + b"}}",
        "BadCreatedAt",
    ),
    "data-nested": (b'{"data": ' + b"[" * 900 + b"]" * 900 + b"}", "BadData"),
    "nested-300": (_nested(300), "TooDeeplyNested"),
    "nested-1100": (_nested(1100), "TooDeeplyNested"),
    "number-beyond-double": (
        b'{"data": {"id": "1", "created_at": "2020-03-01T10:00:00Z", "n": 1e400}}',
        "NumberOutOfRange",
    ),
}


def test_every_bad_record_goes_to_errors_and_is_committed_past(settings: Settings) -> None:
    records = [_good(1)] + [raw for raw, _ in BAD.values()] + [_good(2)]
    _put(settings, records)
    report = deliver(settings, once=True)
    assert report.errors_by_code == {
        code: sum(c == code for _, c in BAD.values()) for _, code in BAD.values()
    }
    assert report.delivered == 2
    assert {r["id"] for r in raw_rows(settings.lake)} == {"1001", "1002"}
    errors = error_rows(settings.lake)
    assert sorted(base64.b64decode(e["rawData"]) for e in errors) == sorted(
        raw for raw, _ in BAD.values()
    )
    assert len(original_lines(settings.lake)) == len(records)
    with open_stream(settings) as backend:
        assert backend.committed("tweets", "deliver") == len(records)


def test_nesting_is_its_own_code_with_a_transform_too(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "keep_all.py").write_text(
        "from courtside.deliver import Ok\ndef run(rec):\n    return Ok(rec)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    settings = load_settings(home=home, deliver={"transform": "keep_all:run"})
    _put(settings, [_nested(300), _good(1)])
    report = deliver(settings, once=True)
    assert report.errors_by_code == {"TooDeeplyNested": 1} and report.delivered == 1


def test_a_transform_exception_with_a_broken_message_fails_one_record(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "nasty.py").write_text(
        "class Nasty(Exception):\n"
        "    def __str__(self):\n"
        "        raise RuntimeError('no message')\n"
        "def run(rec):\n"
        "    if rec['id'] == '1001':\n"
        "        raise Nasty()\n"
        "    raise ValueError('lone surrogate \\ud800 in a message')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    settings = load_settings(home=home, deliver={"transform": "nasty:run"})
    _put(settings, [_good(1), _good(2)])
    report = deliver(settings, once=True)
    assert report.errors_by_code == {"Lambda.FunctionError": 2}
    messages = sorted(e["errorMessage"] for e in error_rows(settings.lake))
    assert messages == ["Nasty", "ValueError: lone surrogate ? in a message"]


def test_an_unexpected_exception_on_one_record_is_an_internal_error(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service.to_delivered

    def flaky(record: dict[str, Any]) -> dict[str, Any]:
        if record["data"]["id"] == "1002":
            raise KeyError("a bug in delivery")
        return real(record)

    monkeypatch.setattr(service, "to_delivered", flaky)
    records = [_good(1), _good(2), _good(3)]
    _put(settings, records)
    report = deliver(settings, once=True)
    assert report.errors_by_code == {"InternalError": 1} and report.delivered == 2
    (err,) = error_rows(settings.lake)
    assert err["errorMessage"] == "KeyError: 'a bug in delivery'"
    assert base64.b64decode(err["rawData"]) == records[1]
    with open_stream(settings) as backend:
        assert backend.committed("tweets", "deliver") == 3


def test_cli_deliver_restarts_past_a_post_that_once_halted_it(
    courtside: Courtside, home: Path, settings: Settings
) -> None:
    bad = BAD["offset-before-year-1"][0]
    _put(settings, [_good(1), bad, _good(2)])

    def run() -> dict[str, Any]:
        proc = courtside("deliver", "--once", "--json", home=home)
        assert b"Traceback" not in proc.stderr
        return json.loads(proc.stdout)

    first = run()
    assert first["errors_by_code"] == {"CreatedAtOutOfRange": 1} and first["delivered"] == 2
    second = run()
    assert second["records"] == 0
    assert len(raw_rows(settings.lake)) == 2 and len(error_rows(settings.lake)) == 1


def test_a_transform_result_orjson_cannot_write_is_an_invalid_result(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "odd_results.py").write_text(
        "from courtside.deliver import Ok\n"
        "def run(rec):\n"
        "    if rec['id'] == '1001':\n"
        "        rec[7] = 'a key that is not a string'\n"
        "    elif rec['id'] == '1002':\n"
        "        rec['big'] = 10 ** 40\n"
        "    elif rec['id'] == '1003':\n"
        "        rec['when'] = object()\n"
        "    return Ok(rec)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    settings = load_settings(home=home, deliver={"transform": "odd_results:run"})
    _put(settings, [_good(i) for i in range(1, 5)])
    report = deliver(settings, once=True)
    assert report.errors_by_code == {"Lambda.InvalidResult": 3} and report.delivered == 1
