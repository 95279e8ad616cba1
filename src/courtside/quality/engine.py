"""Where checks run: a DuckDB connection over the catalog (the embedded default) or a
Spark session with the catalog registered. Both take the same SQL text, built by
:mod:`courtside.quality.checks` with the engine's quoting dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from courtside._duckdb import connect as duckdb_connect
from courtside.catalog.query import duckdb_source, register_spark
from courtside.catalog.store import Catalog, Table
from courtside.places import Places
from courtside.sqltext import Dialect, sql_ident

__all__ = ["DuckDBEngine", "QueryEngine", "SparkEngine"]


class QueryEngine(Protocol):
    """Runs the checks' SQL.

    Attributes:
        dialect: How identifiers and literals are quoted (``duckdb`` or ``spark``).
    """

    dialect: Dialect

    def relation(self, table: Table) -> str:
        """The ``FROM`` name of a catalog table."""

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """``(column names, rows)`` of a query."""

    def close(self) -> None:
        """Release the engine's resources."""


class DuckDBEngine:
    """Checks on DuckDB: each checked table is a view ``"database"."table"`` over its
    files, read through the lake seam (local folder or S3)."""

    dialect: Dialect = "duckdb"

    def __init__(self, places: Places) -> None:

        self.con = duckdb_connect(":memory:")
        self.lake = places.lake
        self.lake.register_duckdb(self.con)
        self._views: set[str] = set()

    def relation(self, table: Table) -> str:
        name = f"{sql_ident(table.database)}.{sql_ident(table.name)}"
        if table.qualified_name not in self._views:
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {sql_ident(table.database)}")
            self.con.execute(
                f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {duckdb_source(table, self.lake)}"
            )
            self._views.add(table.qualified_name)
        return name

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        cur = self.con.execute(sql)
        names = [d[0] for d in cur.description or []]
        return names, cur.fetchall()

    def close(self) -> None:
        self.con.close()


class SparkEngine:
    """Checks on Spark SQL: the catalog's tables are registered in the session (as for
    ``courtside sql --engine spark``) and the same SQL runs there.

    Args:
        spark: A ``SparkSession`` (the caller owns it and stops it).
        catalog: The catalog whose tables are registered.
    """

    dialect: Dialect = "spark"

    def __init__(self, spark: Any, catalog: Catalog) -> None:
        self.spark = spark
        register_spark(spark, catalog)

    def relation(self, table: Table) -> str:
        return f"{sql_ident(table.database, 'spark')}.{sql_ident(table.name, 'spark')}"

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        df = self.spark.sql(sql)
        names: Sequence[str] = df.columns
        return list(names), [tuple(row) for row in df.collect()]

    def close(self) -> None:
        """The session belongs to the caller."""
