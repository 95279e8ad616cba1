"""Shared fixtures: an isolated home folder per test, the one way to run ``courtside``
(``courtside``), a throwaway PostgreSQL database per run (``pg_url``, ``pg_schema``), a
fake clock (``fake_clock``) and a local AWS-protocol server (``aws_endpoint``).

In CI (``CI=true``) the run fails at session start when Java, Chromium, PostgreSQL or a
test extra is missing, and a test that skips anyway fails (see :mod:`needs_helpers`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from cli_runner_helpers import Courtside
from cli_runner_helpers import courtside as _courtside
from clock_helpers import FakeClock
from courtside.config import Settings, load_settings
from courtside.home import init_home
from needs_helpers import PG_HOST, in_ci, missing, need, pg_admin, pg_port, report


# -- CI: nothing skips -----------------------------------------------------------------
def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI, stop before collecting anything when a test family could not run."""
    if in_ci():
        lacking = missing()
        if lacking:
            pytest.exit(report(lacking), returncode=pytest.ExitCode.USAGE_ERROR)


#: What the tests of each engine-family marker need (see ``markers`` in pyproject.toml).
MARKER_NEEDS = {
    "spark": ("java",),
    "spark_cluster": ("java",),
    "flink": ("java",),
    "browser": ("chromium", "chromedriver"),
    "postgres": ("postgresql",),
}


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test of a marked family skips (outside CI) or fails (in CI) without its needs."""
    for marker, names in MARKER_NEEDS.items():
        if item.get_closest_marker(marker) is not None:
            need(*names)


def _fail_a_skip_in_ci(report: pytest.CollectReport | pytest.TestReport) -> None:
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true), where nothing may skip: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    _fail_a_skip_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome: Any = yield
    _fail_a_skip_in_ci(outcome.get_result())


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's COURTSIDE_* or X_BEARER_TOKEN variables."""
    for name in list(os.environ):
        if name.startswith("COURTSIDE_") or name == "X_BEARER_TOKEN":
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An initialised, empty home folder."""
    path = tmp_path / "home"
    init_home(load_settings(home=path))
    return path


@pytest.fixture
def settings(home: Path) -> Settings:
    """Settings for the ``home`` fixture (small buffers are set per test as needed)."""
    return load_settings(home=home)


@pytest.fixture(scope="session")
def courtside() -> Courtside:
    """Runs ``courtside``: ``courtside(*args, home=..., env=..., ok=...)`` in a subprocess
    as a user does, ``courtside.invoke(*args, ...)`` in this process (Typer's runner)."""
    return _courtside


@pytest.fixture
def fake_clock() -> FakeClock:
    """A wall clock in seconds that moves only when the test advances it."""
    return FakeClock()


# -- PostgreSQL --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a database created for this test run, ``courtside_test_<pid>_<random>``,
    on the PostgreSQL server of 127.0.0.1:5432 (trust auth); dropped at the end.

    Skips with the reason when PostgreSQL is unreachable (outside CI; in CI the run
    fails at session start instead)."""
    need("postgresql")
    admin = pg_admin()
    name = f"courtside_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{quote(admin.info.user)}@{PG_HOST}:{pg_port()}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def pg_schema(pg_url: str) -> Iterator[str]:
    """URL of an empty schema of the run's database, first on the connection's search
    path, for one test (dropped with everything in it afterwards)."""
    import psycopg

    schema = f"t_{secrets.token_hex(5)}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{pg_url}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="session")
def repo_root() -> Iterator[Path]:
    yield Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """URL of a local AWS-protocol server (``moto_server``) started for this test run, in its
    own process on a free 127.0.0.1 port, with throwaway credentials in the environment."""
    from courtside.aws.local_server import start_moto_server

    saved = {k: os.environ.get(k) for k in _AWS_ENV}
    os.environ.update(_AWS_ENV)
    server = start_moto_server()
    try:
        yield server.url
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing-secret-never-printed",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
