"""What the engine families of the suite need from the machine, checked in one place.

Outside CI a test whose need is missing skips with the reason. In CI (``CI=true``) the run
fails at session start instead, naming everything that is missing and how to install it
(see ``pytest_sessionstart`` in ``tests/conftest.py``): a CI run that silently skipped the
Spark, Flink, browser or PostgreSQL tests would pass while testing far less.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: PostgreSQL for the tests: a server on 127.0.0.1 with trust authentication for the
#: ``postgres`` (or ``root``) role. ``PGPORT`` moves the port, as for every libpq client.
PG_HOST = "127.0.0.1"
PG_USERS = ("postgres", "root")


def pg_port() -> int:
    """The PostgreSQL port the tests use (``$PGPORT``, default 5432)."""
    return int(os.environ.get("PGPORT") or 5432)


def in_ci() -> bool:
    """True when the run is a CI run (``CI`` set to true, as CI services do)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _program(name: str) -> Callable[[], str | None]:
    def check() -> str | None:
        return None if shutil.which(name) else f"`{name}` is not on PATH"

    return check


def _java() -> str | None:
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") or (java_home and Path(java_home, "bin", "java").exists()):
        return None
    return "`java` is not on PATH (nor in $JAVA_HOME/bin)"


def _modules(*names: str) -> Callable[[], str | None]:
    def check() -> str | None:
        absent = [n for n in names if importlib.util.find_spec(n) is None]
        return f"Python package(s) {', '.join(absent)} not installed" if absent else None

    return check


def pg_admin(*, autocommit: bool = True) -> Any:
    """A connection to the ``postgres`` database as the first role of :data:`PG_USERS`
    that the server lets in without a password.

    Raises:
        ConnectionError: naming the address and why each role was refused.
    """
    import psycopg

    errors = []
    for user in PG_USERS:
        try:
            return psycopg.connect(
                host=PG_HOST,
                port=pg_port(),
                user=user,
                dbname="postgres",
                connect_timeout=3,
                autocommit=autocommit,
            )
        except psycopg.Error as exc:
            errors.append(f"{user}: {' '.join(str(exc).split())}")
    raise ConnectionError(
        f"no PostgreSQL with trust auth on {PG_HOST}:{pg_port()} ({'; '.join(errors)})"
    )


def _postgres() -> str | None:
    if importlib.util.find_spec("psycopg") is None:
        return "Python package psycopg not installed"
    try:
        pg_admin().close()
    except ConnectionError as exc:
        return str(exc)
    return None


@dataclass(frozen=True)
class Need:
    """One thing some tests need: what it is, who needs it, how to get it."""

    name: str
    needed_by: str
    install: str
    problem: Callable[[], str | None]


NEEDS: dict[str, Need] = {
    need.name: need
    for need in (
        Need(
            "java",
            "the Spark and Flink tests",
            "apt-get install -y openjdk-17-jre-headless",
            _java,
        ),
        Need(
            "chromium",
            "the dashboard's browser tests",
            "apt-get install -y chromium chromium-driver",
            _program("chromium"),
        ),
        Need(
            "chromedriver",
            "the dashboard's browser tests",
            "apt-get install -y chromium-driver",
            _program("chromedriver"),
        ),
        Need(
            "postgresql",
            "the PostgreSQL warehouse, pipeline and dashboard tests",
            "apt-get install -y postgresql, start it on 127.0.0.1:5432 with trust auth "
            "for local connections",
            _postgres,
        ),
        Need(
            "openssl", "the SMTP STARTTLS tests", "apt-get install -y openssl", _program("openssl")
        ),
        Need(
            "python-extras",
            "the Spark, Flink, PostgreSQL, browser, SMTP and AWS tests",
            "make install (pip install -e '.[dev,postgres,spark,flink,dashboard,aws,enrich]')",
            _modules("pyspark", "pyflink", "psycopg", "selenium", "aiosmtpd", "moto"),
        ),
    )
}


def missing(names: tuple[str, ...] | None = None) -> list[tuple[Need, str]]:
    """Each need (of ``names``, default all) that this machine lacks, with the problem."""
    out = []
    for name in names or tuple(NEEDS):
        need = NEEDS[name]
        problem = need.problem()
        if problem is not None:
            out.append((need, problem))
    return out


def report(lacking: list[tuple[Need, str]]) -> str:
    """The one message naming what is missing, what needs it and how to install it."""
    lines = ["CI=true, and this machine lacks what whole test families need (they must run in CI):"]
    for need, problem in lacking:
        lines.append(f"  - {need.name} (for {need.needed_by}): {problem}; install: {need.install}")
    return "\n".join(lines)


def need(*names: str) -> None:
    """Skip the calling test (or fail it in CI) unless everything in ``names`` is here."""
    lacking = missing(names)
    if not lacking:
        return
    if in_ci():
        pytest.fail(report(lacking), pytrace=False)
    pytest.skip("; ".join(f"needs {n.name} ({problem})" for n, problem in lacking))
