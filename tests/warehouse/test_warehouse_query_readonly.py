"""``warehouse query`` is read-only unless ``--write``, enforced by each engine: every
escape the attack testing found (and its class) is refused and changes nothing."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from warehouse_helpers import rows, write_day

from cli_runner_helpers import Courtside
from courtside.config import Settings
from courtside.warehouse.errors import QueryError
from courtside.warehouse.loader import load, open_warehouse

D1 = date(2020, 3, 1)


@pytest.fixture
def loaded(target: tuple[str, Settings]) -> tuple[str, Settings]:
    kind, settings = target
    write_day(settings, D1, {"LeBron James": 3, "Luka Doncic": 2})
    load(settings)
    return kind, settings


def _refused(settings: Settings, sql: str, match: str | None = None) -> str:
    with open_warehouse(settings) as warehouse, pytest.raises(QueryError, match=match) as caught:
        warehouse.query(sql)
    return str(caught.value)


def _intact(settings: Settings) -> None:
    assert [r[3:] for r in rows(settings)] == [("LeBron James", 3), ("Luka Doncic", 2)]


ESCAPES_BOTH = [
    "SELECT 1; COMMIT; DROP TABLE playerstotaltweets",
    "COMMIT; DROP TABLE playerstotaltweets",
    "SELECT 1; DELETE FROM playerstotaltweets",
    "DROP TABLE playerstotaltweets",
    "DELETE FROM playerstotaltweets",
    "UPDATE playerstotaltweets SET total = 0",
    "INSERT INTO playerstotaltweets VALUES (2020, 3, 1, 'x', 1)",
    "CREATE TABLE other AS SELECT * FROM playerstotaltweets",
    "TRUNCATE playerstotaltweets",
]


@pytest.mark.parametrize("sql", ESCAPES_BOTH)
def test_writes_and_multi_statement_strings_are_refused(
    loaded: tuple[str, Settings], sql: str
) -> None:
    _, settings = loaded
    _refused(settings, sql)
    _intact(settings)


DUCKDB_ESCAPES = [
    ("COPY (SELECT 1) TO '{tmp}/out.csv'", "COPY"),
    ("COPY playerstotaltweets TO '{tmp}/out.csv'", "COPY"),
    ("COPY playerstotaltweets FROM '/etc/hostname'", "COPY"),
    ("EXPORT DATABASE '{tmp}/export'", "EXPORT"),
    ("ATTACH '{tmp}/other.duckdb' AS other", "ATTACH"),
    ("INSTALL httpfs", "LOAD"),
    ("LOAD httpfs", "LOAD"),
    ("SET enable_external_access = true", "SET"),
    ("RESET enable_external_access", "SET"),
    ("PRAGMA enable_profiling", "PRAGMA"),
    ("CALL pragma_version()", "CALL"),
    ("EXPLAIN ANALYZE COPY (SELECT 1) TO '{tmp}/out.csv'", "COPY"),
    ("SELECT * FROM read_text('/etc/passwd')", "Permission"),
    ("SELECT * FROM read_csv('/etc/hostname')", "Permission"),
    ("SELECT * FROM read_blob('{tmp}/secret.txt')", "Permission"),
    ("SELECT * FROM glob('/*')", "Permission"),
]


@pytest.mark.parametrize(("sql", "match"), DUCKDB_ESCAPES, ids=[s for s, _ in DUCKDB_ESCAPES])
def test_duckdb_file_and_engine_escapes_are_refused(
    home: Path, tmp_path: Path, sql: str, match: str
) -> None:
    from courtside.config import load_settings

    settings = load_settings(home=home)
    write_day(settings, D1, {"LeBron James": 3, "Luka Doncic": 2})
    load(settings)
    (tmp_path / "secret.txt").write_text("secret")
    before = sorted(p.name for p in tmp_path.iterdir())
    message = _refused(settings, sql.format(tmp=tmp_path), match)
    assert "\n" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
    _intact(settings)


def test_queries_still_work_read_only(loaded: tuple[str, Settings]) -> None:
    _, settings = loaded
    with open_warehouse(settings) as warehouse:
        result = warehouse.query("SELECT sum(total) AS n FROM playerstotaltweets;")
        assert result.rows == [(5,)]
        assert warehouse.query("SELECT 1 -- a comment").rows == [(1,)]


def test_write_runs_everything_and_commits(loaded: tuple[str, Settings]) -> None:
    _, settings = loaded
    with open_warehouse(settings) as warehouse:
        warehouse.query(
            "DELETE FROM playerstotaltweets WHERE player = 'Luka Doncic';"
            " UPDATE playerstotaltweets SET total = 7",
            write=True,
        )
    assert [r[3:] for r in rows(settings)] == [("LeBron James", 7)]


@pytest.mark.postgres
def test_postgres_notes_a_role_that_can_touch_server_files(pg_url: str, home: Path) -> None:
    from courtside.config import load_settings

    settings = load_settings(home=home, warehouse={"url": pg_url})
    with open_warehouse(settings) as warehouse:
        result = warehouse.query("SELECT current_user")
    (user,) = result.rows[0]
    from warehouse_helpers import pg_execute

    (superuser,) = pg_execute(pg_url, f"SELECT rolsuper FROM pg_roles WHERE rolname = '{user}'")[0]
    assert bool(result.notes) == bool(superuser)
    if result.notes:
        assert "read-only transaction does not stop pg_read_file()" in result.notes[0]


def test_the_command_refuses_in_one_line_and_write_lifts_it(
    courtside: Courtside, home: Path
) -> None:
    from courtside.config import load_settings

    settings = load_settings(home=home)
    write_day(settings, D1, {"LeBron James": 3})
    load(settings)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return courtside("warehouse", "query", *args, home=home, ok=False, text=True)

    refused = cli("SELECT 1; DROP TABLE playerstotaltweets")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "read-only mode runs exactly one statement, got 2" in " ".join(refused.stderr.split())
    assert cli("DROP TABLE playerstotaltweets", "--write").returncode == 0
    gone = cli("SELECT * FROM playerstotaltweets")
    assert gone.returncode == 1 and "playerstotaltweets" in gone.stderr
