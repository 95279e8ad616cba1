"""``courtside sql`` one-shot output (table, CSV, JSON) over catalog tables."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from cli_runner_helpers import Courtside
from courtside.catalog.crawler import crawl
from courtside.config import Settings
from courtside.errors import CourtsideError
from courtside.lake.layout import write_atomic


def _table(settings: Settings) -> list[str]:
    rows = [
        {"id": "1", "users": [{"username": "a,b"}]},
        {"id": "2", "users": [{"username": "c"}]},
    ]
    write_atomic(
        settings.lake / "tweets/year=2020/month=03/day=01/x.json",
        [orjson.dumps(r) + b"\n" for r in rows],
        durable=False,
    )
    crawl(settings)
    return ["--home", str(settings.home), "sql"]


QUERY = "SELECT id, users[1].username AS who, day FROM twitter_nba_db.tweets ORDER BY id"


def test_sql_one_shot_csv_json_and_table(courtside: Courtside, settings: Settings) -> None:
    cmd = _table(settings)
    out = courtside.invoke(*cmd, QUERY, "--format", "csv")
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == ["id,who,day", '1,"a,b",01', "2,c,01"]
    out = courtside.invoke(*cmd, QUERY, "--format", "json")
    assert json.loads(out.output) == [
        {"id": "1", "who": "a,b", "day": "01"},
        {"id": "2", "who": "c", "day": "01"},
    ]
    out = courtside.invoke(*cmd, QUERY, env={"COLUMNS": "120"})
    assert "a,b" in out.output and "2 row(s)" in out.output


def test_sql_errors_are_one_line_and_interactive_mode_reads_stdin(
    courtside: Courtside, settings: Settings
) -> None:
    cmd = _table(settings)
    out = courtside.invoke(*cmd, "SELECT * FROM twitter_nba_db.nope")
    assert out.exit_code != 0 and "nope" in str(out.exception)
    session = "SELECT count(*) AS n\nFROM twitter_nba_db.tweets;\nSELECT broken;\n.quit\n"
    out = courtside.invoke(*cmd, "--format", "csv", input=session)
    assert out.exit_code == 0, out.output
    assert "n\n2\n" in out.output
    assert (settings.state_dir / "sql_history").exists()


# -- read-only by default (issue #10.6) ------------------------------------------------
def _warehouse(settings: Settings) -> None:
    import pyarrow as pa

    from courtside.warehouse.base import ROWS_SCHEMA
    from courtside.warehouse.duckdb import DuckDBWarehouse

    rows = pa.table(
        {"year": [2020], "month": [3], "day": [1], "player": ["x"], "total": [1]}, ROWS_SCHEMA
    )
    DuckDBWarehouse(settings.home / "warehouse.duckdb").load(rows, [], "truncate")


ESCAPES = [
    "ATTACH '{home}/warehouse.duckdb' AS w",
    "ATTACH '{home}/warehouse.duckdb' AS w; DROP TABLE w.playerstotaltweets",
    "COPY (SELECT 1) TO '{tmp}/out.csv'",
    "COPY (SELECT 1) TO '{home}/lake/tweets/out.csv'",
    "COPY twitter_nba_db.tweets TO '{tmp}/out.parquet' (FORMAT parquet)",
    "CREATE TABLE t AS SELECT 1 AS a; COPY t FROM '/etc/hostname'",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_csv('/etc/hostname')",
    "SELECT * FROM read_json('{home}/courtside.toml')",
    "SELECT * FROM glob('/*')",
    "SELECT * FROM glob('{home}/*')",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET allowed_directories = ['/']",
    "PRAGMA enable_profiling",
    "CALL pragma_version()",
    "EXPORT DATABASE '{tmp}/export'",
    "SELECT 1; SELECT 2",
    "EXPLAIN ANALYZE COPY (SELECT 1) TO '{tmp}/out.csv'",
    "CREATE VIEW v AS SELECT 1",
]


@pytest.mark.parametrize("query", ESCAPES)
def test_sql_is_read_only_by_default(
    courtside: Courtside, settings: Settings, tmp_path: Path, query: str
) -> None:
    cmd = _table(settings)
    _warehouse(settings)
    before = sorted(p.relative_to(settings.home) for p in settings.home.rglob("*"))
    outside = sorted(tmp_path.iterdir())
    sql_text = query.format(home=settings.home, tmp=tmp_path)
    out = courtside.invoke(*cmd, sql_text)
    assert out.exit_code != 0 and isinstance(out.exception, CourtsideError), out.output
    assert "\n" not in str(out.exception)
    after = sorted(p.relative_to(settings.home) for p in settings.home.rglob("*"))
    assert [p for p in after if p not in before and "sql_history" not in str(p)] == []
    assert sorted(tmp_path.iterdir()) == outside
    from courtside.warehouse.duckdb import DuckDBWarehouse

    wh = DuckDBWarehouse(settings.home / "warehouse.duckdb")
    assert wh.query("SELECT count(*) FROM playerstotaltweets").rows == [(1,)]


def test_sql_write_lifts_the_read_only_mode(
    courtside: Courtside, settings: Settings, tmp_path: Path
) -> None:
    cmd = _table(settings)
    target = tmp_path / "out.csv"
    out = courtside.invoke(
        *cmd, "--write", f"COPY (SELECT count(*) AS n FROM twitter_nba_db.tweets) TO '{target}'"
    )
    assert out.exit_code == 0, out.output
    assert target.read_text().splitlines() == ["n", "2"]


def test_sql_reads_every_catalog_table_read_only(courtside: Courtside, settings: Settings) -> None:
    cmd = _table(settings)
    for query in ("SHOW ALL TABLES", "DESCRIBE twitter_nba_db.tweets", "EXPLAIN " + QUERY,
                  "SUMMARIZE twitter_nba_db.tweets", "FROM twitter_nba_db.tweets"):  # fmt: skip
        out = courtside.invoke(*cmd, query, "--format", "csv")
        assert out.exit_code == 0, (query, out.output)


def test_unqualified_table_names_get_a_suggestion(courtside: Courtside, settings: Settings) -> None:
    cmd = _table(settings)
    out = courtside.invoke(*cmd, "SELECT count(*) FROM tweets")
    assert "try twitter_nba_db.tweets" in str(out.exception)
    out = courtside.invoke(*cmd, "SELECT count(*) FROM nosuch")
    assert "try" not in str(out.exception) and "nosuch" in str(out.exception)


def test_shell_meta_commands(courtside: Courtside, settings: Settings) -> None:
    cmd = _table(settings)
    session = (
        ".help\n.tables\n.schema tweets\n.schema nosuch\n.bogus\n"
        "SELECT 1 AS a; SELECT 2 AS b;\nSELECT * FROM tweets;\nCOPY (SELECT 1) TO '/tmp/x.csv';\n"
        "\\q\nSELECT 'never run' AS z;\n"
    )
    out = courtside.invoke(*cmd, "--format", "csv", input=session)
    assert out.exit_code == 0, out.output
    text = out.output
    assert ".schema [TABLE]" in text and ".quit, .exit, \\q" in text
    assert "twitter_nba_db.tweets │ json" in text
    for column in ("id", "users", "year", "month", "day"):
        assert f"│ {column} " in text
    assert "no table nosuch" in text and "unknown command .bogus" in text
    assert "a\n1\n" in text and "b\n2\n" in text
    assert "try twitter_nba_db.tweets" in text and "not COPY" in text
    assert "never run" not in text
