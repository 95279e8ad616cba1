"""The rows a load sends to a warehouse: read from the lake, checked once, the same way
for every target (DuckDB, PostgreSQL and the Redshift statements).

A row is loadable when its player is text that every warehouse stores unchanged in
``varchar(255)`` and its total fits ``integer``:

* ``missing-player``: no player (``not null`` column);
* ``player-nul``: a NUL character (PostgreSQL's text types cannot hold ``\\0``);
* ``player-control-char``: another control character (C0, DEL or C1), which no name
  has and which Redshift's JSON COPY and the dashboards would mangle;
* ``player-too-long``: over 255 **bytes** in UTF-8 (Redshift's ``varchar(255)`` counts
  bytes; PostgreSQL's counts characters, DuckDB does not check at all);
* ``bad-total``: missing, negative or over 2,147,483,647;
* ``bad-count`` (``playersdailysentiment``): ``posts``, ``positive``, ``negative`` or
  ``neutral`` missing, negative or over 2,147,483,647;
* ``bad-score`` (``playersdailysentiment``): an ``avg_score`` that is not a number in
  [-1, 1] (NULL, no scored post, is loadable);
* ``unreadable-line``: a line of an output file that is not valid UTF-8 JSON (invalid
  bytes, lone surrogates, raw control characters), read line by line so that it costs
  only itself, never its file, its day or the load.

Anything else is rejected with its reason, counted in the run record and never blocks
the other rows.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from courtside.job.output import (
    OUTPUT_ZONE,
    SENTIMENT_SCHEMA,
    SENTIMENT_ZONE,
    as_lake,
    day_files,
    read_output,
    read_sentiment_output,
)
from courtside.lake.base import Lake, join_key
from courtside.lake.layout import date_partition, fsync_dir
from courtside.warehouse.base import PLAYER_MAX_CHARS, SENTIMENT, TOTALS, TableSpec

__all__ = [
    "Rejected",
    "prepare_rows",
    "read_rows",
    "read_sentiment_rows",
    "with_team",
    "write_export",
    "write_lake_export",
]

INT32_MAX = 2**31 - 1
_CONTROL = r"[\x00-\x1f\x7f-\x9f]"
_EXAMPLE_CHARS = 80
_MAX_EXAMPLES = 5


@dataclass
class Rejected:
    """Rows kept out of a load: how many, by reason, and a few examples."""

    by_reason: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Rows rejected."""
        return sum(self.by_reason.values())

    def add(self, reason: str, example: dict[str, Any]) -> None:
        """Count one rejected row (keeping the first few as examples)."""
        self.by_reason[reason] += 1
        if len(self.examples) < _MAX_EXAMPLES:
            player = example.get("player")
            if isinstance(player, str):
                # The example goes into run records and terminals: bounded and visible.
                example["player"] = player[:_EXAMPLE_CHARS].encode("unicode_escape").decode()
            self.examples.append({**example, "reason": reason})


def _reasons(table: pa.Table, spec: TableSpec) -> pa.Array:
    """The first reason each row is rejected for (null when it is loadable)."""
    player = table["player"]
    checks = [
        ("missing-player", pc.is_null(player)),
        ("player-nul", pc.match_substring(player, "\x00")),
        ("player-control-char", pc.match_substring_regex(player, _CONTROL)),
        ("player-too-long", pc.greater(pc.binary_length(player), PLAYER_MAX_CHARS)),
    ]
    counts = ["total"] if spec is TOTALS else ["posts", "positive", "negative", "neutral"]
    reason_name = "bad-total" if spec is TOTALS else "bad-count"
    for name in counts:
        count = table[name]
        checks.append((reason_name, pc.is_null(count)))
        checks.append((reason_name, pc.or_(pc.less(count, 0), pc.greater(count, INT32_MAX))))
    if spec is SENTIMENT:
        score = table["avg_score"]
        in_range = pc.and_(pc.greater_equal(score, -1.0), pc.less_equal(score, 1.0))
        checks.append(("bad-score", pc.and_(pc.is_valid(score), pc.invert(in_range))))
    reason = pa.nulls(table.num_rows, pa.string())
    for name, failed in reversed(checks):  # the first failing check wins
        failed = pc.fill_null(failed, False)
        reason = pc.if_else(failed, pa.scalar(name), reason)
    return reason


def prepare_rows(
    table: pa.Table, rejected: Rejected | None = None, spec: TableSpec = TOTALS
) -> tuple[pa.Table, pa.Table]:
    """Split the lake's rows into loadable rows (cast to ``spec.rows_schema``) and
    rejected ones (with a ``reason`` column), counting them into ``rejected``."""
    reason = _reasons(table, spec)
    ok = pc.is_null(reason)
    good = table.filter(ok).cast(spec.rows_schema)
    bad = table.append_column("reason", reason).filter(pc.invert(ok))
    if rejected is not None:
        for row in bad.to_pylist():
            why = row.pop("reason")
            rejected.add(why, row)
    return good, bad


_TOTALS_SCHEMA = pa.schema(
    [("year", pa.int32()), ("month", pa.int32()), ("day", pa.int32()),
     ("player", pa.string()), ("total", pa.int64())]
)  # fmt: skip


def _check_value(name: str, value: Any, kind: pa.DataType) -> None:
    if value is None:
        return
    if pa.types.is_string(kind):
        if not isinstance(value, str):
            raise ValueError(f"{name} is not text")
    elif pa.types.is_integer(kind):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} is not an integer")
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} is not a number")


def _read_lines(
    lake: Lake, days: Sequence[date], rejected: Rejected, zone: str, schema: pa.Schema
) -> pa.Table:
    """The rows of ``days`` parsed line by line; unreadable lines are rejected."""
    out: dict[str, list[Any]] = {name: [] for name in schema.names}
    fields = [f for f in schema if f.name not in ("year", "month", "day")]
    for day in days:
        for obj in day_files(lake, day, zone):
            for number, line in enumerate(lake.read_bytes(obj.key).splitlines(), 1):
                where = {"year": day.year, "month": day.month, "day": day.day}
                try:
                    doc = orjson.loads(line)
                    if not isinstance(doc, dict):
                        raise ValueError("not a JSON object")
                    values = {f.name: doc.get(f.name) for f in fields}
                    for f in fields:
                        _check_value(f.name, values[f.name], f.type)
                except ValueError as exc:  # orjson.JSONDecodeError is a ValueError
                    message = str(exc).splitlines()[0][:120]
                    rejected.add(
                        "unreadable-line",
                        {**where, "file": obj.name, "line": number, "error": message},
                    )
                    continue
                for key, value in (*where.items(), *values.items()):
                    out[key].append(value)
    return pa.table(out, schema=schema)


def read_rows(lake: Lake | Path, days: Sequence[date], rejected: Rejected) -> pa.Table:
    """The daily output rows of ``days`` (committed objects, on any lake): all at once
    when every object is readable, else line by line, rejecting (and counting) the lines
    that are not."""
    import duckdb

    store = as_lake(lake)
    try:
        return read_output(store, days)
    except duckdb.Error:
        return _read_lines(store, days, rejected, OUTPUT_ZONE, _TOTALS_SCHEMA)


def read_sentiment_rows(lake: Lake | Path, days: Sequence[date], rejected: Rejected) -> pa.Table:
    """:func:`read_rows` for ``players_daily_sentiment/`` (columns of
    :data:`courtside.job.output.SENTIMENT_SCHEMA`)."""
    import duckdb

    store = as_lake(lake)
    try:
        return read_sentiment_output(store, days)
    except duckdb.Error:
        return _read_lines(store, days, rejected, SENTIMENT_ZONE, SENTIMENT_SCHEMA)


def with_team(rows: pa.Table, team_of: Callable[[str], str | None]) -> pa.Table:
    """``rows`` with a ``team`` column: ``team_of(player)``, NULL for a null player."""
    players = rows["player"].to_pylist()
    teams = [team_of(p) if isinstance(p, str) else None for p in players]
    return rows.append_column("team", pa.array(teams, pa.string()))


def _export_lines(rows: pa.Table) -> dict[tuple[int, int, int], list[bytes]]:
    """The rows as JSON lines (with their year, month and day), grouped by day."""
    by_day: dict[tuple[int, int, int], list[bytes]] = {}
    for row in rows.to_pylist():
        key = (row["year"], row["month"], row["day"])
        by_day.setdefault(key, []).append(orjson.dumps(row) + b"\n")
    return by_day


def write_lake_export(lake: Lake, prefix: str, table: str, rows: pa.Table) -> str:
    """Write the loadable ``rows`` as JSON lines to ``<prefix>/<table>/year=/month=/day=/
    part-00000.json`` in the lake (what the Redshift statements COPY when the lake is on
    S3), then delete the export's objects of days no longer in ``rows``. Each object is
    replaced whole; a crash in between leaves days of the previous export, which the next
    load removes.

    Returns:
        The export's location (:meth:`Lake.engine_url` of ``<prefix>/<table>``).
    """
    root = join_key(prefix, table)
    written = set()
    for (y, m, d), lines in _export_lines(rows).items():
        key = join_key(root, date_partition(y, m, d), "part-00000.json")
        lake.put(key, lines)
        written.add(key)
    lake.delete(o.key for o in lake.list_objects(root, hidden=True) if o.key not in written)
    return lake.engine_url(root)


def write_export(root: Path, table: str, rows: pa.Table) -> Path:
    """Write the loadable ``rows`` as JSON lines under ``root/<table>/year=/month=/day=/``
    (what the Redshift statements COPY), replacing any earlier export atomically.

    Returns:
        The export folder of the table.
    """
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".staging-{secrets.token_hex(6)}"
    staging.mkdir()
    try:
        for (y, m, d), lines in _export_lines(rows).items():
            folder = staging / date_partition(y, m, d)
            folder.mkdir(parents=True)
            with open(folder / "part-00000.json", "wb") as handle:
                handle.writelines(lines)
                handle.flush()
                os.fsync(handle.fileno())
        target = root / table
        old = root / f".old-{secrets.token_hex(6)}"
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
        fsync_dir(root)
        shutil.rmtree(old, ignore_errors=True)
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)
