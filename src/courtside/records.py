"""The data contracts: incoming records (X API v2 filtered-stream shape, real and legacy)
and the delivered record of the lake's ``raw/`` zone.

Incoming (``tweets`` stream)::

    {"data": {...post...}, "includes": {"users": [...], "tweets": [...]},
     "matching_rules": [{"id": ..., "tag": ...}]}

The legacy shape of the original client wraps ``data`` in a one-element list and may
carry a top-level ``event_time`` in epoch milliseconds. Both are accepted everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from courtside.errors import RecordError

ATHLETE_DOMAIN_ID = "60"
_MAX_TIMESTAMP_CHARS = 40

__all__ = [
    "ATHLETE_DOMAIN_ID",
    "athletes",
    "event_time_ms",
    "iso_utc",
    "loads",
    "parse_created_at",
    "post_of",
    "to_delivered",
]


def loads(raw: bytes) -> dict[str, Any]:
    """Parse one record's bytes into a JSON object.

    Raises:
        RecordError: ``EmptyRecord``, ``NotUtf8``, ``NotJson`` or ``NotObject``.
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
        raise RecordError("NotJson", f"record is not JSON: {exc}") from None
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
    kind = "missing" if data is None else f"a JSON {type(data).__name__}"
    raise RecordError("BadData", f"'data' must be an object or a one-element array, got {kind}")


def parse_created_at(value: Any) -> datetime:
    """Parse an ISO-8601 timestamp into an aware UTC datetime (naive means UTC).

    Raises:
        RecordError: ``MissingCreatedAt`` or ``BadCreatedAt``.
    """
    if value is None:
        raise RecordError("MissingCreatedAt", "post has no 'created_at'")
    if not isinstance(value, str) or len(value) > _MAX_TIMESTAMP_CHARS:
        shown = repr(value)[:60]
        raise RecordError("BadCreatedAt", f"'created_at' is not an ISO-8601 timestamp: {shown}")
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(
            "BadCreatedAt", f"'created_at' is not an ISO-8601 timestamp: {value[:60]!r}"
        ) from None
    if ts.tzinfo is None:
        return ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC)


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

    Raises:
        RecordError: ``BadEventTime`` or a ``created_at`` error.
    """
    et = record.get("event_time")
    if et is not None:
        if isinstance(et, bool) or not isinstance(et, int | float) or not 0 <= et < 2**53:
            raise RecordError("BadEventTime", f"'event_time' is not epoch milliseconds: {et!r}")
        return int(et)
    post = post_of(record)
    return int(parse_created_at(post.get("created_at")).timestamp() * 1000)


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
        if str(domain.get("id")) != ATHLETE_DOMAIN_ID:
            continue
        name = entity.get("name")
        if isinstance(name, str) and name and name not in out:
            out.append(name)
    return out


def iso_utc(ts_ms: int) -> str:
    """Epoch milliseconds as ISO-8601 UTC with milliseconds and a ``Z``."""
    dt = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}Z"
