"""Configuration of every Spark session courtside starts (the ``[spark]`` section).

One section for the de-duplication job, the daily job, ``courtside sql --engine spark``
and ``courtside quality check --engine spark``: they all get their session from
:func:`courtside.engines.spark.spark_session`.
"""

from __future__ import annotations

from pydantic import Field

from courtside._model import Section
from courtside.engines.spark import DEFAULT_DRIVER_MEMORY, DEFAULT_MASTER

__all__ = ["SparkSettings"]

_MEMORY = r"^[0-9]+[kmgt]?$"
# local, local[4], local[*], local[4,2] (retries); a standalone, Kubernetes or Mesos
# master URL; YARN.
_MASTER = r"^(local(\[(\*|[1-9][0-9]{0,3})(,[1-9][0-9]{0,2})?\])?|(spark|k8s|mesos)://\S+|yarn)$"


class SparkSettings(Section):
    """Spark session settings (every ``--engine spark``).

    Attributes:
        master: Spark master URL: ``local[*]`` (in this process), or a cluster such as
            ``spark://host:7077``. Under ``spark-submit`` its ``--master`` wins.
        driver_memory: Driver memory (``local[*]`` runs everything in the driver).
        executor_memory: Memory of each executor on a cluster (unset: Spark's default).
        shuffle_partitions: Partitions of a shuffle (unset: 8 for dedupe, ``sql`` and
            ``quality``; 4 for the daily job).
    """

    master: str = Field(default=DEFAULT_MASTER, pattern=_MASTER)
    driver_memory: str = Field(default=DEFAULT_DRIVER_MEMORY, pattern=_MEMORY)
    executor_memory: str | None = Field(default=None, pattern=_MEMORY)
    shuffle_partitions: int | None = Field(default=None, ge=1, le=100_000)
