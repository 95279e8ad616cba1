"""The Spark SQL engine of the daily job: the HiveQL ``INSERT OVERWRITE`` runs as it is.

The catalog's tables are created in the session's catalog (``database.table``, with
their partitions), like EMR's Hive reading the Glue catalog. Spark reads and writes
local folders here (it would read a partition's uncommitted objects, and it cannot read
``s3://`` without the hadoop-aws jar), so each range of days stages its inputs: the
committed files of the input table are hard-linked (folder lake) or downloaded (S3) into
a scratch folder under the state folder, the tables are created over that folder, the
``INSERT OVERWRITE`` writes the day there, and its JSON files are published to the lake
with :func:`courtside.lake.tables.publish`, as the DuckDB engine does. The scratch
folder is removed when the engine stops. The session comes from
:func:`courtside.engines.spark.spark_session` (``[spark]``: ``local[*]`` by default, or a
cluster's master); pyspark is imported only when the engine starts. Java 17 is needed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from courtside.catalog.store import Catalog, Table
from courtside.engines.spark import java_missing_reason, spark_session, submitted
from courtside.job.engines import DailyEngine, scratch_folder
from courtside.job.errors import EngineStartError
from courtside.job.hql import InsertOverwrite
from courtside.lake.base import Lake
from courtside.lake.layout import date_partition

if TYPE_CHECKING:
    from courtside.engines.config import SparkSettings
    from courtside.places import Places

__all__ = ["SparkDailyEngine", "java_missing_reason"]

# The daily job's shuffle partitions unless ``[spark] shuffle_partitions`` sets them.
_SHUFFLE_PARTITIONS = 4


class SparkDailyEngine(DailyEngine):
    """Runs the daily HiveQL on Spark SQL.

    Args:
        places: Where the home folder and its catalog are.
        catalog: The catalog (default: the home folder's).
        spark: An existing session to use (never stopped by this engine).
        settings: The ``[spark]`` section of a session this engine starts.
    """

    name = "spark"
    label = "Spark"

    def __init__(
        self,
        places: Places,
        catalog: Catalog | None = None,
        *,
        spark: Any = None,
        settings: SparkSettings | None = None,
    ) -> None:
        super().__init__(places, catalog)
        self.settings = settings
        self._given = spark
        self._owned = False
        self._registered = False
        self._staged: ExitStack | None = None
        self._locations: dict[str, str] = {}

    def start(self) -> bool:
        """Start (or join) a Spark session (tables are opened by ``run_insert``)."""
        if self._handle is not None:
            return False
        reason = java_missing_reason()
        if reason:
            raise EngineStartError(f"Spark cannot start: {reason}")
        from pyspark.sql import SparkSession

        try:
            if self._given is not None:
                spark = self._given
            else:
                # A session spark-submit started belongs to spark-submit.
                self._owned = SparkSession.getActiveSession() is None and not submitted()
                spark = spark_session(
                    self.settings,
                    app="courtside-daily",
                    home=self.places.home,
                    shuffle_partitions=_SHUFFLE_PARTITIONS,
                )
                spark.sparkContext.setLogLevel("ERROR")
            spark.conf.set("spark.sql.sources.partitionOverwriteMode", "static")
        except Exception as exc:
            raise EngineStartError(f"Spark did not start: {str(exc)[:500]}") from None
        self._handle = spark
        return True

    def _open_tables(self, tables: Sequence[Table], lake: Lake, target: tuple[str, str]) -> None:
        """Stage the input tables' committed files and open the catalog's tables over the
        scratch folder (all of them, with their partitions, like Hive on the Glue
        catalog)."""
        from courtside.catalog.query import register_spark

        spark = self._handle
        # Registering every table costs a few statements per partition: do it once per
        # session, and again only when a table the query needs is new (CreateTable).
        if not self._registered or not all(
            t.qualified_name in self._locations
            and spark.catalog.tableExists(f"{t.database}.{t.name}")
            for t in tables
        ):
            self._stage(lake, [t for t in tables if (t.database, t.name) != target])
            register_spark(spark, self.catalog, self._locations)
            self._registered = True

    @contextmanager
    def _write_day(self, insert: InsertOverwrite, day: date) -> Iterator[tuple[list[Path], int]]:
        """Run the ``INSERT OVERWRITE`` natively; the day's part files are in the
        output table's staged folder."""
        self._handle.sql(insert.hive)
        location = self._locations[f"{insert.database}.{insert.table}"]
        folder = Path(location) / date_partition(day.year, day.month, day.day)
        files = sorted(folder.glob("part-*.json")) if folder.is_dir() else []
        rows = 0
        for file in files:
            with file.open("rb") as fh:
                rows += sum(1 for line in fh if line.strip())
        # Spark writes empty part files for empty tasks; the day keeps its rows only.
        yield [f for f in files if f.stat().st_size], rows

    def _stage(self, lake: Lake, inputs: Sequence[Table]) -> None:
        """Stage ``inputs`` (the tables the query reads) in a new scratch folder; every
        other catalog table gets an empty local folder."""
        from courtside.catalog.query import staged_for_spark

        self._unstage()
        stack = ExitStack()
        try:
            folder = stack.enter_context(scratch_folder(self.places, "spark-"))
            self._locations = stack.enter_context(
                staged_for_spark(lake, self.catalog.tables(), folder, inputs=list(inputs))
            )
        except BaseException:
            stack.close()
            raise
        self._staged = stack

    def _unstage(self) -> None:
        stack, self._staged = self._staged, None
        self._locations = {}
        if stack is not None:
            stack.close()

    def stop(self) -> None:
        """Stop the session if this engine started it; remove the staged inputs."""
        spark, self._handle = self._handle, None
        self._registered = False
        self._unstage()
        if spark is not None and self._owned:
            spark.stop()
            self._owned = False
