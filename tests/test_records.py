"""Every parser of external values in records.py returns a value or raises RecordError,
whatever the input: dates with offsets at the edges of the calendar, numbers beyond any
range, nested shapes in every place, deep nesting (property-based)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from courtside.errors import RecordError
from courtside.records import (
    MAX_EVENT_MS,
    MIN_EVENT_MS,
    athletes,
    describe,
    describe_exception,
    event_time_ms,
    loads,
    parse_created_at,
    to_delivered,
)


def _deep(levels: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
HOSTILE = JSON_VALUES | st.sampled_from(
    [_deep(2000), {"a": _deep(1500)}, 10**40, -(10**40), 1e308, -1e308, float("inf")]
)

# ISO-8601 timestamps anywhere in years 1..9999 with any UTC offset up to a day.
OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1)
STAMPS = st.builds(
    lambda dt, minutes, sep: (
        f"{dt.year:04d}-"
        + dt.strftime(f"%m-%d{sep}%H:%M:%S")
        + ("+" if minutes >= 0 else "-")
        + f"{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    ),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    OFFSETS,
    st.sampled_from(["T", " "]),
)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0001-01-01T00:30:00+01:00", "CreatedAtOutOfRange"),
        ("9999-12-31T23:30:00-01:00", "CreatedAtOutOfRange"),
        ("0001-01-01T00:00:00+00:01", "CreatedAtOutOfRange"),
        ("2020-02-30T00:00:00Z", "BadCreatedAt"),
        ("yesterday", "BadCreatedAt"),
        (12, "BadCreatedAt"),
        (_deep(2000), "BadCreatedAt"),
        ({"a": _deep(1500)}, "BadCreatedAt"),
        (None, "MissingCreatedAt"),
    ],
)
def test_created_at_out_of_range_or_malformed_has_its_own_code(value: Any, code: str) -> None:
    with pytest.raises(RecordError) as info:
        parse_created_at(value)
    assert info.value.code == code
    assert len(str(info.value)) < 200


@hsettings(max_examples=300, deadline=None)
@given(stamp=STAMPS)
def test_every_iso_timestamp_with_an_offset_parses_or_is_refused(stamp: str) -> None:
    try:
        parsed = parse_created_at(stamp)
    except RecordError as exc:
        assert exc.code == "CreatedAtOutOfRange"
        return
    assert parsed.tzinfo is UTC


@hsettings(max_examples=300, deadline=None)
@given(stamp=STAMPS)
def test_event_time_from_created_at_is_within_bounds_or_refused(stamp: str) -> None:
    try:
        ms = event_time_ms({"data": {"created_at": stamp}})
    except RecordError as exc:
        assert exc.code in {"CreatedAtOutOfRange", "EventTimeOutOfRange"}
        return
    assert MIN_EVENT_MS <= ms <= MAX_EVENT_MS


@pytest.mark.parametrize(
    ("event_time", "code"),
    [
        (-5, "EventTimeOutOfRange"),
        (1e300, "EventTimeOutOfRange"),
        (float("inf"), "EventTimeOutOfRange"),
        (float("nan"), "BadEventTime"),
        (2**60, "EventTimeOutOfRange"),
        (10**40, "EventTimeOutOfRange"),
        (MAX_EVENT_MS + 1, "EventTimeOutOfRange"),
        ("soon", "BadEventTime"),
        (True, "BadEventTime"),
        (_deep(2000), "BadEventTime"),
        ({"ms": 1}, "BadEventTime"),
    ],
)
def test_event_time_out_of_range_or_of_another_type(event_time: Any, code: str) -> None:
    record = {"data": {"created_at": "2020-03-01T00:00:00Z"}, "event_time": event_time}
    with pytest.raises(RecordError) as info:
        event_time_ms(record)
    assert info.value.code == code


def test_event_time_at_the_bounds_is_accepted() -> None:
    for ms in (MIN_EVENT_MS, MAX_EVENT_MS):
        assert event_time_ms({"data": {}, "event_time": ms}) == ms
    last = datetime.fromtimestamp(MAX_EVENT_MS / 1000, tz=UTC)
    assert last == datetime(9999, 1, 1, tzinfo=UTC)
    # A window or a year of lateness after the last event time is still a real date.
    assert (last + timedelta(days=364)).year == 9999


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"[" * 1100 + b"]" * 1100, "TooDeeplyNested"),
        (b'{"a":' * 1100 + b"1" + b"}" * 1100, "TooDeeplyNested"),
        (b'{"n": 1e400}', "NumberOutOfRange"),
        (b'{"n": -1e400}', "NumberOutOfRange"),
        (b'{"n": NaN}', "NotJson"),
        (b'{"s": "\\ud800"}', "NotJson"),
        (b"\xff\xfe", "NotUtf8"),
        (b"  \n", "EmptyRecord"),
        (b"[1]", "NotObject"),
    ],
)
def test_loads_names_each_failure_class(raw: bytes, code: str) -> None:
    with pytest.raises(RecordError) as info:
        loads(raw)
    assert info.value.code == code


def test_huge_integers_parse_as_floats_not_errors() -> None:
    doc = loads(b'{"n": 1234567890123456789012345678901}')
    assert doc["n"] == pytest.approx(1.2345678901234568e30)


@hsettings(max_examples=400, deadline=None)
@given(
    data=HOSTILE,
    created_at=HOSTILE,
    event_time=HOSTILE,
    includes=HOSTILE,
    annotations=HOSTILE,
    post_id=HOSTILE,
)
def test_parsers_never_raise_anything_but_record_errors(
    data: Any, created_at: Any, event_time: Any, includes: Any, annotations: Any, post_id: Any
) -> None:
    post = {"id": post_id, "created_at": created_at, "context_annotations": annotations}
    for record in (
        {"data": data},
        {"data": post, "includes": includes, "event_time": event_time},
        {"data": [post], "includes": includes},
    ):
        for parse in (to_delivered, event_time_ms):
            try:
                parse(record)
            except RecordError as exc:
                assert exc.code and str(exc)
        if isinstance(record["data"], dict):
            athletes(record["data"])


@pytest.mark.parametrize(
    "domain_id",
    [_deep(2000), {"id": _deep(1500)}, 60.0, True, None, "61"],
)
def test_athletes_skips_annotations_whose_domain_id_is_not_60(domain_id: Any) -> None:
    post = {
        "context_annotations": [
            {"domain": {"id": domain_id}, "entity": {"name": "Skipped"}},
            {"domain": {"id": 60}, "entity": {"name": "By Integer"}},
            {"domain": {"id": "60"}, "entity": {"name": "By String"}},
        ]
    }
    assert athletes(post) == ["By Integer", "By String"]


def test_describe_never_recurses_and_stays_short() -> None:
    for value in (_deep(5000), {"k": _deep(5000)}, "x" * 10_000, 10**400, object()):
        assert len(describe(value)) < 80


def test_describe_exception_survives_a_broken_str() -> None:
    class Broken(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert describe_exception(Broken()) == "Broken"
    assert describe_exception(ValueError("x" * 5000)).startswith("ValueError: x")
    assert orjson.dumps(
        describe_exception(ValueError("\ud800")).encode("utf-8", "replace").decode()
    )
