"""The engines behind ``courtside sql``: a DuckDB or Spark SQL session over the catalog,
read-only unless ``write`` (see :mod:`courtside._duckdb_sandbox` for DuckDB)."""

from __future__ import annotations

import re
from typing import Any, Protocol

from courtside.catalog.store import Catalog
from courtside.config import Settings

__all__ = ["DuckDBSession", "Session", "SparkSqlSession"]

Rows = tuple[list[str], list[tuple[Any, ...]]]


class Session(Protocol):
    """One SQL session: runs statements, splits a text into them, closes."""

    engine: str
    write: bool

    def run(self, query: str) -> Rows:
        """Run one statement (several with ``write`` on DuckDB); the last result."""

    def split(self, text: str) -> list[str]:
        """The statements of ``text``, in order."""

    def close(self) -> None:
        """Release the engine."""


class DuckDBSession:
    """An in-memory DuckDB with every catalog table as a view ``database.table``."""

    engine = "duckdb"

    def __init__(self, settings: Settings, catalog: Catalog, *, write: bool = False) -> None:
        from courtside.catalog.query import open_duckdb, open_duckdb_read_only

        self.write = write
        self.conn = (
            open_duckdb(settings, catalog=catalog)
            if write
            else open_duckdb_read_only(settings, catalog=catalog)
        )

    def run(self, query: str) -> Rows:
        if not self.write:
            from courtside._duckdb_sandbox import check_read_only

            check_read_only(self.conn, query)
        rel = self.conn.sql(query)
        if rel is None:
            return [], []
        return list(rel.columns), rel.fetchall()

    def split(self, text: str) -> list[str]:
        return [s.query for s in self.conn.extract_statements(text)]

    def close(self) -> None:
        self.conn.close()


# Read-only Spark statements that Spark models as commands.
_SPARK_READS = frozenset(
    {"ShowTables", "ShowNamespaces", "ShowColumns", "DescribeRelation", "DescribeColumn",
     "ShowFunctions", "ShowViews", "ShowPartitions", "DescribeNamespace"}
)  # fmt: skip
_NODE = re.compile(r"^[\s:+\-|'!]*([A-Za-z][A-Za-z0-9]*)", re.MULTILINE)


class SparkSqlSession:
    """A Spark session (``[spark]``: local or a cluster) with every catalog table
    registered (``database.table``).

    Read-only: Spark's own parser must produce a query plan (or a SHOW/DESCRIBE);
    commands (DDL, SET, ADD JAR, CACHE, ...) and inserts (INSERT, INSERT OVERWRITE
    DIRECTORY) are refused before anything runs, and path-based tables (``csv.`/path```)
    are switched off (``spark.sql.runSQLOnFiles``). Spark has no file sandbox like
    DuckDB's: for untrusted SQL prefer the DuckDB engine.
    """

    engine = "spark"

    def __init__(self, settings: Settings, catalog: Catalog, *, write: bool = False) -> None:
        from courtside.catalog.query import register_spark
        from courtside.engines.spark import spark_session

        self.write = write
        self.spark = spark_session(settings.spark, app="courtside-sql", home=settings.home)
        self.spark.sparkContext.setLogLevel("ERROR")
        register_spark(self.spark, catalog)
        if not write:
            self.spark.conf.set("spark.sql.runSQLOnFiles", "false")

    def check(self, query: str) -> None:
        """Raise :class:`ReadOnlyStatementError` unless ``query`` only reads."""
        from courtside._duckdb_sandbox import ReadOnlyStatementError

        jvm = self.spark._jvm
        plan = self.spark._jsparkSession.sessionState().sqlParser().parsePlan(query)
        root = str(plan.getClass().getSimpleName())
        if root in _SPARK_READS:
            return
        command = jvm.java.lang.Class.forName("org.apache.spark.sql.catalyst.plans.logical.Command")
        nodes = _NODE.findall(str(plan.treeString()))
        writes = [
            n for n in nodes if n.startswith("Insert") or n.endswith(("Command", "Statement"))
        ]
        if command.isInstance(plan) or writes:
            raise ReadOnlyStatementError(
                f"read-only mode runs queries only (SELECT, SHOW, DESCRIBE), not {root}; "
                "add --write to run it"
            )

    def run(self, query: str) -> Rows:
        if not self.write:
            self.check(query)
        df = self.spark.sql(query)
        return list(df.columns), [tuple(r) for r in df.collect()]

    def split(self, text: str) -> list[str]:
        return [text.strip().rstrip(";")]

    def close(self) -> None:
        self.spark.stop()
