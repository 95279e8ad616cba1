"""The engines of the daily job: a thin strategy around the same HiveQL.

An engine is the "cluster" of the original state machine. The job (``daily.py``) drives
it through the states; the engine only knows how to start, open a catalog table, run the
day's ``INSERT OVERWRITE`` and stop:

* ``start()`` starts it (returns False when it was already running, e.g. kept alive
  between the days of one range); ``stop()`` releases everything it started.
* ``run_insert(insert, tables, lake, day)`` opens the catalog tables the query uses (as
  ``database.table``, over their committed files; their files are read only from here
  on, so unreadable input fails the ``RunQuery`` state), replaces the day's output
  partition with the query's rows and returns how many rows it wrote. The rows are
  written to a local scratch folder under the state folder (always removed), then
  published with :func:`courtside.lake.tables.publish` (objects, then the commit
  marker), so a reader of the lake sees the old day or the new one, never a mix, on a
  folder lake and on S3 alike.

The DuckDB engine is here; the Spark engine is in ``spark.py`` (pyspark imported only
when it starts).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from courtside._duckdb import connect as duckdb_connect
from courtside._process import pid_alive
from courtside.batch.engine import ENGINES
from courtside.catalog.query import duckdb_source
from courtside.catalog.store import Catalog, Table
from courtside.job.errors import EngineStartError
from courtside.job.hql import InsertOverwrite, to_duckdb_select
from courtside.job.output import OUTPUT_ZONE, publish_day
from courtside.lake.base import Lake
from courtside.sqltext import sql_literal

if TYPE_CHECKING:
    from courtside.batch.config import BatchSettings
    from courtside.engines.config import SparkSettings
    from courtside.places import Places

__all__ = ["ENGINES", "DailyEngine", "DuckDBDailyEngine", "make_engine", "scratch_folder"]


@contextmanager
def scratch_folder(places: Places, prefix: str) -> Iterator[Path]:
    """A fresh local folder under ``<state>/scratch/`` for an engine's files before they
    are published to the lake (or its inputs staged from it); always removed. Its name
    holds this process's id, so the folders a killed process left are removed here."""
    parent = places.state_dir / "scratch"
    parent.mkdir(parents=True, exist_ok=True)
    for old in parent.iterdir():
        owner = old.name.split("-", 2)[1] if old.name.count("-") >= 2 else ""
        if owner.isdigit() and not pid_alive(int(owner)):
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class DailyEngine(ABC):
    """An engine of the daily job (see the module docstring).

    The plumbing is here, once: the running state, ``run_insert`` (open the input
    tables, write the day's rows to local files, publish them). An engine says how it
    starts and stops, opens the tables and writes the rows.

    Args:
        places: Where the home folder and its catalog are.
        catalog: The catalog (default: the home folder's).
    """

    name: str
    #: How error messages name the engine.
    label: str

    def __init__(self, places: Places, catalog: Catalog | None = None) -> None:
        self.places = places
        self.catalog = catalog or Catalog.at(places)
        self._handle: Any = None  # the connection or session, between start and stop

    @property
    def running(self) -> bool:
        """True between ``start`` and ``stop``."""
        return self._handle is not None

    @abstractmethod
    def start(self) -> bool:
        """Start the engine; False when it was already running.

        Raises:
            EngineStartError: when it cannot start.
        """

    def run_insert(
        self,
        insert: InsertOverwrite,
        tables: Sequence[Table],
        lake: Lake,
        day: date,
        zone: str = OUTPUT_ZONE,
    ) -> int:
        """Open ``tables``, replace the day's partition of ``<zone>/`` in ``lake`` with
        the query's rows; return the row count."""
        if self._handle is None:
            raise EngineStartError(f"the {self.label} engine is not running")
        self._open_tables(tables, lake, (insert.database, insert.table))
        with self._write_day(insert, day) as (files, rows):
            # The lake makes the files durable as it publishes them (fsync, or an S3 put).
            publish_day(lake, day, files, zone)
        return rows

    @abstractmethod
    def _open_tables(self, tables: Sequence[Table], lake: Lake, target: tuple[str, str]) -> None:
        """Open ``tables`` as ``database.table`` over their committed files in ``lake``;
        ``target`` (database, table) is the query's output."""

    @abstractmethod
    def _write_day(
        self, insert: InsertOverwrite, day: date
    ) -> AbstractContextManager[tuple[list[Path], int]]:
        """Run the query; give the local files of the day's rows to publish (valid
        until the context ends) and the row count."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the engine (idempotent)."""


class DuckDBDailyEngine(DailyEngine):
    """Runs the translated query on an in-process DuckDB over the catalog's tables.

    Args:
        places: Where the home folder and its catalog are.
        catalog: The catalog (default: the home folder's).
        memory_limit: DuckDB's memory limit (it spills beyond it).
        threads: Worker threads (default: DuckDB's, one per core).
    """

    name = "duckdb"
    label = "DuckDB"

    def __init__(
        self,
        places: Places,
        catalog: Catalog | None = None,
        *,
        memory_limit: str = "2GB",
        threads: int | None = None,
    ) -> None:
        super().__init__(places, catalog)
        self.memory_limit = memory_limit
        self.threads = threads
        self._lakes: set[str] = set()

    def start(self) -> bool:
        """Open an in-memory DuckDB (tables are opened by ``run_insert``)."""
        if self._handle is not None:
            return False
        import duckdb

        config: dict[str, Any] = {"memory_limit": self.memory_limit}
        if self.threads:
            config["threads"] = self.threads
        try:
            self._handle = duckdb_connect(":memory:", config=config)
        except duckdb.Error as exc:
            raise EngineStartError(f"DuckDB did not start: {exc}") from None
        return True

    def _open_tables(self, tables: Sequence[Table], lake: Lake, target: tuple[str, str]) -> None:
        """Open ``tables`` as views over their committed files."""
        con = self._handle
        if lake.url not in self._lakes:  # a file system registers once per connection
            lake.register_duckdb(con)
            self._lakes.add(lake.url)
        for table in tables:
            if (table.database, table.name) == target:
                continue  # the target: DuckDB writes the day's rows to a file, never reads it
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{table.database}"')
            con.execute(
                f'CREATE OR REPLACE VIEW "{table.database}"."{table.name}" AS'
                f" SELECT * FROM {duckdb_source(table, lake)}"
            )

    @contextmanager
    def _write_day(self, insert: InsertOverwrite, day: date) -> Iterator[tuple[list[Path], int]]:
        """Write the query's rows as JSON lines into a local scratch file."""
        select = to_duckdb_select(insert.select)
        with scratch_folder(self.places, "daily-") as folder:
            path = folder / "rows.json"
            row = self._handle.execute(
                f"COPY ({select}) TO {sql_literal(str(path))} (FORMAT json)"
            ).fetchone()
            rows = int(row[0]) if row else 0
            yield ([path] if rows else []), rows

    def stop(self) -> None:
        """Close the connection."""
        con, self._handle = self._handle, None
        self._lakes = set()
        if con is not None:
            con.close()


def make_engine(
    name: str, places: Places, batch: BatchSettings, spark: SparkSettings
) -> DailyEngine:
    """The engine called ``name`` (``duckdb`` or ``spark``), not started yet, configured
    from the ``[batch]`` (DuckDB's memory and threads) and ``[spark]`` sections.

    The same signature as :func:`courtside.batch.engine.make_engine`.

    Raises:
        EngineStartError: for an unknown name.
    """
    if name == "duckdb":
        return DuckDBDailyEngine(
            places, memory_limit=f"{batch.duckdb_memory_mib}MB", threads=batch.duckdb_threads
        )
    if name == "spark":
        from courtside.job.spark import SparkDailyEngine

        return SparkDailyEngine(places, settings=spark)
    raise EngineStartError(f"unknown engine {name[:40]!r} (use {' or '.join(ENGINES)})")
