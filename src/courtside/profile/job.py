"""The profile job: profile a catalog table (or one day of it), store the profile in the
lake, register it in the catalog, record the run.

Usage::

    result = run_profile(places, catalog, "tweets", day=date(2020, 3, 1))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from courtside._duckdb import connect as duckdb_connect
from courtside.catalog.config import DEFAULT_DATABASE
from courtside.catalog.errors import NoSuchTableError
from courtside.catalog.query import duckdb_source
from courtside.catalog.store import Catalog, Table
from courtside.places import Places
from courtside.profile.compute import ColumnSpec, day_filter, profile_relation
from courtside.profile.errors import ProfileError
from courtside.profile.model import TableProfile
from courtside.profile.store import profile_folder, register_profiles, store_profile
from courtside.runs import RunRecorder

__all__ = ["ProfileRun", "find_table", "profile_table", "run_profile"]


def find_table(catalog: Catalog, name: str, default_database: str = DEFAULT_DATABASE) -> Table:
    """A catalog table by ``table`` or ``database.table``.

    Raises:
        ProfileError: when it is not in the catalog (naming the tables that are).
    """
    try:
        return catalog.find_table(name, default_database)
    except NoSuchTableError:
        known = ", ".join(t.qualified_name for t in catalog.tables()) or "none"
        raise ProfileError(
            f"cannot profile {name!r}: no such table in the catalog (tables: {known}; "
            "run courtside etl crawl)"
        ) from None


def profile_table(
    places: Places,
    catalog: Catalog,
    name: str,
    *,
    day: date | None = None,
    bins: int = 10,
    now: datetime | None = None,
    run_id: str = "",
) -> TableProfile:
    """Profile a catalog table: its rows of ``day``, or every row without ``day``.

    Args:
        places: Where the lake is (DuckDB reads S3 lakes through it).
        catalog: The catalog holding the table.
        name: ``table`` or ``database.table``.
        day: The day to profile (by the table's ``year``, ``month``, ``day`` columns).
        bins: Histogram bins.
        now: The profile's time (default: now, UTC).
        run_id: The run computing it.

    Raises:
        ProfileError: for an unknown table, or ``day`` on a table without date columns.
    """
    import duckdb

    table = find_table(catalog, name)
    con = duckdb_connect(":memory:")
    try:
        places.lake.register_duckdb(con)
        con.execute(f"CREATE TEMP VIEW src AS SELECT * FROM {duckdb_source(table, places.lake)}")
        specs = [ColumnSpec(r[0], r[1]) for r in con.execute("DESCRIBE src").fetchall()]
        relation = "src"
        if day is not None:
            try:
                relation = f"(SELECT * FROM src WHERE {day_filter(specs, day)})"
            except KeyError as exc:
                raise ProfileError(
                    f"cannot profile {table.qualified_name} for {day}: it has no "
                    f"{exc.args[0]!r} column (profile the whole table without --date)"
                ) from None
        rows, columns = profile_relation(con, relation, specs, bins=bins)
    except duckdb.Error as exc:
        raise ProfileError(f"cannot profile {table.qualified_name}: {exc}") from None
    finally:
        con.close()
    at = (now or datetime.now(UTC)).astimezone(UTC)
    return TableProfile(
        database=table.database,
        table=table.name,
        day=day or at.date(),
        scope="day" if day is not None else "table",
        rows=rows,
        columns=columns,
        profiled_at=at,
        run_id=run_id,
    )


@dataclass(frozen=True)
class ProfileRun:
    """What :func:`run_profile` did.

    Attributes:
        profile: The profile.
        keys: The lake objects written.
        catalog_table: The catalog table the profiles are registered as.
        run_id: The run record's id.
    """

    profile: TableProfile
    keys: list[str]
    catalog_table: str
    run_id: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary."""
        return {
            "table": f"{self.profile.database}.{self.profile.table}",
            "day": self.profile.day.isoformat(),
            "scope": self.profile.scope,
            "rows": self.profile.rows,
            "columns": len(self.profile.columns),
            "keys": self.keys,
            "catalog_table": self.catalog_table,
            "run_id": self.run_id,
        }


def run_profile(
    places: Places,
    catalog: Catalog,
    name: str,
    *,
    day: date | None = None,
    bins: int = 10,
    recorder: RunRecorder | None = None,
    parent: str | None = None,
) -> ProfileRun:
    """Profile a table (one day or all of it), store the profile under
    ``profiles/<table>/year=/month=/day=/``, register it in the catalog as
    ``<table>_profile`` and record the run (kind ``profile``, name the table).

    Raises:
        ProfileError: for an unknown table or a day on a table without date columns.
    """
    recorder = recorder or RunRecorder(path=places.state("runs.db"))
    params = {"table": name, "date": day.isoformat() if day else None}
    with recorder.run("profile", name, params, parent=parent) as run:
        profile = profile_table(places, catalog, name, day=day, bins=bins, run_id=run.id)
        folder = profile_folder(profile.database, profile.table)
        keys = store_profile(places.lake, profile, folder)
        registered = register_profiles(catalog, places.lake, profile.database, profile.table)
        run.set_count("rows", profile.rows)
        run.set_count("columns", len(profile.columns))
        run.detail("day", profile.day.isoformat())
        run.detail("scope", profile.scope)
        run.detail("keys", keys)
    return ProfileRun(profile, keys, registered.qualified_name, run.id)
