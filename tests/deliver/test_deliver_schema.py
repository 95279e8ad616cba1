"""Delivery validates every delivered record against the registered ``raw`` schema: a
record that only adds a field is delivered; one that drops a required field or changes a
type goes to errors/ with its own code and the failing field path, counted, never
dropped; a newly registered version is the one checked."""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
from deliver_helpers import error_rows, original_lines, raw_rows, transform_settings

from cli_runner_helpers import Courtside
from courtside.config import Settings
from courtside.deliver.service import deliver
from courtside.home import open_stream
from courtside.schemas import IncompatibleSchemaError, SchemaRegistry

POST: dict[str, Any] = {
    "id": "100",
    "text": "LeBron tonight",
    "author_id": "7",
    "created_at": "2020-03-01T10:00:00Z",
    "lang": "en",
    "entities": {"mentions": [{"start": 0, "end": 6, "username": "kingjames"}]},
}
USERS = [{"id": "7", "username": "fan"}]


def _record(post: dict[str, Any], users: list[Any] | None = None) -> bytes:
    return orjson.dumps({"data": post, "includes": {"users": USERS if users is None else users}})


def _put(settings: Settings, records: list[bytes]) -> None:
    with open_stream(settings) as backend:
        backend.append_many("tweets", records)


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in POST.items() if k != key}


def _with(**changes: Any) -> dict[str, Any]:
    post = copy.deepcopy(POST)
    post.update(changes)
    return post


def test_a_record_that_adds_a_field_is_delivered(settings: Settings) -> None:
    added = _with(id="101", edit_controls={"edits_remaining": 5}, note_tweet="longer text")
    _put(settings, [_record(POST), _record(added)])
    report = deliver(settings, once=True)
    assert (report.delivered, report.failed, report.schema_violations) == (2, 0, 0)
    assert report.schema_version == 1
    rows = {r["id"]: r for r in raw_rows(settings.lake)}
    assert rows["101"]["edit_controls"] == {"edits_remaining": 5}


@pytest.mark.parametrize(
    ("post", "users", "code", "path"),
    [
        (_without("text"), None, "Schema.MissingField", "text"),
        (_with(id=100), None, "Schema.WrongType", "id"),
        (_with(lang=["en"]), None, "Schema.WrongType", "lang"),
        (
            _with(entities={"mentions": [{"username": 5}]}),
            None,
            "Schema.WrongType",
            "entities.mentions[0].username",
        ),
        (POST, [{"id": "7"}], "Schema.MissingField", "users[0].username"),
        (_with(id=""), None, "Schema.BadValue", "id"),
    ],
    ids=[
        "dropped-required-field",
        "retyped-id",
        "retyped-optional-field",
        "retyped-nested-field",
        "dropped-nested-required",
        "empty-id",
    ],
)
def test_a_violation_goes_to_errors_with_its_code_and_field_path(
    settings: Settings, post: dict[str, Any], users: list[Any] | None, code: str, path: str
) -> None:
    bad = _record(post, users)
    records = [_record(_with(id="1")), bad, _record(_with(id="2"))]
    _put(settings, records)
    report = deliver(settings, once=True)
    assert report.delivered == 2 and report.failed == 1 and report.schema_violations == 1
    assert report.errors_by_code == {code: 1}
    assert {r["id"] for r in raw_rows(settings.lake)} == {"1", "2"}
    (error,) = error_rows(settings.lake)
    assert error["errorCode"] == code and error["fieldPath"] == path
    assert (error["schemaSubject"], error["schemaVersion"]) == ("raw", 1)
    assert path in error["errorMessage"] or code == "Schema.BadValue"
    assert base64.b64decode(error["rawData"]) == bad  # never dropped: the original bytes
    assert len(original_lines(settings.lake)) == 3
    with open_stream(settings) as backend:
        assert backend.committed("tweets", "deliver") == 3  # committed past, not retried


def test_delivery_checks_the_latest_registered_version(settings: Settings) -> None:
    registry = SchemaRegistry.at(settings.state_dir)
    v1 = registry.latest("raw").schema
    v2 = copy.deepcopy(v1)
    v2["properties"]["edit_controls"] = {
        "type": ["object", "null"],
        "properties": {"edits_remaining": {"type": ["integer", "null"]}},
    }
    assert registry.register("raw", v2, note="test") == 2
    # raw is FULL-compatible: making a field required is refused, v2 stays the latest.
    v3 = copy.deepcopy(v2)
    v3["required"].append("lang")
    with pytest.raises(IncompatibleSchemaError, match="lang"):
        registry.register("raw", v3)

    good = _with(id="1", edit_controls={"edits_remaining": 2})
    bad = _with(id="2", edit_controls={"edits_remaining": "two"})
    _put(settings, [_record(good), _record(bad), _record(_without("lang"))])
    report = deliver(settings, once=True)
    assert report.schema_version == 2 and report.delivered == 2
    (error,) = error_rows(settings.lake)
    assert error["fieldPath"] == "edit_controls.edits_remaining"
    assert (error["errorCode"], error["schemaVersion"]) == ("Schema.WrongType", 2)


def test_a_transform_result_is_validated_too(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = "from courtside.deliver import Ok\ndef run(rec):\n"
    source += "    rec['users'] = 'nobody' if rec['id'] == '2' else rec['users']\n"
    source += "    return Ok(rec)\n"
    settings = transform_settings(home, tmp_path, monkeypatch, "strip_users", source)
    _put(settings, [_record(_with(id="1")), _record(_with(id="2"))])
    report = deliver(settings, once=True)
    assert report.delivered == 1 and report.errors_by_code == {"Schema.WrongType": 1}
    (error,) = error_rows(settings.lake)
    assert error["fieldPath"] == "users"


def test_the_cli_summary_counts_schema_violations(courtside: Courtside, settings: Settings) -> None:
    _put(settings, [_record(POST), _record(_without("text")), _record(_with(id=5))])
    out = courtside.invoke("deliver", "--once", home=settings.home)
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "delivered 1, failed 2" in text
    assert "errors/Schema.MissingField: 1" in text and "errors/Schema.WrongType: 1" in text
    assert "2 record(s) did not match raw schema version 1" in text
