"""The one Spark session factory: every Spark session courtside starts comes from here.

The de-duplication job, the daily job, ``courtside sql --engine spark`` and the quality
checks call :func:`spark_session` with the ``[spark]`` section (master, memory, shuffle
partitions) and the home folder. Every session has UTC time, no web UI or progress bars,
string partition values (``month=03`` stays ``'03'``, as in the catalog) and no
``_SUCCESS`` markers; with a home folder, its SQL warehouse and Derby files are under
``<home>/state/spark/`` and its JVM log goes to ``<home>/logs/spark.log``.

Where the session runs:

* ``master = "local[*]"`` (the default): in this process's JVM.
* ``master = "spark://host:7077"`` (or ``yarn``, ``k8s://...``): this process is the
  driver (client mode), the executors run on the cluster. The lake path must then be
  readable and writable by the executors under the same name (one machine, a shared
  file system, or an object store).
* Under ``spark-submit`` (see :mod:`courtside.engines.submit`): the session
  ``spark-submit`` started is joined, and its ``--master`` wins over the setting.

This module imports only the standard library at load time (pyspark inside the
functions), so that the standalone de-duplication script can ship it with
``--py-files`` to a cluster without courtside installed.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, Unpack

if TYPE_CHECKING:
    from courtside.engines.config import SparkSettings

__all__ = [
    "DEFAULT_DRIVER_MEMORY",
    "DEFAULT_MASTER",
    "java_missing_reason",
    "local_session_conf",
    "session_conf",
    "spark_session",
    "submitted",
]

DEFAULT_MASTER = "local[*]"
DEFAULT_DRIVER_MEMORY = "2g"

_LOG4J2 = """\
# Written by courtside: the Spark JVM logs here, not on the terminal.
rootLogger.level = warn
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log_file}
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{{yyyy-MM-dd HH:mm:ss}} %p %c{{1}}: %m%n
"""


def submitted() -> bool:
    """True in a driver that ``spark-submit`` started (it passes its JVM's gateway)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


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


def local_session_conf(home: str | Path) -> dict[str, str]:
    """Spark settings that keep a session's local files in the courtside home folder.

    Without them Spark creates ``spark-warehouse/`` (and, with Hive, ``metastore_db/``
    and ``derby.log``) in the current directory and prints its JVM log (log4j WARNs) on
    the terminal. With them: the SQL warehouse and Derby's home are under
    ``<home>/state/spark/`` and the JVM log is appended to ``<home>/logs/spark.log``.
    Writes the log4j2 configuration file these settings point at.
    """
    home = Path(home).resolve()
    spark_dir = home / "state" / "spark"
    log_file = home / "logs" / "spark.log"
    spark_dir.mkdir(parents=True, exist_ok=True)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log4j = spark_dir / "log4j2.properties"
    text = _LOG4J2.format(log_file=str(log_file).replace("\\", "/"))
    if not log4j.is_file() or log4j.read_text(encoding="utf-8") != text:
        log4j.write_text(text, encoding="utf-8")
    java_options = " ".join(
        _java_option(name, str(value))
        for name, value in (
            ("derby.system.home", spark_dir),
            ("log4j2.configurationFile", log4j.as_uri()),
        )
    )
    return {
        "spark.sql.warehouse.dir": (spark_dir / "warehouse").as_uri(),
        "spark.driver.extraJavaOptions": java_options,
    }


def _java_option(name: str, value: str) -> str:
    option = f"-D{name}={value}"
    return f'"{option}"' if any(c.isspace() for c in option) else option


class SessionSpec(TypedDict):
    """What a caller says of its session besides the ``[spark]`` section."""

    app: str
    home: NotRequired[str | Path | None]
    shuffle_partitions: NotRequired[int]
    master: NotRequired[str | None]


def session_conf(
    settings: SparkSettings | None = None,
    *,
    app: str,
    home: str | Path | None = None,
    shuffle_partitions: int = 8,
    master: str | None = None,
) -> tuple[str | None, dict[str, str]]:
    """The master (``None``: keep ``spark-submit``'s) and the settings of a session.

    Args:
        settings: The ``[spark]`` section (default: its defaults).
        app: Application name (shown by the cluster's master).
        home: The courtside home folder for the session's local files and JVM log.
        shuffle_partitions: The caller's shuffle partitions when ``settings`` sets none.
        master: A master URL that wins over the settings and ``spark-submit`` (the
            standalone script's ``--master``).
    """
    if master is None and not submitted():
        master = settings.master if settings is not None else DEFAULT_MASTER
    conf = dict(local_session_conf(home)) if home is not None else {}
    conf.update(
        {
            "spark.app.name": app,
            "spark.driver.memory": (
                settings.driver_memory if settings is not None else DEFAULT_DRIVER_MEMORY
            ),
            "spark.sql.session.timeZone": "UTC",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.shuffle.partitions": str(
                (settings.shuffle_partitions if settings is not None else None)
                or shuffle_partitions
            ),
            "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
            "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
        }
    )
    if settings is not None and settings.executor_memory:
        conf["spark.executor.memory"] = settings.executor_memory
    if master is not None and master.startswith("local"):
        # Python UDFs (the enrichment) run in Spark's Python workers, which start with
        # $PYSPARK_PYTHON (default: python3 on PATH, without courtside); locally they can
        # use this interpreter. A cluster's workers need courtside installed.
        conf["spark.pyspark.python"] = sys.executable
    return master, conf


def spark_session(
    settings: SparkSettings | None = None,
    *,
    conf: Mapping[str, str] | None = None,
    **spec: Unpack[SessionSpec],
) -> Any:
    """A Spark session built from the ``[spark]`` section (an active one is reused):
    the master and settings :func:`session_conf` gives for ``settings`` and ``spec``
    (``app``, ``home``, ``shuffle_partitions``, ``master``), then ``conf``."""
    from pyspark.sql import SparkSession

    url, options = session_conf(settings, **spec)
    options.update(conf or {})
    python = options.get("spark.pyspark.python")
    if python and url is not None and url.startswith("local"):
        # pyspark 4.3 starts local Python workers with $PYSPARK_PYTHON whatever the conf
        # says (the base interpreter of a venv otherwise: no courtside, no orjson), so the
        # variable must name this interpreter before the JVM starts.
        os.environ["PYSPARK_PYTHON"] = python
    builder = SparkSession.builder if url is None else SparkSession.builder.master(url)
    for key, value in options.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
