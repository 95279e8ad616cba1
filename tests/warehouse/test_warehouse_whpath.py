"""One warehouse path: the URL forms decided in one place, ``duckdb:<path>`` working for
``courtside load`` and ``warehouse query`` alike, parameterised read-only queries with
the same errors on every backend, and Redshift as a statements-only backend."""

from __future__ import annotations

import functools
import json
from datetime import date
from pathlib import Path

import pytest
from warehouse_helpers import rows, write_day

from cli_runner_helpers import Courtside
from courtside.config import Settings, load_settings
from courtside.warehouse import open_warehouse
from courtside.warehouse.config import WarehouseSettings, warehouse_target
from courtside.warehouse.errors import (
    NoTableError,
    NoWarehouseError,
    QueryError,
    StatementsOnlyError,
    WarehouseConfigError,
)
from courtside.warehouse.loader import load
from courtside.warehouse.redshift import RedshiftWarehouse

D1, D2 = date(2020, 3, 1), date(2020, 3, 2)
PASSWORD = "n0t-Th1s-0ne"
HOST = "lake.abc123.eu-west-1.redshift.amazonaws.com"
SERVERLESS = "wg.1.us-east-1.redshift-serverless.amazonaws.com"

FORMS = [
    # (url, target, kind); a path is checked separately
    (None, None, "duckdb"),
    ("", None, "duckdb"),
    ("duckdb:{tmp}/a.duckdb", None, "duckdb"),
    ("duckdb:///{tmp}/a.duckdb", None, "duckdb"),
    (f"postgresql://u:{PASSWORD}@127.0.0.1/db", None, "postgres"),
    (f"postgres://u:{PASSWORD}@127.0.0.1/db", None, "postgres"),
    (f"postgresql://u:{PASSWORD}@127.0.0.1/db", "duckdb", "duckdb"),
    (f"redshift://u:{PASSWORD}@{HOST}:5439/dev", None, "redshift"),
    (f"REDSHIFT+psycopg2://u:{PASSWORD}@{HOST}/dev", None, "redshift"),
    (f"jdbc:redshift://{HOST}:5439/dev?user=u&password={PASSWORD}", None, "redshift"),
    (f"postgresql://u:{PASSWORD}@{HOST}:5439/dev", None, "redshift"),
    (f"postgresql://u:{PASSWORD}@{SERVERLESS}/dev", None, "redshift"),
    (f"postgresql://u:{PASSWORD}@127.0.0.1/db", "redshift", "redshift"),
    (None, "redshift", "redshift"),
]


@pytest.mark.parametrize(("url", "target", "kind"), FORMS)
def test_url_forms_are_decided_in_one_place(
    home: Path, tmp_path: Path, url: str | None, target: str | None, kind: str
) -> None:
    cfg = WarehouseSettings()
    url = url.format(tmp=tmp_path) if url else url
    where = warehouse_target(cfg, home, target=target, url=url)
    assert where.kind == kind
    if kind == "duckdb":
        named = bool(url and url.startswith("duckdb:"))
        expected = tmp_path / "a.duckdb" if named else home / "warehouse.duckdb"
        assert where.path == expected.resolve()
    backend = open_warehouse(cfg, home, target=target, url=url)
    assert backend.kind == kind and PASSWORD not in backend.describe()
    capable = kind != "redshift"
    assert (backend.can_query, backend.can_load) == (capable, capable)


@pytest.mark.parametrize(
    ("url", "target", "message"),
    [
        (f"mysql://root:{PASSWORD}@db/x", None, "must be duckdb:<path>, postgresql://"),
        (f"https://root:{PASSWORD}@db/x", "duckdb", "must be duckdb:<path>, postgresql://"),
        ("duckdb:", None, "needs a file"),
        ("duckdb:/tmp/x.duckdb", "postgres", "needs a postgresql:// URL"),
        (f"redshift://u:{PASSWORD}@{HOST}/dev", "postgres", "names Redshift.*statements only"),
        (f"postgresql://u:{PASSWORD}@{HOST}/dev", "postgres", "names Redshift.*statements only"),
        (None, "postgres", "needs a URL"),
        (None, "oracle", "unknown warehouse target"),
    ],
)
def test_bad_targets_and_urls_are_one_line_without_the_password(
    home: Path, url: str | None, target: str | None, message: str
) -> None:
    with pytest.raises(WarehouseConfigError, match=message) as exc:
        open_warehouse(WarehouseSettings(), home, target=target, url=url)
    assert PASSWORD not in str(exc.value) and "\n" not in str(exc.value)


def test_the_configured_duckdb_file_is_the_default(home: Path, tmp_path: Path) -> None:
    cfg = WarehouseSettings(duckdb_file=tmp_path / "configured.duckdb")
    assert warehouse_target(cfg, home).path == (tmp_path / "configured.duckdb").resolve()


# -- duckdb:<path> everywhere --------------------------------------------------------
def test_duckdb_url_works_for_load_and_query(
    courtside: Courtside, home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "elsewhere" / "shared.duckdb"
    env = {"COURTSIDE_WAREHOUSE__URL": f"duckdb:{path}"}
    run = functools.partial(courtside, home=home, text=True, env=env)
    settings = load_settings(home=home, warehouse={"url": f"duckdb:{path}"})
    write_day(settings, D1, {"LeBron James": 3, "Luka Doncic": 2})
    outcome = load(settings)
    assert (outcome.target, outcome.warehouse) == ("duckdb", f"duckdb:{path.resolve()}")
    assert path.is_file() and not (home / "warehouse.duckdb").exists()
    assert [r[3:] for r in rows(settings)] == [("LeBron James", 3), ("Luka Doncic", 2)]
    # The commands, configured through the environment, use the same file.
    write_day(settings, D2, {"Jayson Tatum": 7})
    assert "loaded 3 row(s) of 2 day(s)" in " ".join(run("load").stdout.split())
    out = run("warehouse", "query", "SELECT sum(total) AS n FROM playerstotaltweets", "-f", "json")
    assert json.loads(out.stdout) == [{"n": 12}]
    assert not (home / "warehouse.duckdb").exists()


# -- parameterised, read-only queries on every backend -------------------------------
@pytest.fixture
def loaded(target: tuple[str, Settings]) -> Settings:
    _, settings = target
    write_day(settings, D1, {"LeBron James": 3, "Luka Doncic": 2, "O'Neal; DROP TABLE x": 1})
    write_day(settings, D2, {"LeBron James": 4})
    load(settings)
    return settings


def test_parameters_are_values_on_every_backend(loaded: Settings) -> None:
    sql = (
        "SELECT player, sum(total) AS n FROM playerstotaltweets WHERE day BETWEEN $1 AND $2"
        " AND player = ANY($3) GROUP BY player ORDER BY player"
    )
    with open_warehouse(loaded.warehouse, loaded.home) as warehouse:
        hostile = ["O'Neal; DROP TABLE x", "LeBron James", "x' OR '1'='1"]
        result = warehouse.query(sql, [1, 2, hostile])
        assert result.columns == ["player", "n"]
        assert result.rows == [("LeBron James", 7), ("O'Neal; DROP TABLE x", 1)]
        assert warehouse.query(sql, [1, 2, []]).rows == []
        assert warehouse.query(sql, [2, 2, hostile]).rows == [("LeBron James", 4)]
        # max_rows: None is every row, a number cuts and says so.
        every = warehouse.query("SELECT * FROM playerstotaltweets", max_rows=None)
        assert (len(every.rows), every.truncated) == (4, False)
        cut = warehouse.query("SELECT * FROM playerstotaltweets WHERE total > $1", [0], max_rows=2)
        assert (len(cut.rows), cut.truncated) == (2, True)
        # A parameter never turns a read into a write.
        with pytest.raises(QueryError, match="(?i)read.only"):
            warehouse.query("DELETE FROM playerstotaltweets WHERE player = $1", ["LeBron James"])
    assert len(rows(loaded)) == 4


def test_a_missing_table_is_named_on_every_backend(loaded: Settings) -> None:
    with open_warehouse(loaded.warehouse, loaded.home) as warehouse:
        with pytest.raises(NoTableError) as exc:
            warehouse.query("SELECT count(*) FROM sentiment_v2 WHERE year = $1", [2020])
    assert exc.value.table == "sentiment_v2" and "\n" not in str(exc.value)
    assert isinstance(exc.value, QueryError)


def test_a_missing_duckdb_file_is_its_own_error(home: Path) -> None:
    settings = load_settings(home=home)
    with open_warehouse(settings.warehouse, settings.home) as warehouse:
        with pytest.raises(NoWarehouseError, match="run `courtside load` first"):
            warehouse.query("SELECT 1")
    assert not (home / "warehouse.duckdb").exists()


# -- Redshift: statements only ---------------------------------------------------------
def test_redshift_url_is_statements_only(courtside: Courtside, home: Path) -> None:
    url = f"redshift://analyst:{PASSWORD}@{HOST}:5439/dev"
    settings = load_settings(home=home, warehouse={"url": url})
    warehouse = open_warehouse(settings.warehouse, settings.home)
    assert isinstance(warehouse, RedshiftWarehouse)
    assert warehouse.describe() == f"redshift://analyst@{HOST}:5439/dev (statements only)"
    for call in (
        lambda: warehouse.query("SELECT 1"),
        warehouse.columns,
        lambda: warehouse.load(None, [], "truncate"),  # type: ignore[arg-type]
    ):
        with pytest.raises(StatementsOnlyError, match="cannot connect to Redshift"):
            call()
    # The loader takes the URL's word for it: statements with --dry-run, else a clear no.
    write_day(settings, D1, {"LeBron James": 3})
    with pytest.raises(WarehouseConfigError, match="add --dry-run"):
        load(settings)
    outcome = load(settings, dry_run=True)
    assert outcome.target == "redshift" and "COPY playerstotaltweets" in (outcome.statements or "")
    refused = courtside(
        "warehouse",
        "query",
        "SELECT 1",
        home=home,
        env={"COURTSIDE_WAREHOUSE__URL": url},
        ok=False,
        text=True,
    )
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "statements only" in refused.stderr and PASSWORD not in refused.stderr + refused.stdout


# -- PostgreSQL refusals ---------------------------------------------------------------
@pytest.mark.postgres
def test_a_refused_login_is_terminal_not_retry_later(home: Path, pg_url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(pg_url)
    url = f"postgresql://{parts.username}:{PASSWORD}@{parts.hostname}:{parts.port}/no_such_db_x"
    settings = load_settings(home=home, warehouse={"url": url})
    with open_warehouse(settings.warehouse, settings.home) as warehouse:
        with pytest.raises(WarehouseConfigError, match="refused the connection") as exc:
            warehouse.query("SELECT 1")
    assert not exc.value.transient and PASSWORD not in str(exc.value)
