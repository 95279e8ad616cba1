"""The daily job's output in the lake: ``players_total_tweets/year=YYYY/month=MM/day=DD/``
and ``players_daily_sentiment/year=YYYY/month=MM/day=DD/``.

Each day folder holds JSON-lines files of ``{"player": ..., "total": ...}`` (or, in
``players_daily_sentiment/``, ``{"player", "posts", "positive", "negative", "neutral",
"avg_score"}``; the partition values live in the path, as in a Hive table partitioned by
year, month and day). Every function takes the zone (default ``players_total_tweets``).
A day is replaced as a whole: the new folder is written under a hidden staging name,
then swapped in with two renames, so a reader sees the old day or the new one,
never a mix (a crash between the renames leaves the day absent until it is run again,
never doubled). A day that produced no rows is an empty folder: it was computed.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa

from courtside._duckdb import connect as duckdb_connect
from courtside.lake.layout import date_partition, fsync_dir, visible_files, within

__all__ = [
    "OUTPUT_ZONE",
    "SENTIMENT_SCHEMA",
    "SENTIMENT_ZONE",
    "day_dir",
    "day_files",
    "new_staging_dir",
    "output_days",
    "read_output",
    "read_sentiment_output",
    "replace_day",
]

OUTPUT_ZONE = "players_total_tweets"
SENTIMENT_ZONE = "players_daily_sentiment"
_DAY_DIR = re.compile(r"year=([0-9]{4})/month=([0-9]{2})/day=([0-9]{2})")


def day_dir(lake: Path, day: date, zone: str = OUTPUT_ZONE) -> Path:
    """The folder of one day's output."""
    return within(lake, f"{zone}/{date_partition(day.year, day.month, day.day)}")


def day_files(lake: Path, day: date, zone: str = OUTPUT_ZONE) -> list[Path]:
    """The visible JSON files of one day (hidden, ``_`` and ``.crc`` files skipped)."""
    return visible_files(day_dir(lake, day, zone), "*.json")


def output_days(lake: Path, zone: str = OUTPUT_ZONE) -> list[date]:
    """Every day that has an output folder, oldest first (malformed folders ignored)."""
    root = lake / zone
    days: list[date] = []
    if not root.is_dir():
        return days
    for path in root.glob("year=*/month=*/day=*"):
        match = _DAY_DIR.fullmatch(path.relative_to(root).as_posix())
        if not match or not path.is_dir():
            continue
        try:
            days.append(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            continue
    return sorted(days)


def new_staging_dir(lake: Path, zone: str = OUTPUT_ZONE) -> Path:
    """A fresh hidden folder under the zone to write a day before swapping it in."""
    path = within(lake, f"{zone}/.staging-{secrets.token_hex(6)}")
    path.mkdir(parents=True)
    return path


def replace_day(lake: Path, day: date, staged: Path, zone: str = OUTPUT_ZONE) -> None:
    """Make ``staged`` (a folder from :func:`new_staging_dir`) the output of ``day``,
    replacing any previous output of that day."""
    target = day_dir(lake, day, zone)
    target.parent.mkdir(parents=True, exist_ok=True)
    old: Path | None = None
    if target.exists():
        # Outside the year=/month=/day= tree, so no reader's glob ever sees both copies.
        old = within(lake, f"{zone}/.old-{secrets.token_hex(6)}")
        os.replace(target, old)
    try:
        os.replace(staged, target)
        fsync_dir(target.parent)
    except BaseException:
        if old is not None and not target.exists():
            os.replace(old, target)
            old = None
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _read_days(files: list[str], columns: dict[str, str], schema: pa.Schema) -> pa.Table:
    """Rows of JSON-lines day files: ``year, month, day`` from the partition path, then
    ``columns`` (name -> DuckDB type), cast to ``schema``, sorted by day, then player."""
    if not files:
        return schema.empty_table()
    spec = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
    con = duckdb_connect()
    try:
        table = con.sql(
            "SELECT CAST(year AS INTEGER) AS year, CAST(month AS INTEGER) AS month,"
            f" CAST(day AS INTEGER) AS day, {', '.join(columns)}"
            f" FROM read_json(?, format = 'newline_delimited', columns = {{{spec}}},"
            " hive_partitioning = true,"
            " hive_types = {'year': 'VARCHAR', 'month': 'VARCHAR', 'day': 'VARCHAR'})"
            " ORDER BY year, month, day, player",
            params=[files],
        ).to_arrow_table()
    finally:
        con.close()
    if table is None:
        return schema.empty_table()
    return table.cast(schema)


#: ``players_total_tweets`` rows as :func:`read_output` returns them.
OUTPUT_SCHEMA = pa.schema(
    [
        ("year", pa.int32()),
        ("month", pa.int32()),
        ("day", pa.int32()),
        ("player", pa.string()),
        ("total", pa.int64()),
    ]
)


def read_output(lake: Path, days: Sequence[date] | None = None) -> pa.Table:
    """The output rows of ``days`` (default: every day) as ``year, month, day, player,
    total`` (int32, int32, int32, string, int64), sorted by day, then player."""
    wanted = output_days(lake) if days is None else list(days)
    files = [str(f) for d in wanted for f in day_files(lake, d)]
    return _read_days(files, {"player": "VARCHAR", "total": "BIGINT"}, OUTPUT_SCHEMA)


#: ``players_daily_sentiment`` rows as :func:`read_sentiment_output` returns them.
SENTIMENT_SCHEMA = pa.schema(
    [
        ("year", pa.int32()),
        ("month", pa.int32()),
        ("day", pa.int32()),
        ("player", pa.string()),
        ("posts", pa.int64()),
        ("positive", pa.int64()),
        ("negative", pa.int64()),
        ("neutral", pa.int64()),
        ("avg_score", pa.float64()),
    ]
)


def read_sentiment_output(lake: Path, days: Sequence[date] | None = None) -> pa.Table:
    """The ``players_daily_sentiment/`` rows of ``days`` (default: every day) with
    :data:`SENTIMENT_SCHEMA`, sorted by day, then player."""
    wanted = output_days(lake, SENTIMENT_ZONE) if days is None else list(days)
    files = [str(f) for d in wanted for f in day_files(lake, d, SENTIMENT_ZONE)]
    columns = {"player": "VARCHAR", "posts": "BIGINT", "positive": "BIGINT"}
    columns |= {"negative": "BIGINT", "neutral": "BIGINT", "avg_score": "DOUBLE"}
    return _read_days(files, columns, SENTIMENT_SCHEMA)
