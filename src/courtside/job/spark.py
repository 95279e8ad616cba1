"""The Spark SQL engine of the daily job: the HiveQL ``INSERT OVERWRITE`` runs as it is.

The catalog's tables are created in the session's catalog (``database.table``, with
their partitions), like EMR's Hive reading the Glue catalog. The session comes from
:func:`courtside.engines.spark.spark_session` (``[spark]``: ``local[*]`` by default, or a
cluster's master); pyspark is imported only when the engine starts. Java 17 is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from courtside.catalog.store import Catalog, Table
from courtside.engines.spark import java_missing_reason, spark_session, submitted
from courtside.job.errors import EngineStartError
from courtside.job.hql import InsertOverwrite
from courtside.job.output import day_dir, day_files

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
        self.catalog = catalog or Catalog(places.state_dir / "catalog.db")
        self.settings = settings
        self._given = spark
        self._spark: Any = None
        self._owned = False
        self._registered = False

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
        self, insert: InsertOverwrite, tables: Sequence[Table], lake: Path, day: date
    ) -> int:
        """Open the catalog's tables in the session (all of them, with their partitions,
        like Hive on the Glue catalog), run the ``INSERT OVERWRITE`` natively, then tidy
        the day's folder."""
        from courtside.catalog.query import register_spark

        spark = self._session()
        # Registering every table costs a few statements per partition: do it once per
        # session, and again only when a table the query needs is new (CreateTable).
        if not self._registered or not all(
            spark.catalog.tableExists(f"{t.database}.{t.name}") for t in tables
        ):
            register_spark(spark, self.catalog)
            self._registered = True
        spark.sql(insert.hive)
        folder = day_dir(lake, day)
        folder.mkdir(parents=True, exist_ok=True)  # an empty day is still a computed day
        for path in folder.iterdir():
            # Hadoop's checksum and marker files would break a Redshift COPY of the folder.
            if path.name.endswith(".crc") or path.name == "_SUCCESS":
                path.unlink(missing_ok=True)
        rows = 0
        for file in day_files(lake, day):
            with file.open("rb") as fh:
                rows += sum(1 for line in fh if line.strip())
        return rows

    def stop(self) -> None:
        """Stop the session if this engine started it."""
        spark, self._spark = self._spark, None
        self._registered = False
        if spark is not None and self._owned:
            spark.stop()
            self._owned = False

    def _session(self) -> Any:
        if self._spark is None:
            raise EngineStartError("the Spark engine is not running")
        return self._spark
