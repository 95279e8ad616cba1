"""Helpers for batch tests: build a raw lake from generated records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from courtside.generate.generator import GeneratorConfig, generate
from courtside.lake.layout import within, write_atomic
from courtside.records import loads, to_delivered
from courtside.reference.players import PlayersTable

_SEQ = [0]


def delivered(config: GeneratorConfig) -> list[dict[str, Any]]:
    """Delivered rows of the generator's well-formed records, in order."""
    rows = []
    for raw in generate(config, PlayersTable.default()):
        try:
            rows.append(to_delivered(loads(raw)))
        except Exception:  # noqa: BLE001 - malformed on purpose
            continue
    return rows


def reset_names() -> None:
    """Start file names from the beginning again (two lakes with the same names)."""
    _SEQ[0] = 0


def file_name(seq: int | None = None) -> str:
    """A raw object name that sorts by ``seq`` (like the delivery stream's names)."""
    if seq is None:
        _SEQ[0] += 1
        seq = _SEQ[0]
    ts = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=seq)
    return f"courtside-deliver-{ts:%Y%m%dT%H%M%S%f}Z-{seq:010x}.json"


def write_raw(lake: Path, rows: list[dict[str, Any]], per_file: int = 50) -> list[Path]:
    """Write rows as raw JSON-lines files, ``per_file`` rows per file within a day
    partition, in order; returns the files."""
    paths: list[Path] = []
    by_day: dict[str, list[dict[str, Any]]] = {}
    order: list[str] = []
    for row in rows:
        key = f"year={row['year']}/month={row['month']}/day={row['day']}"
        if key not in by_day:
            order.append(key)
        by_day.setdefault(key, []).append(row)
    chunks: list[tuple[str, list[dict[str, Any]]]] = []
    for key in order:
        day = by_day[key]
        chunks += [(key, day[i : i + per_file]) for i in range(0, len(day), per_file)]
    for key, chunk in chunks:
        path = within(lake, f"raw/{key}/{file_name()}")
        write_atomic(path, [orjson.dumps(r) + b"\n" for r in chunk], durable=False)
        paths.append(path)
    return paths


def write_lines(lake: Path, partition: str, lines: list[bytes]) -> Path:
    """Write raw bytes as one raw file (for hostile input)."""
    path = within(lake, f"raw/{partition}/{file_name()}")
    write_atomic(path, b"".join(lines), durable=False)
    return path


def output_rows(lake: Path, fmt: str = "parquet") -> list[dict[str, Any]]:
    """Every row of ``tweets/`` (with its partition), sorted by id."""
    import duckdb

    base = lake / "tweets"
    if fmt == "parquet":
        src = f"read_parquet('{base}/*/*/*/*.parquet', hive_partitioning = true"
        src += ", hive_types = {'year': VARCHAR, 'month': VARCHAR, 'day': VARCHAR})"
    else:
        from courtside.batch.duckdb_engine import _COLUMNS

        src = f"read_json('{base}/*/*/*/*.json', format = 'newline_delimited',"
        src += f" columns = {_COLUMNS}, hive_partitioning = true,"
        src += " hive_types = {'year': VARCHAR, 'month': VARCHAR, 'day': VARCHAR})"
    conn = duckdb.connect()
    try:
        rel = conn.sql(f"SELECT * FROM {src} ORDER BY id")
        names = rel.columns
        return [dict(zip(names, r, strict=True)) for r in rel.fetchall()]
    finally:
        conn.close()


def _with(row: dict[str, Any], **changes: Any) -> bytes:
    return orjson.dumps({**row, **changes})


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def bad_lines(template: dict[str, Any]) -> dict[str, tuple[bytes, str]]:
    """One line per class of bad record, with the code it must be rejected with."""
    t = dict(template)
    line = orjson.dumps(t)
    return {
        "like-count-string": (
            _with(t, id="b1", public_metrics={"like_count": "many"}),
            "WrongType",
        ),
        "like-count-31-digits": (
            orjson.dumps({**t, "id": "b2", "public_metrics": {"like_count": 0}}).replace(
                b'"like_count":0', b'"like_count":1234567890123456789012345678901'
            ),
            "WrongType",
        ),
        "annotations-object": (
            _with(t, id="b3", context_annotations={"domain": {"id": "60"}}),
            "WrongType",
        ),
        "annotations-strings": (_with(t, id="b4", context_annotations=["x"]), "WrongType"),
        "users-object": (_with(t, id="b5", users={"username": "x"}), "WrongType"),
        "users-numbers": (_with(t, id="b6", users=[1, 2]), "WrongType"),
        "entities-span-word": (
            _with(t, id="b7", entities={"mentions": [{"start": "three"}]}),
            "WrongType",
        ),
        "truncated": (line[: len(line) // 2], "NotJson"),
        "not-utf8": (line.replace(b'"text":"', b'"text":"\xff\xfe', 1), "NotUtf8"),
        "not-object": (b"[1, 2, 3]", "NotObject"),
        "nan": (b'{"id": "b8", "public_metrics": {"like_count": NaN}}', "NotJson"),
        "nested-1100": (b'{"id": "b9", "geo": ' + _deep(1100) + b"}", "TooDeeplyNested"),
    }


# Odd but readable: kept, with the value the readers make of it.
ODD_BUT_READABLE = {
    "number-as-id": b'{"id": 77, "text": "numeric id"}',
    "duplicate-key": b'{"id": "d1", "text": "first", "text": "last"}',
    "unknown-field": b'{"id": "u1", "brand_new": {"deep": [1, 2]}}',
    "missing-nested-fields": b'{"id": "m1", "users": [{"username": "x"}], "entities": {}}',
}
