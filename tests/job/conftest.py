"""Daily-job fixtures: one Spark session for the whole run (Spark tests are few)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    """A local Spark session, or a skip with the reason (no Java, no pyspark)."""
    from courtside.job.spark import _session, java_missing_reason

    reason = java_missing_reason()
    if reason:
        pytest.skip(f"Spark tests skipped: {reason}")
    session = _session("local[2]", "1g")
    yield session
    session.stop()
