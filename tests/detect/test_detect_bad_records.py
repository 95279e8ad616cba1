"""No record stops the embedded detector: every bad tweet or control event is counted,
written with its reason to ``detect-errors/`` and committed past, on every restart."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from detect_helpers import (
    T0,
    alerts_on,
    append,
    lake_docs,
    roster,
    tweet,
    tweet_doc,
    write_roster,
)

from cli_runner_helpers import Courtside
from courtside.config import Settings
from courtside.detect import embedded
from courtside.detect.embedded import EmbeddedDetector
from courtside.home import open_stream

DEEP = "<900 nested arrays>"  # stands for a value orjson can parse but not write
_DEEP_JSON = b"[" * 900 + b"1" + b"]" * 900


def _with(**changes: Any) -> bytes:
    """A post of a known player to a known player, with ``changes`` applied; a ``DEEP``
    value is spliced in as 900 nested arrays."""
    doc = tweet_doc("a0", ["Bo Beta"], T0 + 5_000)
    for key, value in changes.items():
        if key == "event_time":
            doc["event_time"] = value
        elif key == "post_id":
            doc["data"]["id"] = value
        elif key == "domain_id":
            doc["data"]["context_annotations"][1]["domain"]["id"] = value
        else:
            doc["data"][key] = value
    return orjson.dumps(doc).replace(orjson.dumps(DEEP), _DEEP_JSON)


# Each a class of bad input the detector once crashed or stalled on, with its code.
BAD_TWEETS: dict[str, tuple[bytes, str]] = {
    "offset-before-year-1": (_with(created_at="0001-01-01T00:30:00+01:00"), "CreatedAtOutOfRange"),
    "offset-after-year-9999": (
        _with(created_at="9999-12-31T23:30:00-01:00"),
        "CreatedAtOutOfRange",
    ),
    "year-9999": (_with(created_at="9999-06-01T00:00:00Z"), "EventTimeOutOfRange"),
    "before-1970": (_with(created_at="1969-12-31T23:59:59Z"), "EventTimeOutOfRange"),
    "event-time-1e300": (_with(event_time=1e300), "EventTimeOutOfRange"),
    "event-time-31-digits": (
        _with(event_time=0).replace(
            b'"event_time":0', b'"event_time":1234567890123456789012345678901'
        ),
        "EventTimeOutOfRange",
    ),
    "event-time-nested": (_with(event_time=DEEP), "BadEventTime"),
    "created-at-nested": (_with(created_at=DEEP), "BadCreatedAt"),
    "nesting-1100": (b'{"data":' * 1100 + b"1" + b"}" * 1100, "TooDeeplyNested"),
    "number-beyond-double": (
        _with(event_time=0).replace(b'"event_time":0', b'"event_time":1e400'),
        "NumberOutOfRange",
    ),
    "not-json": (b"{not json", "NotJson"),
    "not-utf8": (b"\xff\xfe", "NotUtf8"),
    "empty": (b"", "EmptyRecord"),
    "data-nested": (b'{"data":' + _DEEP_JSON + b"}", "BadData"),
}


def _detector(settings: Settings) -> EmbeddedDetector:
    return EmbeddedDetector(settings, players=roster())


def _good(offset_ms: int = 0) -> list[bytes]:
    return [tweet(f"a{i}", ["Bo Beta"], T0 + offset_ms + 1_000 * (i + 1)) for i in range(2)]


def test_every_bad_tweet_is_counted_routed_and_committed_past(settings: Settings) -> None:
    records = _good() + [raw for raw, _ in BAD_TWEETS.values()] + _good(60_000)
    # Valid but odd values that once crashed the enrichment: kept, not errors.
    records.append(_with(post_id=DEEP))
    records.append(_with(domain_id=DEEP))
    append(settings, "tweets", records)
    report = _detector(settings).run(once=True)

    expected: dict[str, int] = {}
    for _, code in BAD_TWEETS.values():
        expected[code] = expected.get(code, 0) + 1
    assert report.errors_by_code == expected
    assert report.tweets == len(records)
    assert len(alerts_on(settings)) == 2  # the good bursts of both windows still alert
    with open_stream(settings) as backend:
        assert backend.committed("tweets", "detect") == len(records)

    docs = lake_docs(settings.lake, "detect-errors")
    assert sorted(d["errorCode"] for d in docs) == sorted(c for _, c in BAD_TWEETS.values())
    by_seq = {d["sequenceNumber"]: d for d in docs}
    for seq, raw in enumerate(records, start=1):
        if seq in by_seq:
            assert base64.b64decode(by_seq[seq]["rawData"]) == raw
            assert by_seq[seq]["stream"] == "tweets" and by_seq[seq]["errorMessage"]
    # Partitioned by arrival date, never by a (possibly absurd) event time.
    for path in (settings.lake / "detect-errors").rglob("*.json"):
        assert path.parent.relative_to(settings.lake / "detect-errors").parts[0] >= "year=2020"

    # A restart neither re-reads nor re-writes anything.
    again = _detector(settings).run(once=True)
    assert again.tweets == 0 and again.errors == 0
    assert len(lake_docs(settings.lake, "detect-errors")) == len(BAD_TWEETS)


def test_bad_control_events_go_to_the_error_output(settings: Settings) -> None:
    append(settings, "tweets", _good())
    append(
        settings,
        "control",
        [
            b'{"eventName": ' + _DEEP_JSON + b', "dynamodb": {}}',
            orjson.dumps(
                {
                    "eventName": "INSERT",
                    "dynamodb": {"NewImage": {"team": {"S": "Team A"}, "control": DEEP}},
                }
            ).replace(orjson.dumps(DEEP), _DEEP_JSON),
            b"[]",
        ],
    )
    report = _detector(settings).run(once=True)
    assert report.errors_by_code == {"ControlBadEvent": 1, "ControlBadFlag": 1, "NotObject": 1}
    docs = lake_docs(settings.lake, "detect-errors")
    assert {d["stream"] for d in docs} == {"control"}
    assert len(docs) == 3 and len(alerts_on(settings)) == 1


def test_an_unexpected_exception_on_one_tweet_is_an_internal_error(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = embedded.try_enrich

    def flaky(record: dict[str, Any], players: Any) -> Any:
        if record.get("data", {}).get("id") == "boom":
            raise ZeroDivisionError("a bug in the detector")
        return real(record, players)

    monkeypatch.setattr(embedded, "try_enrich", flaky)
    records = _good() + [_with(post_id="boom")] + _good(60_000)
    append(settings, "tweets", records)
    report = _detector(settings).run(once=True)
    assert report.errors_by_code == {"InternalError": 1}
    (doc,) = lake_docs(settings.lake, "detect-errors")
    assert doc["errorCode"] == "InternalError"
    assert doc["errorMessage"] == "ZeroDivisionError: a bug in the detector"
    assert doc["sequenceNumber"] == 3
    assert len(alerts_on(settings)) == 2
    with open_stream(settings) as backend:
        assert backend.committed("tweets", "detect") == len(records)


def test_cli_detect_restarts_past_a_post_that_once_halted_it(
    courtside: Courtside, home: Path, settings: Settings
) -> None:
    write_roster(home)
    bad = _with(created_at="0001-01-01T00:30:00+01:00")
    append(settings, "tweets", [*_good(), bad, *_good(60_000)])
    first = courtside("detect", "--once", "--json", home=home)
    assert json.loads(first.stdout)["errors_by_code"] == {"CreatedAtOutOfRange": 1}
    assert b"Traceback" not in first.stderr
    second = courtside("detect", "--once", "--json", home=home)
    assert json.loads(second.stdout)["tweets"] == 0
    assert len(alerts_on(settings)) == 2
