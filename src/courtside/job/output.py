"""The daily job's output in the lake: ``players_total_tweets/year=YYYY/month=MM/day=DD/``
and ``players_daily_sentiment/year=YYYY/month=MM/day=DD/``.

Each day partition holds JSON-lines objects of ``{"player": ..., "total": ...}`` (or, in
``players_daily_sentiment/``, ``{"player", "posts", "positive", "negative", "neutral",
"avg_score"}``; the partition values live in the key, as in a Hive table partitioned by
year, month and day). Every function takes the lake (a :class:`~courtside.lake.base.Lake`,
or a folder path for a local lake) and the zone (default ``players_total_tweets``).

A day is replaced as a unit with :func:`courtside.lake.tables.publish` (data objects, then
a commit marker, then deletion of the older version), so a reader sees the old day or the
new one, never a mix, on a folder and on S3 alike, with no rename: readers take the
committed objects only (:func:`day_files`). A day that produced no rows is a marker
without data objects: it was computed. Days written before this protocol (no marker)
count every visible object.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa

from courtside._duckdb import connect as duckdb_connect
from courtside.lake.base import Lake, LakeObject, join_key
from courtside.lake.layout import date_partition
from courtside.lake.tables import committed_files, current_files, day_partitions, publish

__all__ = [
    "OUTPUT_SCHEMA",
    "OUTPUT_ZONE",
    "SENTIMENT_SCHEMA",
    "SENTIMENT_ZONE",
    "as_lake",
    "day_dir",
    "day_files",
    "day_key",
    "output_days",
    "publish_day",
    "read_output",
    "read_sentiment_output",
]

OUTPUT_ZONE = "players_total_tweets"
SENTIMENT_ZONE = "players_daily_sentiment"


def as_lake(lake: Lake | Path | str) -> Lake:
    """``lake`` itself, or the folder lake at the path ``lake``."""
    if isinstance(lake, Lake):
        return lake
    from courtside.lake import open_lake

    return open_lake(lake)


def day_key(day: date, zone: str = OUTPUT_ZONE) -> str:
    """The key of one day's partition, e.g. ``players_total_tweets/year=2020/month=03/day=01``."""
    return join_key(zone, date_partition(day.year, day.month, day.day))


def day_dir(lake: Path | str, day: date, zone: str = OUTPUT_ZONE) -> Path:
    """The folder of one day's output in a folder lake (tests and local tools)."""
    from courtside.lake.local import LocalLake

    return LocalLake(lake).path(day_key(day, zone))


def day_files(lake: Lake | Path, day: date, zone: str = OUTPUT_ZONE) -> list[LakeObject]:
    """The committed JSON objects of one day (hidden, ``_`` and ``.crc`` objects skipped)."""
    return committed_files(as_lake(lake), day_key(day, zone), suffix=".json")


def output_days(lake: Lake | Path, zone: str = OUTPUT_ZONE) -> list[date]:
    """Every day that has an output partition, oldest first (malformed folders ignored)."""
    return [day for day, _ in day_partitions(as_lake(lake), zone)]


def publish_day(
    lake: Lake, day: date, sources: Sequence[Path | bytes], zone: str = OUTPUT_ZONE
) -> list[str]:
    """Make ``sources`` (complete local JSON-lines files, consumed, or bytes) the output of
    ``day``, replacing any previous version; an empty list publishes an empty day.

    Returns:
        The keys of the published objects.
    """
    return publish(lake, day_key(day, zone), sources, ext=".json")


def _read_days(
    lake: Lake, files: list[LakeObject], columns: dict[str, str], schema: pa.Schema
) -> pa.Table:
    """Rows of JSON-lines day objects: ``year, month, day`` from the partition key, then
    ``columns`` (name -> DuckDB type), cast to ``schema``, sorted by day, then player."""
    if not files:
        return schema.empty_table()
    spec = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
    con = duckdb_connect()
    try:
        lake.register_duckdb(con)
        table = con.sql(
            "SELECT CAST(year AS INTEGER) AS year, CAST(month AS INTEGER) AS month,"
            f" CAST(day AS INTEGER) AS day, {', '.join(columns)}"
            f" FROM read_json(?, format = 'newline_delimited', columns = {{{spec}}},"
            " hive_partitioning = true,"
            " hive_types = {'year': 'VARCHAR', 'month': 'VARCHAR', 'day': 'VARCHAR'})"
            " ORDER BY year, month, day, player",
            params=[[lake.engine_url(f.key) for f in files]],
        ).to_arrow_table()
    finally:
        con.close()
    if table is None:
        return schema.empty_table()
    return table.cast(schema)


def _files_of(lake: Lake, days: Sequence[date] | None, zone: str) -> list[LakeObject]:
    if days is None:  # every day: one listing of the zone
        return current_files(lake, zone, 3, suffix=".json")
    return [f for d in days for f in day_files(lake, d, zone)]


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


def read_output(lake: Lake | Path, days: Sequence[date] | None = None) -> pa.Table:
    """The output rows of ``days`` (default: every day) as ``year, month, day, player,
    total`` (int32, int32, int32, string, int64), sorted by day, then player."""
    store = as_lake(lake)
    files = _files_of(store, days, OUTPUT_ZONE)
    return _read_days(store, files, {"player": "VARCHAR", "total": "BIGINT"}, OUTPUT_SCHEMA)


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


def read_sentiment_output(lake: Lake | Path, days: Sequence[date] | None = None) -> pa.Table:
    """The ``players_daily_sentiment/`` rows of ``days`` (default: every day) with
    :data:`SENTIMENT_SCHEMA`, sorted by day, then player."""
    store = as_lake(lake)
    files = _files_of(store, days, SENTIMENT_ZONE)
    columns = {"player": "VARCHAR", "posts": "BIGINT", "positive": "BIGINT"}
    columns |= {"negative": "BIGINT", "neutral": "BIGINT", "avg_score": "DOUBLE"}
    return _read_days(store, files, columns, SENTIMENT_SCHEMA)
