"""Open the catalog's tables for SQL: DuckDB views (schemas = databases) or Spark SQL
tables, each named ``database.table``.

A table's files are the *committed* objects of its partitions, listed through the lake
seam (:mod:`courtside.lake.tables`: a partition replaced as a unit shows its newest
committed version only; a partition without a commit marker counts every visible
object), and engines read them at :meth:`~courtside.lake.base.Lake.engine_url`, so the
same views work on a folder lake and on S3 (DuckDB reads S3 through
:meth:`~courtside.lake.base.Lake.register_duckdb`). A view lists the files when it is
created: open the tables again to see a newer version of the lake.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from courtside._duckdb import connect as duckdb_connect
from courtside.catalog.errors import CatalogError
from courtside.catalog.store import Catalog, Table
from courtside.catalog.types import to_duckdb, to_spark
from courtside.config import Settings
from courtside.lake.base import Lake, LakeObject
from courtside.lake.tables import current_files
from courtside.sqltext import sql_literal

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "duckdb_source",
    "open_duckdb",
    "open_duckdb_read_only",
    "register_spark",
    "staged_for_spark",
    "table_objects",
]

log = logging.getLogger(__name__)

_EXT = {"parquet": "parquet", "json": "json"}


def _locate(table: Table, lake: Lake | None) -> tuple[Lake, str] | None:
    """The lake holding the table's files and the table's key in it: ``lake`` when the
    location is under it, else a folder lake at a local location (None: an object-store
    location outside ``lake``, read by URL)."""
    location = table.location.rstrip("/")
    if lake is not None:
        base = lake.engine_url("").rstrip("/")
        if location == base:
            return lake, ""
        if location.startswith(base + "/"):
            return lake, location[len(base) + 1 :]
    if "://" in location:
        return None
    from courtside.lake.local import LocalLake

    return LocalLake(location), ""


def table_objects(
    table: Table, lake: Lake | None = None, fmt: str | None = None
) -> tuple[Lake, list[LakeObject]] | None:
    """The lake and the committed data objects of ``table`` (of ``fmt``, default the
    table's format), partition by partition; None for a location no lake serves."""
    found = _locate(table, lake)
    if found is None:
        return None
    store, root = found
    suffix = f".{_EXT[fmt or table.format]}"
    return store, current_files(store, root, len(table.partition_keys), suffix=suffix)


def _glob(table: Table, fmt: str | None = None) -> str:
    # Hidden and "_" names (temporary files, markers) never match: DuckDB's "*" would.
    visible = "[!._]*"
    depth = f"/{visible}" * len(table.partition_keys)
    return f"{table.location.rstrip('/')}{depth}/{visible}.{_EXT[fmt or table.format]}"


def _stale_format(table: Table, lake: Lake | None) -> str | None:
    """The other format the table's location holds files of, when it holds none of the
    catalogued one: the catalog is stale (e.g. dedupe switched to Parquet, no crawl)."""
    for fmt in _EXT:
        if fmt != table.format:
            found = table_objects(table, lake, fmt)
            if found is not None and found[1]:
                return fmt
    return None


def _empty_source(table: Table, lake: Lake | None) -> str:
    keys = [k.name for k in table.partition_keys]
    cols = [f'CAST(NULL AS {to_duckdb(c.type)}) AS "{c.name}"' for c in table.columns]
    cols += [f'CAST(NULL AS VARCHAR) AS "{k}"' for k in keys]
    stale = _stale_format(table, lake)
    where = "false"
    if stale:  # a stale catalog fails the query, never reads as an empty table
        message = (
            f"{table.qualified_name} is catalogued as {table.format} but holds {stale}"
            " files: run courtside etl crawl"
        )
        where = f"error({sql_literal(message)}) IS NULL"
    return f"(SELECT {', '.join(cols) or 'NULL AS none'} WHERE {where})"


def duckdb_source(table: Table, lake: Lake | None = None) -> str:
    """A DuckDB ``FROM`` expression reading the table's committed files with its catalog
    schema (partition keys as ``VARCHAR`` columns from the keys).

    Args:
        table: The catalog table.
        lake: The lake its location is under (default: a local location is read as a
            folder); on S3 the connection must have :meth:`Lake.register_duckdb` run.
    """
    keys = [k.name for k in table.partition_keys]
    found = table_objects(table, lake)
    if found is None:
        source = sql_literal(_glob(table))
    else:
        store, files = found
        if not files:
            return _empty_source(table, lake)
        base = store.engine_url("").rstrip("/")  # listed keys are valid: no check per key
        source = "[" + ", ".join(sql_literal(f"{base}/{f.key}") for f in files) + "]"
    hive = ""
    if keys:
        types = ", ".join(f"{sql_literal(k)}: 'VARCHAR'" for k in keys)
        hive = f", hive_partitioning = true, hive_types = {{{types}}}"
    if table.format == "parquet":
        names = ", ".join(f'"{c.name}"' for c in table.columns)
        key_cols = "".join(f', "{k}"' for k in keys)
        return f"(SELECT {names}{key_cols} FROM read_parquet({source}, union_by_name = true{hive}))"
    columns = ", ".join(
        f"{sql_literal(c.name)}: {sql_literal(to_duckdb(c.type))}" for c in table.columns
    )
    return f"read_json({source}, format = 'newline_delimited', columns = {{{columns}}}{hive})"


def open_duckdb(
    settings: Settings,
    *,
    catalog: Catalog | None = None,
    database: str | Path = ":memory:",
    config: dict[str, Any] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection where every catalog table is a view ``database.table`` over
    its committed files (read through the lake seam, on a folder or on S3).

    Args:
        settings: The home folder.
        catalog: The catalog (default: the home folder's).
        database: DuckDB database file (default in memory).
        config: Extra DuckDB settings, e.g. ``{"memory_limit": "1GB"}``.
    """
    places = settings.places
    catalog = catalog or Catalog.at(places)
    lake = places.lake
    conn = duckdb_connect(str(database), config=config or {})
    try:
        lake.register_duckdb(conn)
        for db in catalog.databases():
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{db.name}"')
        for table in catalog.tables():
            if "://" in table.location and _locate(table, lake) is None:
                # A catalog shared with other lakes (Glue) may hold tables this lake does
                # not serve: they are not queryable here, the others still are.
                log.warning(
                    "%s is not queryable here: its location %s is outside the lake %s",
                    table.qualified_name,
                    table.location,
                    lake.describe(),
                )
                continue
            conn.execute(
                f'CREATE OR REPLACE VIEW "{table.database}"."{table.name}" AS'
                f" SELECT * FROM {duckdb_source(table, lake)}"
            )
    except BaseException:
        conn.close()
        raise
    return conn


def open_duckdb_read_only(
    settings: Settings, *, catalog: Catalog | None = None
) -> duckdb.DuckDBPyConnection:
    """:func:`open_duckdb`, then locked down for ``courtside sql``'s read-only mode: files
    readable only under the lake and the tables' locations, nothing writable, no extension
    installs or loads, configuration locked (see :mod:`courtside._duckdb_sandbox`)."""
    from courtside._duckdb_sandbox import lock_down

    places = settings.places
    catalog = catalog or Catalog.at(places)
    conn = open_duckdb(settings, catalog=catalog)
    lake = places.lake
    folders: list[Path | str] = [lake.engine_url("")]
    folders += [t.location for t in catalog.tables() if "://" not in t.location]
    lock_down(conn, folders)
    return conn


def _link_or_fetch(lake: Lake, obj: LakeObject, target: Path) -> None:
    """Put the object ``obj`` at the local path ``target``: a hard link to a folder
    lake's file (a copy across file systems), a download otherwise."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if lake.is_local:
        source = Path(lake.engine_url(obj.key))
        try:
            target.hardlink_to(source)
            return
        except OSError:
            shutil.copyfile(source, target)
            return
    with lake.open(obj.key) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 22)


@contextmanager
def staged_for_spark(
    lake: Lake, tables: list[Table], scratch: Path, *, inputs: list[Table] | None = None
) -> Iterator[dict[str, str]]:
    """Local copies of tables for Spark, which reads neither uncommitted objects' absence
    nor ``s3://`` here (no hadoop-aws): a scratch folder per table under ``scratch``
    (removed on exit), holding hard links to (folder lake) or downloads of (S3) the
    committed files of each table in ``inputs`` (default: all of ``tables``), in their
    partition folders; the other tables' folders start empty.

    Yields:
        Qualified table name -> the local folder to use as its location.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="spark-", dir=scratch))
    wanted = {t.qualified_name for t in (tables if inputs is None else inputs)}
    try:
        locations: dict[str, str] = {}
        for n, table in enumerate(tables):
            local = folder / f"t{n}-{table.database}.{table.name}"
            local.mkdir()
            locations[table.qualified_name] = str(local)
            if table.qualified_name not in wanted:
                continue
            found = table_objects(table, lake)
            if found is None:
                locations[table.qualified_name] = table.location
                continue
            store, files = found
            base = _locate(table, lake)
            root = base[1] if base else ""
            for obj in files:
                rel = obj.key[len(root) + 1 :] if root else obj.key
                _link_or_fetch(store, obj, local / rel)
        yield locations
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def register_spark(
    spark: Any, catalog: Catalog, locations: dict[str, str] | None = None
) -> list[str]:
    """Create every catalog table in a Spark session's catalog (``database.table``), with
    the catalog's schema, partition keys and partitions.

    Args:
        spark: The session.
        catalog: The catalog.
        locations: Local folders to use instead of some tables' locations (qualified
            name -> folder, from :func:`staged_for_spark`).

    Returns:
        The qualified names of the tables created.

    Raises:
        CatalogError: for a table on an object store that is not staged in ``locations``
            (this Spark has no S3 file system: the hadoop-aws jar cannot be installed).
    """
    overrides = locations or {}
    for table in catalog.tables():
        where = overrides.get(table.qualified_name, table.location)
        if "://" in where and not where.startswith("file://"):
            raise CatalogError(
                f"Spark cannot read {table.qualified_name} at {where[:200]}: this Spark has no"
                " S3 file system (hadoop-aws); use the DuckDB engine (--engine duckdb)"
            )
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
        where = overrides.get(table.qualified_name, table.location)
        location = where if where.startswith("file://") else Path(where).as_uri()
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
