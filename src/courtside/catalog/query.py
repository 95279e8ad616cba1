"""Open the catalog's tables for SQL: DuckDB views (schemas = databases) or Spark SQL
tables, each named ``database.table``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from courtside._duckdb import connect as duckdb_connect
from courtside.catalog.store import Catalog, Table
from courtside.catalog.types import to_duckdb, to_spark
from courtside.config import Settings
from courtside.sqltext import sql_literal

if TYPE_CHECKING:
    import duckdb

__all__ = ["duckdb_source", "open_duckdb", "open_duckdb_read_only", "register_spark"]

_EXT = {"parquet": "parquet", "json": "json"}


def _glob(table: Table, fmt: str | None = None) -> str:
    # Hidden and "_" names (temporary files, markers) never match: DuckDB's "*" would.
    visible = "[!._]*"
    depth = f"/{visible}" * len(table.partition_keys)
    return f"{table.location.rstrip('/')}{depth}/{visible}.{_EXT[fmt or table.format]}"


def _stale_format(table: Table) -> str | None:
    """The other format the table's location holds files of, when it holds none of the
    catalogued one: the catalog is stale (e.g. dedupe switched to Parquet, no crawl)."""
    import glob

    for fmt in _EXT:
        if fmt != table.format and any(True for _ in glob.iglob(_glob(table, fmt))):
            return fmt
    return None


def _has_files(table: Table) -> bool:
    if "://" in table.location:
        return True
    import glob

    return any(True for _ in glob.iglob(_glob(table)))


def duckdb_source(table: Table) -> str:
    """A DuckDB ``FROM`` expression reading the table's files with its catalog schema
    (partition keys as ``VARCHAR`` columns from the paths)."""
    keys = [k.name for k in table.partition_keys]
    if not _has_files(table):
        cols = [f'CAST(NULL AS {to_duckdb(c.type)}) AS "{c.name}"' for c in table.columns]
        cols += [f'CAST(NULL AS VARCHAR) AS "{k}"' for k in keys]
        stale = _stale_format(table)
        where = "false"
        if stale:  # a stale catalog fails the query, never reads as an empty table
            message = (
                f"{table.qualified_name} is catalogued as {table.format} but holds {stale}"
                " files: run courtside etl crawl"
            )
            where = f"error({sql_literal(message)}) IS NULL"
        return f"(SELECT {', '.join(cols) or 'NULL AS none'} WHERE {where})"
    hive = ""
    if keys:
        types = ", ".join(f"{sql_literal(k)}: 'VARCHAR'" for k in keys)
        hive = f", hive_partitioning = true, hive_types = {{{types}}}"
    if table.format == "parquet":
        names = ", ".join(f'"{c.name}"' for c in table.columns)
        key_cols = "".join(f', "{k}"' for k in keys)
        return (
            f"(SELECT {names}{key_cols} FROM read_parquet({sql_literal(_glob(table))},"
            f" union_by_name = true{hive}))"
        )
    columns = ", ".join(
        f"{sql_literal(c.name)}: {sql_literal(to_duckdb(c.type))}" for c in table.columns
    )
    return (
        f"read_json({sql_literal(_glob(table))}, format = 'newline_delimited',"
        f" columns = {{{columns}}}{hive})"
    )


def open_duckdb(
    settings: Settings,
    *,
    catalog: Catalog | None = None,
    database: str | Path = ":memory:",
    config: dict[str, Any] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection where every catalog table is a view ``database.table``.

    Args:
        settings: The home folder.
        catalog: The catalog (default: the home folder's).
        database: DuckDB database file (default in memory).
        config: Extra DuckDB settings, e.g. ``{"memory_limit": "1GB"}``.
    """

    catalog = catalog or Catalog.open(settings)
    conn = duckdb_connect(str(database), config=config or {})
    for db in catalog.databases():
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{db.name}"')
    for table in catalog.tables():
        conn.execute(
            f'CREATE OR REPLACE VIEW "{table.database}"."{table.name}" AS'
            f" SELECT * FROM {duckdb_source(table)}"
        )
    return conn


def open_duckdb_read_only(
    settings: Settings, *, catalog: Catalog | None = None
) -> duckdb.DuckDBPyConnection:
    """:func:`open_duckdb`, then locked down for ``courtside sql``'s read-only mode: files
    readable only under the lake and the tables' locations, nothing writable, no extension
    installs or loads, configuration locked (see :mod:`courtside._duckdb_sandbox`)."""
    from courtside._duckdb_sandbox import lock_down

    catalog = catalog or Catalog.open(settings)
    conn = open_duckdb(settings, catalog=catalog)
    folders: list[Path | str] = [settings.lake]
    folders += [t.location for t in catalog.tables() if "://" not in t.location]
    lock_down(conn, folders)
    return conn


def register_spark(spark: Any, catalog: Catalog) -> list[str]:
    """Create every catalog table in a Spark session's catalog (``database.table``), with
    the catalog's schema, partition keys and partitions.

    Returns:
        The qualified names of the tables created.
    """
    names = []
    for db in catalog.databases():
        spark.sql(f"CREATE DATABASE IF NOT EXISTS `{db.name}`")
    for table in catalog.tables():
        cols = [f"`{c.name}` {to_spark(c.type)}" for c in table.columns]
        cols += [f"`{k.name}` string" for k in table.partition_keys]
        parts = ""
        if table.partition_keys:
            parts = " PARTITIONED BY (" + ", ".join(f"`{k.name}`" for k in table.partition_keys)
            parts += ")"
        qualified = f"`{table.database}`.`{table.name}`"
        spark.sql(f"DROP TABLE IF EXISTS {qualified}")
        location = table.location if "://" in table.location else Path(table.location).as_uri()
        spark.sql(
            f"CREATE TABLE {qualified} ({', '.join(cols)}) USING {table.format}{parts}"
            f" LOCATION {sql_literal(location, 'spark')}"
        )
        for part in catalog.partitions(table.database, table.name):
            spec = ", ".join(
                f"`{k.name}` = {sql_literal(v, 'spark')}"
                for k, v in zip(table.partition_keys, part.values, strict=True)
            )
            spark.sql(f"ALTER TABLE {qualified} ADD IF NOT EXISTS PARTITION ({spec})")
        names.append(table.qualified_name)
    return names
