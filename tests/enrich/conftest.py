"""Enrichment fixtures: one Spark session whose Python workers can import courtside."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

# Spark starts its Python workers with $PYSPARK_PYTHON (default: python3 on PATH, which
# has no courtside). Set at collection, before any test of the run starts a SparkContext.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    """A local Spark session, or a skip with the reason (no Java, no pyspark)."""
    from courtside.engines.config import SparkSettings
    from courtside.engines.spark import java_missing_reason, spark_session

    reason = java_missing_reason()
    if reason:
        pytest.skip(f"Spark tests skipped: {reason}")
    session = spark_session(
        SparkSettings(master="local[2]", driver_memory="1g"), app="courtside-tests"
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
