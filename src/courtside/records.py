"""The data contracts: incoming records (X API v2 filtered-stream shape, real and legacy)
and the delivered record of the lake's ``raw/`` zone.

Incoming (``tweets`` stream)::

    {"data": {...post...}, "includes": {"users": [...], "tweets": [...]},
     "matching_rules": [{"id": ..., "tag": ...}]}

The legacy shape of the original client wraps ``data`` in a one-element list and may
carry a top-level ``event_time`` in epoch milliseconds. Both are accepted everywhere.

Every function here takes values from outside (any JSON) and either returns a valid
result or raises :class:`~courtside.errors.RecordError` with a code naming the failure
class; none lets another exception escape for any input, so a stage can always route a
bad record to its error output and go on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from courtside.errors import RecordError

ATHLETE_DOMAIN_ID = "60"
_MAX_TIMESTAMP_CHARS = 40
#: Event times are accepted from the epoch up to 9999-01-01 UTC: every time derived from
#: them (window ends, lateness, side-output partitions) must still be a date with a
#: four-digit year, and one year of margin holds any window the detector allows.
MIN_EVENT_MS = 0
MAX_EVENT_MS = 253_370_764_800_000

__all__ = [
    "ATHLETE_DOMAIN_ID",
    "MAX_EVENT_MS",
    "MIN_EVENT_MS",
    "athletes",
    "describe",
    "describe_exception",
    "event_time_ms",
    "iso_utc",
    "loads",
    "parse_created_at",
    "post_of",
    "to_delivered",
]


def describe(value: Any, limit: int = 60) -> str:
    """A short, safe description of an external value for an error message.

    Scalars are shown (cut to ``limit`` characters); containers only by kind and size,
    because ``repr`` of a deeply nested value raises ``RecursionError``.
    """
    if isinstance(value, dict):
        return f"a JSON object of {len(value)} key(s)"
    if isinstance(value, list):
        return f"a JSON array of {len(value)} item(s)"
    if isinstance(value, str):
        return repr(value[:limit])
    if value is None or isinstance(value, bool | int | float):
        return repr(value)[:limit]
    return f"a {type(value).__name__}"


def describe_exception(exc: BaseException) -> str:
    """``Type: message`` of an unexpected exception (for an ``InternalError`` record),
    even when the exception's own ``str`` fails."""
    try:
        return f"{type(exc).__name__}: {exc}"[:1000]
    except Exception:  # noqa: BLE001 - an exception whose str() fails still has a type
        return type(exc).__name__


def loads(raw: bytes) -> dict[str, Any]:
    """Parse one record's bytes into a JSON object.

    Integers beyond 64 bits become floats (orjson's behaviour); numbers beyond the range
    of a double are refused.

    Raises:
        RecordError: ``EmptyRecord``, ``NotUtf8``, ``NotJson``, ``TooDeeplyNested``
            (more than 1,024 levels), ``NumberOutOfRange`` or ``NotObject``.
    """
    if not raw or not raw.strip():
        raise RecordError("EmptyRecord", "empty record")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as uexc:
            raise RecordError("NotUtf8", f"record is not UTF-8: {uexc.reason}") from None
        reason = str(exc)
        if reason.startswith("depth limit"):
            raise RecordError("TooDeeplyNested", f"record is nested too deeply: {reason}") from None
        if reason.startswith("number is infinity"):
            raise RecordError(
                "NumberOutOfRange", f"record holds a number beyond a double: {reason}"
            ) from None
        raise RecordError("NotJson", f"record is not JSON: {reason}") from None
    if not isinstance(value, dict):
        raise RecordError("NotObject", f"record is a JSON {type(value).__name__}, not an object")
    return value


def post_of(record: dict[str, Any]) -> dict[str, Any]:
    """The post of a record: ``data``, or ``data[0]`` in the legacy shape.

    Raises:
        RecordError: ``BadData`` when ``data`` is neither an object nor a non-empty list
            whose first element is an object.
    """
    data = record.get("data")
    if isinstance(data, dict):
        return data
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return data[0]
    kind = "missing" if data is None else describe(data)
    raise RecordError("BadData", f"'data' must be an object or a one-element array, got {kind}")


def parse_created_at(value: Any) -> datetime:
    """Parse an ISO-8601 timestamp into an aware UTC datetime (naive means UTC).

    Raises:
        RecordError: ``MissingCreatedAt``, ``BadCreatedAt`` (not a timestamp) or
            ``CreatedAtOutOfRange`` (its UTC time falls outside years 1 to 9999, e.g.
            ``0001-01-01T00:30:00+01:00``).
    """
    if value is None:
        raise RecordError("MissingCreatedAt", "post has no 'created_at'")
    if not isinstance(value, str) or len(value) > _MAX_TIMESTAMP_CHARS:
        shown = describe(value)
        raise RecordError("BadCreatedAt", f"'created_at' is not an ISO-8601 timestamp: {shown}")
    try:
        ts = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise RecordError(
            "BadCreatedAt", f"'created_at' is not an ISO-8601 timestamp: {value[:60]!r}"
        ) from None
    if ts.tzinfo is None:
        return ts.replace(tzinfo=UTC)
    try:
        return ts.astimezone(UTC)
    except (OverflowError, ValueError):
        raise RecordError(
            "CreatedAtOutOfRange",
            f"'created_at' {value!r} is outside years 1 to 9999 once converted to UTC",
        ) from None


def to_delivered(record: dict[str, Any]) -> dict[str, Any]:
    """The original transform Lambda: the post, plus ``users`` from ``includes.users`` and
    string ``year``, ``month``, ``day`` (zero-padded) from ``created_at``.

    Raises:
        RecordError: when the post or its timestamp is unusable.
    """
    post = post_of(record)
    ts = parse_created_at(post.get("created_at"))
    out = dict(post)
    includes = record.get("includes")
    users = includes.get("users") if isinstance(includes, dict) else None
    out["users"] = users if isinstance(users, list) else []
    out["year"] = f"{ts.year:04d}"
    out["month"] = f"{ts.month:02d}"
    out["day"] = f"{ts.day:02d}"
    return out


def event_time_ms(record: dict[str, Any]) -> int:
    """Event time: top-level ``event_time`` (epoch ms) when present, else ``created_at``.

    Either must fall between :data:`MIN_EVENT_MS` (1970) and :data:`MAX_EVENT_MS`
    (9999-01-01), so that windows, watermarks and partitions derived from it exist.

    Raises:
        RecordError: ``BadEventTime``, ``EventTimeOutOfRange`` or a ``created_at`` error.
    """
    et = record.get("event_time")
    if et is not None:
        if isinstance(et, bool) or not isinstance(et, int | float) or et != et:
            raise RecordError(
                "BadEventTime", f"'event_time' is not epoch milliseconds: {describe(et)}"
            )
        if not MIN_EVENT_MS <= et <= MAX_EVENT_MS:
            raise RecordError(
                "EventTimeOutOfRange",
                f"'event_time' {describe(et)} is outside 1970-01-01 to 9999-01-01 (epoch ms)",
            )
        return int(et)
    post = post_of(record)
    ms = int(parse_created_at(post.get("created_at")).timestamp() * 1000)
    if not MIN_EVENT_MS <= ms <= MAX_EVENT_MS:
        raise RecordError(
            "EventTimeOutOfRange",
            f"'created_at' {describe(post.get('created_at'))} is outside 1970-01-01 to"
            " 9999-01-01, the event times the detector accepts",
        )
    return ms


def athletes(post: dict[str, Any]) -> list[str]:
    """Names of the players in the post's Athlete (domain 60) context annotations,
    in order, without repeats."""
    out: list[str] = []
    annotations = post.get("context_annotations")
    if not isinstance(annotations, list):
        return out
    for ann in annotations:
        if not isinstance(ann, dict):
            continue
        domain, entity = ann.get("domain"), ann.get("entity")
        if not isinstance(domain, dict) or not isinstance(entity, dict):
            continue
        domain_id = domain.get("id")
        # Only a string or an integer can be "60"; str() of a deep value would recurse.
        if domain_id != ATHLETE_DOMAIN_ID and not (
            type(domain_id) is int and domain_id == int(ATHLETE_DOMAIN_ID)
        ):
            continue
        name = entity.get("name")
        if isinstance(name, str) and name and name not in out:
            out.append(name)
    return out


def iso_utc(ts_ms: int) -> str:
    """Epoch milliseconds as ISO-8601 UTC with milliseconds and a ``Z``."""
    dt = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}Z"
