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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from courtside.job.output import day_files, read_output
from courtside.lake.layout import date_partition, fsync_dir
from courtside.warehouse.base import PLAYER_MAX_CHARS, ROWS_SCHEMA

__all__ = ["Rejected", "prepare_rows", "read_rows", "write_export"]

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


def _reasons(table: pa.Table) -> pa.Array:
    """The first reason each row is rejected for (null when it is loadable)."""
    player, total = table["player"], table["total"]
    checks = [
        ("missing-player", pc.is_null(player)),
        ("player-nul", pc.match_substring(player, "\x00")),
        ("player-control-char", pc.match_substring_regex(player, _CONTROL)),
        ("player-too-long", pc.greater(pc.binary_length(player), PLAYER_MAX_CHARS)),
        ("bad-total", pc.is_null(total)),
        ("bad-total", pc.or_(pc.less(total, 0), pc.greater(total, INT32_MAX))),
    ]
    reason = pa.nulls(table.num_rows, pa.string())
    for name, failed in reversed(checks):  # the first failing check wins
        failed = pc.fill_null(failed, False)
        reason = pc.if_else(failed, pa.scalar(name), reason)
    return reason


def prepare_rows(table: pa.Table, rejected: Rejected | None = None) -> tuple[pa.Table, pa.Table]:
    """Split the lake's rows into loadable rows (cast to :data:`ROWS_SCHEMA`) and
    rejected ones (with a ``reason`` column), counting them into ``rejected``."""
    reason = _reasons(table)
    ok = pc.is_null(reason)
    good = table.filter(ok).cast(ROWS_SCHEMA)
    bad = table.append_column("reason", reason).filter(pc.invert(ok))
    if rejected is not None:
        for row in bad.to_pylist():
            why = row.pop("reason")
            rejected.add(why, row)
    return good, bad


def _read_lines(lake: Path, days: Sequence[date], rejected: Rejected) -> pa.Table:
    """The rows of ``days`` parsed line by line; unreadable lines are rejected."""
    out: dict[str, list[Any]] = {k: [] for k in ("year", "month", "day", "player", "total")}
    for day in days:
        for path in day_files(lake, day):
            for number, line in enumerate(path.read_bytes().splitlines(), 1):
                where = {"year": day.year, "month": day.month, "day": day.day}
                try:
                    doc = orjson.loads(line)
                    if not isinstance(doc, dict):
                        raise ValueError("not a JSON object")
                    player, total = doc.get("player"), doc.get("total")
                    if player is not None and not isinstance(player, str):
                        raise ValueError("player is not text")
                    if total is not None and (
                        isinstance(total, bool) or not isinstance(total, int)
                    ):
                        raise ValueError("total is not an integer")
                except ValueError as exc:  # orjson.JSONDecodeError is a ValueError
                    message = str(exc).splitlines()[0][:120]
                    rejected.add(
                        "unreadable-line",
                        {**where, "file": path.name, "line": number, "error": message},
                    )
                    continue
                for key, value in (*where.items(), ("player", player), ("total", total)):
                    out[key].append(value)
    schema = pa.schema(
        [("year", pa.int32()), ("month", pa.int32()), ("day", pa.int32()),
         ("player", pa.string()), ("total", pa.int64())]
    )  # fmt: skip
    return pa.table(out, schema=schema)


def read_rows(lake: Path, days: Sequence[date], rejected: Rejected) -> pa.Table:
    """The daily output rows of ``days``: all at once when every file is readable, else
    line by line, rejecting (and counting) the lines that are not."""
    import duckdb

    try:
        return read_output(lake, days)
    except duckdb.Error:
        return _read_lines(lake, days, rejected)


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
        by_day: dict[tuple[int, int, int], list[bytes]] = {}
        for row in rows.to_pylist():
            key = (row["year"], row["month"], row["day"])
            by_day.setdefault(key, []).append(orjson.dumps(row) + b"\n")
        for (y, m, d), lines in by_day.items():
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
