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

from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from courtside.catalog.store import Catalog, Table
from courtside.engines.spark import java_missing_reason, spark_session, submitted
from courtside.job.engines import scratch_folder
from courtside.job.errors import EngineStartError
from courtside.job.hql import InsertOverwrite
from courtside.job.output import OUTPUT_ZONE, day_key, publish_day
from courtside.lake.base import Lake

if TYPE_CHECKING:
    from courtside.engines.config import SparkSettings
    from courtside.places import Places

__all__ = ["SparkDailyEngine", "java_missing_reason"]

# The daily job's shuffle partitions unless ``[spark] shuffle_partitions`` sets them.
_SHUFFLE_PARTITIONS = 4


class SparkDailyEngine:
    """Runs the daily HiveQL on Spark SQL.

    Args:
        places: Where the home folder and its catalog are.
        catalog: The catalog (default: the home folder's).
        spark: An existing session to use (never stopped by this engine).
        settings: The ``[spark]`` section of a session this engine starts.
    """

    name = "spark"

    def __init__(
        self,
        places: Places,
        catalog: Catalog | None = None,
        *,
        spark: Any = None,
        settings: SparkSettings | None = None,
    ) -> None:
        self.places = places
        self.catalog = catalog or Catalog.at(places)
        self.settings = settings
        self._given = spark
        self._spark: Any = None
        self._owned = False
        self._registered = False
        self._staged: ExitStack | None = None
        self._locations: dict[str, str] = {}

    @property
    def running(self) -> bool:
        """True between ``start`` and ``stop``."""
        return self._spark is not None

    def start(self) -> bool:
        """Start (or join) a Spark session (tables are opened by ``run_insert``)."""
        if self._spark is not None:
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
        self._spark = spark
        return True

    def run_insert(
        self,
        insert: InsertOverwrite,
        tables: Sequence[Table],
        lake: Lake,
        day: date,
        zone: str = OUTPUT_ZONE,
    ) -> int:
        """Stage the input tables' committed files, open the catalog's tables over the
        scratch folder (all of them, with their partitions, like Hive on the Glue
        catalog), run the ``INSERT OVERWRITE`` natively, then publish the day's files."""
        from courtside.catalog.query import register_spark

        spark = self._session()
        # Registering every table costs a few statements per partition: do it once per
        # session, and again only when a table the query needs is new (CreateTable).
        if not self._registered or not all(
            t.qualified_name in self._locations
            and spark.catalog.tableExists(f"{t.database}.{t.name}")
            for t in tables
        ):
            target = (insert.database, insert.table)
            self._stage(lake, [t for t in tables if (t.database, t.name) != target])
            register_spark(spark, self.catalog, self._locations)
            self._registered = True
        spark.sql(insert.hive)
        output = next(t for t in tables if (t.database, t.name) == (insert.database, insert.table))
        folder = Path(self._locations[output.qualified_name]) / day_key(day, zone).split("/", 1)[1]
        files = sorted(folder.glob("part-*.json")) if folder.is_dir() else []
        rows = 0
        for file in files:
            with file.open("rb") as fh:
                rows += sum(1 for line in fh if line.strip())
        # Spark writes empty part files for empty tasks; the day keeps its rows only.
        publish_day(lake, day, [f for f in files if f.stat().st_size], zone)
        return rows

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
        spark, self._spark = self._spark, None
        self._registered = False
        self._unstage()
        if spark is not None and self._owned:
            spark.stop()
            self._owned = False

    def _session(self) -> Any:
        if self._spark is None:
            raise EngineStartError("the Spark engine is not running")
        return self._spark
