"""Batch test fixtures: one Spark session for the whole run (Spark tests are few)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest

# The enrichment runs in Spark's Python workers, started with $PYSPARK_PYTHON (default:
# python3 on PATH, which has no courtside). Set before any test starts a SparkContext.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local Spark session, or a skip when Java or PySpark is missing."""
    if shutil.which("java") is None:
        pytest.skip("Spark tests need Java 17 on PATH")
    pytest.importorskip("pyspark", reason="Spark tests need pyspark")
    from courtside.engines.config import SparkSettings
    from courtside.engines.spark import spark_session

    session = spark_session(
        SparkSettings(master="local[2]", driver_memory="1g"), app="courtside-tests"
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
