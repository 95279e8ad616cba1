"""PostgreSQL specifics: an unreachable server, secrets kept out of errors and records."""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path

import pytest
from warehouse_helpers import pg_execute, write_day

from courtside.config import load_settings
from courtside.runs import RunRecorder
from courtside.warehouse.errors import (
    WarehouseConfigError,
    WarehouseUnavailableError,
)
from courtside.warehouse.loader import load, open_warehouse
from courtside.warehouse.postgres import PostgresWarehouse

PASSWORD = "s3cr3t-Pa55"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_server_is_a_clear_transient_error(home: Path) -> None:
    port = closed_port()
    url = f"postgresql://courtside:{PASSWORD}@127.0.0.1:{port}/warehouse"
    settings = load_settings(home=home, warehouse={"url": url, "connect_timeout_s": 2})
    write_day(settings, date(2020, 3, 1), {"LeBron James": 3})
    with pytest.raises(WarehouseUnavailableError) as info:
        load(settings)
    message = str(info.value)
    assert f"cannot reach PostgreSQL postgresql://courtside@127.0.0.1:{port}/warehouse" in message
    assert PASSWORD not in message and info.value.transient
    (record,) = RunRecorder(settings).list(kind="load")
    assert record.status == "failed"
    assert PASSWORD not in str(record.as_dict())


@pytest.mark.postgres
def test_password_never_shows_on_a_refused_login(home: Path, pg_url: str) -> None:
    pg_execute(pg_url, "DROP ROLE IF EXISTS courtside_pw_test")
    pg_execute(pg_url, f"CREATE ROLE courtside_pw_test LOGIN PASSWORD 'other-{PASSWORD}'")
    try:
        base = pg_url.rsplit("/", 1)[0].split("@", 1)[1]
        url = f"postgresql://courtside_pw_test:{PASSWORD}@{base}/no_such_database_x"
        settings = load_settings(home=home, warehouse={"url": url})
        write_day(settings, date(2020, 3, 1), {"LeBron James": 3})
        # Terminal: retrying cannot fix a database that does not exist.
        with pytest.raises(WarehouseConfigError, match="refused the connection") as info:
            load(settings)
        assert PASSWORD not in str(info.value) and not info.value.transient
        assert "courtside_pw_test@127.0.0.1" in str(info.value)
        assert PASSWORD not in str(RunRecorder(settings).list(kind="load")[0].as_dict())
        assert PASSWORD not in repr(settings) and PASSWORD not in str(settings.model_dump())
    finally:
        pg_execute(pg_url, "DROP ROLE IF EXISTS courtside_pw_test")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"mysql://root:{PASSWORD}@127.0.0.1/db", "must start with postgresql://"),
        (f"postgresql://root:{PASSWORD}@[::1/db", "not a valid PostgreSQL URL"),
        (f"postgresql://root:{PASSWORD}@127.0.0.1:notaport/db", "port must be a number"),
    ],
)
def test_bad_urls_are_refused_without_echoing_them(url: str, message: str) -> None:
    with pytest.raises(WarehouseConfigError, match=message) as info:
        PostgresWarehouse(url)
    assert PASSWORD not in str(info.value)


def test_postgres_target_needs_a_url(home: Path) -> None:
    with pytest.raises(WarehouseConfigError, match="needs a URL"):
        open_warehouse(load_settings(home=home), target="postgres")
