"""Daily-job fixtures: one Spark session for the whole run (Spark tests are few)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


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
