"""The Spark SQL engine of the daily job: the HiveQL ``INSERT OVERWRITE`` runs as it is.

The catalog's tables are created in the session's catalog (``database.table``, with
their partitions), like EMR's Hive reading the Glue catalog. Locally the session runs on
``local[*]``; pyspark is imported only when the engine starts. Java 17 is needed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from courtside.catalog.store import Catalog, Table
from courtside.config import Settings
from courtside.job.errors import EngineStartError
from courtside.job.hql import InsertOverwrite
from courtside.job.output import OUTPUT_ZONE, day_dir, day_files

__all__ = ["SparkDailyEngine", "java_missing_reason"]


def java_missing_reason() -> str | None:
    """Why Spark cannot start here (no Java, no pyspark), or ``None``."""
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and Path(java_home, "bin", "java").exists()):
        return "Java 17 is not installed (apt install openjdk-17-jre-headless)"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'courtside[spark]')"
    return None


def _session(master: str, driver_memory: str, home: Path | None = None) -> Any:
    """A local session (an active one is reused): UTC, no UI or progress bars, string
    partition values (``month=03`` stays ``'03'``, as in the catalog), files and JVM log
    under the home folder when one is given."""
    from pyspark.sql import SparkSession

    from courtside.batch.spark_dedupe import local_session_conf

    builder = SparkSession.builder
    for key, value in (local_session_conf(home) if home else {}).items():
        builder = builder.config(key, value)
    spark = (
        builder.master(master)
        .appName("courtside-daily")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkDailyEngine:
    """Runs the daily HiveQL on Spark SQL.

    Args:
        settings: The home folder.
        catalog: The catalog (default: the home folder's).
        spark: An existing session to use (never stopped by this engine).
        master: Master URL of a session this engine starts.
        driver_memory: Driver memory of that session.
    """

    name = "spark"

    def __init__(
        self,
        settings: Settings,
        catalog: Catalog | None = None,
        *,
        spark: Any = None,
        master: str = "local[*]",
        driver_memory: str = "2g",
    ) -> None:
        self.settings = settings
        self.catalog = catalog or Catalog.open(settings)
        self.master = master
        self.driver_memory = driver_memory
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
                self._owned = SparkSession.getActiveSession() is None
                spark = _session(self.master, self.driver_memory, self.settings.home)
            spark.conf.set("spark.sql.sources.partitionOverwriteMode", "static")
        except Exception as exc:
            raise EngineStartError(f"Spark did not start: {str(exc)[:500]}") from None
        self._spark = spark
        return True

    def run_insert(
        self,
        insert: InsertOverwrite,
        tables: Sequence[Table],
        lake: Path,
        day: date,
        zone: str = OUTPUT_ZONE,
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
        folder = day_dir(lake, day, zone)
        folder.mkdir(parents=True, exist_ok=True)  # an empty day is still a computed day
        for path in folder.iterdir():
            # Hadoop's checksum and marker files would break a Redshift COPY of the folder.
            if path.name.endswith(".crc") or path.name == "_SUCCESS":
                path.unlink(missing_ok=True)
        rows = 0
        for file in day_files(lake, day, zone):
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
