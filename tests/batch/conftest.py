"""Batch test fixtures: one Spark session for the whole run (Spark tests are few)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest


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
