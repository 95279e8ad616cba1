"""Warehouse fixtures: a throwaway PostgreSQL database per test run, and one warehouse
fixture parametrised over the backends (DuckDB file, PostgreSQL)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warehouse_helpers import pg_execute

from courtside.config import Settings, load_settings

PG_HOST, PG_PORT = "127.0.0.1", 5432


def _admin_connect() -> Any:
    import psycopg

    last: Exception | None = None
    for user in ("postgres", "root"):
        try:
            return psycopg.connect(
                host=PG_HOST,
                port=PG_PORT,
                user=user,
                dbname="postgres",
                connect_timeout=3,
                autocommit=True,
            )
        except psycopg.Error as exc:
            last = exc
    raise RuntimeError(f"PostgreSQL on {PG_HOST}:{PG_PORT} is unreachable: {last}")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a database created for this test run (dropped at the end)."""
    pytest.importorskip("psycopg", reason="PostgreSQL tests need psycopg")
    try:
        admin = _admin_connect()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    user = admin.info.user
    name = f"courtside_test_{secrets.token_hex(4)}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql://{user}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


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
