"""Profiles in the lake (``profiles/<table>/year=YYYY/month=MM/day=DD/``), their catalog
tables (``<table>_profile``) and the reads the dashboard needs.

Each day of a table's profiles is one Parquet object published with
:func:`courtside.lake.tables.publish`, so re-profiling a day replaces it as a unit on a
folder and on S3 alike, and readers (:func:`read_profile`) see the old profile or the new
one, never a mix.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from courtside.catalog.errors import NoSuchTableError
from courtside.catalog.store import Catalog, Column, Partition, Table, check_name
from courtside.lake import Lake, date_partition, join_key
from courtside.lake.tables import committed_files, partitions, publish
from courtside.profile.model import PROFILE_COLUMNS, TableProfile

__all__ = [
    "PROFILES_ZONE",
    "latest_profile",
    "latest_profiles",
    "null_share_history",
    "profile_days",
    "profile_folder",
    "profiled_tables",
    "read_profile",
    "register_profiles",
    "store_profile",
]

PROFILES_ZONE = "profiles"
_PARTITION_KEYS = ("year", "month", "day")


def profile_folder(database: str, table: str, default_database: str = "twitter_nba_db") -> str:
    """The folder name of a table's profiles: the table name (``db.table`` outside the
    default database)."""
    check_name(table, "table name")
    check_name(database, "database name")
    return table if database == default_database else f"{database}.{table}"


def _arrow_schema() -> Any:
    import pyarrow as pa

    bins = pa.list_(pa.struct([("lo", pa.float64()), ("hi", pa.float64()), ("count", pa.int64())]))
    types = {
        "string": pa.string(),
        "bigint": pa.int64(),
        "int": pa.int32(),
        "double": pa.float64(),
        "boolean": pa.bool_(),
        "array<struct<value:string,count:bigint>>": pa.list_(
            pa.struct([("value", pa.string()), ("count", pa.int64())])
        ),
    }
    return pa.schema([(name, types.get(hive, bins)) for name, hive in PROFILE_COLUMNS])


def _partition(folder: str, day: date) -> str:
    return join_key(PROFILES_ZONE, folder, date_partition(day.year, day.month, day.day))


def store_profile(lake: Lake, profile: TableProfile, folder: str | None = None) -> list[str]:
    """Publish ``profile`` as the profile of its table and day; return the object keys."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = folder or profile_folder(profile.database, profile.table)
    table = pa.Table.from_pylist(profile.to_rows(), schema=_arrow_schema())
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    meta = {"rows": profile.rows, "columns": len(profile.columns), "table": profile.table}
    return publish(
        lake,
        _partition(folder, profile.day),
        [buffer.getvalue()],
        ext=".parquet",
        run_id=None,
        meta=meta,
    )


def register_profiles(catalog: Catalog, lake: Lake, database: str, table: str) -> Table:
    """Create (or keep) the catalog table ``<database>.<table>_profile`` over the table's
    profiles and add their day partitions."""
    folder = profile_folder(database, table)
    name = check_name(f"{table}_profile"[:64], "table name")
    location = lake.engine_url(join_key(PROFILES_ZONE, folder))
    columns = tuple(Column(n, t) for n, t in PROFILE_COLUMNS)
    keys = tuple(Column(k, "string") for k in _PARTITION_KEYS)
    try:
        current: Table | None = catalog.get_table(database, name)
    except NoSuchTableError:
        current = None
    if (
        current is None
        or current.columns != columns
        or current.partition_keys != keys
        or current.location != location
    ):
        current = catalog.register_external_table(
            database, name, location, "parquet", columns, keys, parameters={"profile_of": table}
        )
    found = []
    for spec in partitions(lake, join_key(PROFILES_ZONE, folder)):
        values = tuple(part.split("=", 1)[1] for part in spec.split("/"))
        found.append(Partition(values, lake.engine_url(join_key(PROFILES_ZONE, folder, spec))))
    catalog.add_partitions(database, name, found)
    return current


def profiled_tables(lake: Lake) -> list[str]:
    """The folders under ``profiles/`` (one per profiled table)."""
    return lake.list_folders(PROFILES_ZONE)


def profile_days(lake: Lake, folder: str) -> list[date]:
    """The days a table has a profile for, oldest first."""
    days = []
    for spec in partitions(lake, join_key(PROFILES_ZONE, folder)):
        y, m, d = (int(part.split("=", 1)[1]) for part in spec.split("/"))
        days.append(date(y, m, d))
    return sorted(days)


def read_profile(lake: Lake, folder: str, day: date) -> TableProfile | None:
    """The stored profile of one table and day (None when there is none)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = committed_files(lake, _partition(folder, day), suffix=".parquet")
    rows: list[dict[str, Any]] = []
    for obj in files:
        rows += pq.read_table(pa.BufferReader(lake.read_bytes(obj.key))).to_pylist()
    return TableProfile.from_rows(rows, day) if rows else None


def latest_profile(lake: Lake, folder: str) -> TableProfile | None:
    """The newest stored profile of a table."""
    for day in reversed(profile_days(lake, folder)):
        found = read_profile(lake, folder, day)
        if found is not None:
            return found
    return None


def latest_profiles(lake: Lake) -> list[TableProfile]:
    """The newest profile of every profiled table (the dashboard's overview)."""
    out = []
    for folder in profiled_tables(lake):
        found = latest_profile(lake, folder)
        if found is not None:
            out.append(found)
    return out


def null_share_history(lake: Lake, folder: str) -> list[dict[str, Any]]:
    """Null share per column and day, oldest first: ``{"day", "column", "null_share",
    "rows"}`` rows for the dashboard's "null share over days" chart."""
    out = []
    for day in profile_days(lake, folder):
        found = read_profile(lake, folder, day)
        if found is None:
            continue
        for col in found.columns:
            out.append(
                {
                    "day": day,
                    "column": col.column_name,
                    "null_share": col.null_share,
                    "rows": found.rows,
                }
            )
    return out
