"""Warehouse fixtures: one warehouse fixture parametrised over the backends (DuckDB file,
PostgreSQL: the run's throwaway database, ``pg_url`` of ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from warehouse_helpers import pg_execute

from courtside.config import Settings, load_settings


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, home: Path) -> Iterator[tuple[str, Settings]]:
    """``(target, settings)``: settings whose warehouse is a fresh DuckDB file or the test
    database (its table dropped first)."""
    if request.param == "duckdb":
        yield "duckdb", load_settings(home=home)
        return
    url = request.getfixturevalue("pg_url")
    pg_execute(url, "DROP TABLE IF EXISTS playerstotaltweets")
    pg_execute(url, "DROP TABLE IF EXISTS playersdailysentiment")
    yield "postgres", load_settings(home=home, warehouse={"url": url})
