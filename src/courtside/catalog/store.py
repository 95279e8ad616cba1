"""The local data catalog (the Glue Data Catalog equivalent), stored in SQLite.

Databases hold tables; a table has a location (a directory or URI), a format
(``parquet`` or ``json``), columns with Hive types (nested types included), partition keys
and a list of partitions. Schema changes the crawler saw are kept as history. The file is
``<state_dir>/catalog.db`` (WAL): several processes may read and write it at once.

Database and table names are lower-case identifiers (``[a-z_][a-z0-9_]*``), so they are
safe to use as SQL identifiers.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from courtside._sqlite import transaction
from courtside.catalog.config import DEFAULT_DATABASE
from courtside.catalog.errors import CatalogError, NoSuchTableError
from courtside.catalog.types import parse_type
from courtside.config import Settings
from courtside.places import Places

__all__ = ["Catalog", "Column", "Database", "Partition", "SchemaChange", "Table", "check_name"]

FORMATS = ("parquet", "json")
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS databases (
    name TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tables (
    database TEXT NOT NULL REFERENCES databases(name), name TEXT NOT NULL,
    location TEXT NOT NULL, format TEXT NOT NULL, columns TEXT NOT NULL,
    partition_keys TEXT NOT NULL, parameters TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (database, name)
);
CREATE TABLE IF NOT EXISTS partitions (
    database TEXT NOT NULL, tbl TEXT NOT NULL, spec TEXT NOT NULL, vals TEXT NOT NULL,
    location TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (database, tbl, spec)
);
CREATE TABLE IF NOT EXISTS schema_changes (
    database TEXT NOT NULL, tbl TEXT NOT NULL, at TEXT NOT NULL, policy TEXT NOT NULL,
    applied INTEGER NOT NULL, diff TEXT NOT NULL
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def check_name(name: str, what: str = "name") -> str:
    """Return ``name`` if it is a valid catalog identifier.

    Raises:
        CatalogError: otherwise.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise CatalogError(f"invalid {what} {str(name)[:80]!r}: use [a-z_][a-z0-9_]*")
    return name


@dataclass(frozen=True)
class Column:
    """A column: name and Hive type (e.g. ``array<struct<id:string>>``)."""

    name: str
    type: str
    comment: str = ""

    def __post_init__(self) -> None:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$", self.name):
            raise CatalogError(f"invalid column name {self.name[:80]!r}")
        parse_type(self.type)


@dataclass(frozen=True)
class Database:
    """A database (a namespace of tables)."""

    name: str
    description: str
    created_at: datetime


@dataclass(frozen=True)
class Partition:
    """One partition: its key values (in partition-key order) and location."""

    values: tuple[str, ...]
    location: str
    created_at: datetime | None = None

    def spec(self, keys: Sequence[Column]) -> str:
        """``year=2020/month=03/day=01``."""
        return "/".join(f"{k.name}={v}" for k, v in zip(keys, self.values, strict=True))


@dataclass(frozen=True)
class Table:
    """A table: where its files are, their format, columns and partitions."""

    database: str
    name: str
    location: str
    format: str
    columns: tuple[Column, ...]
    partition_keys: tuple[Column, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def qualified_name(self) -> str:
        """``database.table``."""
        return f"{self.database}.{self.name}"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly description."""
        return {
            "database": self.database,
            "name": self.name,
            "location": self.location,
            "format": self.format,
            "columns": [c.__dict__ for c in self.columns],
            "partition_keys": [c.__dict__ for c in self.partition_keys],
            "parameters": self.parameters,
            "version": self.version,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


@dataclass(frozen=True)
class SchemaChange:
    """A schema difference the crawler saw: columns added, removed or retyped."""

    at: datetime
    policy: str
    applied: bool
    diff: dict[str, Any]


def _columns(raw: str) -> tuple[Column, ...]:
    return tuple(Column(**c) for c in json.loads(raw))


def _dump_columns(columns: Iterable[Column]) -> str:
    return json.dumps([c.__dict__ for c in columns])


class Catalog:
    """The catalog file. Methods open short transactions; no connection is held."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def open(cls, settings: Settings) -> Catalog:
        """The configured catalog (``[catalog] backend``): this home's
        ``<state_dir>/catalog.db``, or the Glue Data Catalog."""
        return cls.at(settings.places)

    @classmethod
    def at(cls, places: Places) -> Catalog:
        """The catalog of ``places``: the local file, or Glue (``places.catalog``)."""
        if places.catalog == "glue":
            from courtside.aws.config import AwsSettings
            from courtside.catalog.glue import GlueCatalog

            return GlueCatalog(places.aws or AwsSettings())
        return cls(places.state_dir / "catalog.db")

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self.path, _SCHEMA)

    # -- databases ---------------------------------------------------------------------
    def create_database(self, name: str = DEFAULT_DATABASE, description: str = "") -> Database:
        """Create ``name`` if missing and return it."""
        check_name(name, "database name")
        with self._tx() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO databases (name, description, created_at) VALUES (?,?,?)",
                (name, description, _now()),
            )
            row = conn.execute("SELECT * FROM databases WHERE name = ?", (name,)).fetchone()
        return Database(row[0], row[1], datetime.fromisoformat(row[2]))

    def databases(self) -> list[Database]:
        """All databases, by name."""
        with self._tx() as conn:
            rows = conn.execute("SELECT * FROM databases ORDER BY name").fetchall()
        return [Database(r[0], r[1], datetime.fromisoformat(r[2])) for r in rows]

    # -- tables ------------------------------------------------------------------------
    def tables(self, database: str | None = None) -> list[Table]:
        """Tables of ``database`` (all databases when ``None``), by name."""
        with self._tx() as conn:
            if database is None:
                rows = conn.execute("SELECT * FROM tables ORDER BY database, name").fetchall()
            else:
                rows = conn.execute(
                    "SELECT * FROM tables WHERE database = ? ORDER BY name", (database,)
                ).fetchall()
        return [self._table(r) for r in rows]

    @staticmethod
    def _table(r: tuple[Any, ...]) -> Table:
        return Table(
            database=r[0],
            name=r[1],
            location=r[2],
            format=r[3],
            columns=_columns(r[4]),
            partition_keys=_columns(r[5]),
            parameters=json.loads(r[6]),
            version=r[7],
            created_at=datetime.fromisoformat(r[8]),
            updated_at=datetime.fromisoformat(r[9]),
        )

    def get_table(self, database: str, name: str) -> Table:
        """One table.

        Raises:
            NoSuchTableError: when it is not in the catalog.
        """
        with self._tx() as conn:
            row = conn.execute(
                "SELECT * FROM tables WHERE database = ? AND name = ?", (database, name)
            ).fetchone()
        if row is None:
            raise NoSuchTableError(database, name)
        return self._table(row)

    def find_table(self, name: str, default_database: str = DEFAULT_DATABASE) -> Table:
        """A table by ``database.table`` or by ``table`` in ``default_database``."""
        database, _, table = name.rpartition(".")
        return self.get_table(database or default_database, table)

    def create_table(self, table: Table, *, replace_existing: bool = False) -> Table:
        """Store ``table`` (creating its database). Existing tables are kept unless
        ``replace_existing``; either way the stored table is returned."""
        check_name(table.database, "database name")
        check_name(table.name, "table name")
        if table.format not in FORMATS:
            raise CatalogError(f"unsupported format {table.format!r} (use one of {FORMATS})")
        self.create_database(table.database)
        self._store_table(table, replace_existing)
        return self.get_table(table.database, table.name)

    def _store_table(self, table: Table, replace_existing: bool) -> None:
        """Write a checked ``table`` whose database exists (see ``create_table``)."""
        now = _now()
        verb = "INSERT OR REPLACE" if replace_existing else "INSERT OR IGNORE"
        with self._tx() as conn:
            old = conn.execute(
                "SELECT version, created_at FROM tables WHERE database = ? AND name = ?",
                (table.database, table.name),
            ).fetchone()
            version = (old[0] + 1) if (old and replace_existing) else 1
            conn.execute(
                f"{verb} INTO tables (database, name, location, format, columns,"
                " partition_keys, parameters, version, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    table.database,
                    table.name,
                    table.location,
                    table.format,
                    _dump_columns(table.columns),
                    _dump_columns(table.partition_keys),
                    json.dumps(table.parameters, sort_keys=True),
                    version,
                    old[1] if old else now,
                    now,
                ),
            )

    def get_or_create_table(self, table: Table) -> tuple[Table, bool]:
        """The stored table named like ``table``, creating it from ``table`` if missing.

        Returns:
            ``(table, created)``.
        """
        try:
            return self.get_table(table.database, table.name), False
        except NoSuchTableError:
            return self.create_table(table), True

    def update_columns(self, database: str, name: str, columns: Sequence[Column]) -> Table:
        """Replace a table's columns (bumps its version)."""
        current = self.get_table(database, name)
        return self.create_table(replace(current, columns=tuple(columns)), replace_existing=True)

    def register_external_table(
        self,
        database: str,
        name: str,
        location: str | Path,
        format: str,
        columns: Sequence[Column],
        partition_keys: Sequence[Column] = (),
        *,
        parameters: dict[str, Any] | None = None,
    ) -> Table:
        """Create or replace a table over existing files (Hive's ``CREATE EXTERNAL
        TABLE``). Partitions are not discovered; add them or run the crawler."""
        table = Table(
            database=database,
            name=name,
            location=str(location),
            format=format,
            columns=tuple(columns),
            partition_keys=tuple(partition_keys),
            parameters=dict(parameters or {}),
        )
        return self.create_table(table, replace_existing=True)

    def drop_table(self, database: str, name: str) -> bool:
        """Remove a table and its partitions (never its files). True if it existed."""
        with self._tx() as conn:
            cur = conn.execute(
                "DELETE FROM tables WHERE database = ? AND name = ?", (database, name)
            )
            conn.execute("DELETE FROM partitions WHERE database = ? AND tbl = ?", (database, name))
        return cur.rowcount > 0

    # -- partitions --------------------------------------------------------------------
    def partitions(self, database: str, name: str) -> list[Partition]:
        """A table's partitions, sorted by their values."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT vals, location, created_at FROM partitions"
                " WHERE database = ? AND tbl = ? ORDER BY spec",
                (database, name),
            ).fetchall()
        return [
            Partition(tuple(json.loads(v)), loc, datetime.fromisoformat(at)) for v, loc, at in rows
        ]

    def add_partitions(self, database: str, name: str, partitions: Iterable[Partition]) -> int:
        """Add partitions that are not there yet; returns how many were added."""
        table = self.get_table(database, name)
        added = 0
        with self._tx() as conn:
            for part in partitions:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO partitions VALUES (?,?,?,?,?,?)",
                    (
                        database,
                        name,
                        part.spec(table.partition_keys),
                        json.dumps(list(part.values)),
                        part.location,
                        _now(),
                    ),
                )
                added += cur.rowcount
        return added

    def clear_partitions(self, database: str, name: str) -> int:
        """Remove every partition of a table (never their files); returns how many."""
        with self._tx() as conn:
            cur = conn.execute(
                "DELETE FROM partitions WHERE database = ? AND tbl = ?", (database, name)
            )
        return cur.rowcount

    def drop_partitions(self, database: str, name: str, partitions: Iterable[Partition]) -> int:
        """Remove partitions (never their files); returns how many were removed."""
        table = self.get_table(database, name)
        removed = 0
        with self._tx() as conn:
            for part in partitions:
                cur = conn.execute(
                    "DELETE FROM partitions WHERE database = ? AND tbl = ? AND spec = ?",
                    (database, name, part.spec(table.partition_keys)),
                )
                removed += cur.rowcount
        return removed

    # -- schema history ----------------------------------------------------------------
    def record_schema_change(
        self, database: str, name: str, policy: str, applied: bool, diff: dict[str, Any]
    ) -> None:
        """Keep a schema difference in the table's history."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO schema_changes VALUES (?,?,?,?,?,?)",
                (database, name, _now(), policy, int(applied), json.dumps(diff, sort_keys=True)),
            )

    def schema_changes(self, database: str, name: str) -> list[SchemaChange]:
        """A table's schema history, oldest first."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT at, policy, applied, diff FROM schema_changes"
                " WHERE database = ? AND tbl = ? ORDER BY rowid",
                (database, name),
            ).fetchall()
        return [
            SchemaChange(datetime.fromisoformat(a), p, bool(ap), json.loads(d))
            for a, p, ap, d in rows
        ]
