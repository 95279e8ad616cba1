"""The loader against every backend (DuckDB file and the real PostgreSQL server):
creation, idempotence, both insert modes, schema checks, rollback, rejected rows."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest
from warehouse_helpers import pg_execute, rows, write_day

from courtside.config import Settings
from courtside.runs import RunRecorder
from courtside.warehouse.base import ROWS_SCHEMA, create_table_sql
from courtside.warehouse.errors import LoadError, SchemaMismatchError
from courtside.warehouse.loader import load, open_warehouse

D1, D2, D9 = date(2020, 3, 1), date(2020, 3, 2), date(2020, 2, 9)
LONG = "x" * 256


def seed_lake(settings: Settings) -> None:
    write_day(settings, D1, {"LeBron James": 3, "Luka Dončić": 2, 'O\'Neal "Shaq", Jr.': 1})
    write_day(settings, D2, {"LeBron James": 1, "": 4})


def test_load_creates_the_table_and_is_idempotent(target: tuple[str, Settings]) -> None:
    _, settings = target
    seed_lake(settings)
    first = load(settings)
    assert first.stats is not None and first.stats.rows_inserted == 5
    expected = [
        (2020, 3, 1, "LeBron James", 3),
        (2020, 3, 1, "Luka Dončić", 2),
        (2020, 3, 1, 'O\'Neal "Shaq", Jr.', 1),
        (2020, 3, 2, "", 4),
        (2020, 3, 2, "LeBron James", 1),
    ]
    assert sorted(rows(settings)) == sorted(expected)
    second = load(settings)
    assert second.stats is not None and second.stats.rows_deleted == 5
    assert sorted(rows(settings)) == sorted(expected)
    with open_warehouse(settings) as warehouse:
        assert [str(c) for c in warehouse.columns() or []] == [
            "year integer not null",
            "month integer not null",
            "day integer not null",
            "player varchar(255) not null",
            "total integer not null",
        ]
    record = RunRecorder(settings).get(second.run_id or "")
    assert record is not None and record.kind == "load" and record.counts["rows_inserted"] == 5


def test_replace_days_replaces_exactly_the_loaded_days(target: tuple[str, Settings]) -> None:
    _, settings = target
    write_day(settings, D9, {"Old Timer": 7})
    write_day(settings, D1, {"LeBron James": 99})
    load(settings)
    # D9 leaves the lake; D1 is recomputed; D2 is new.
    (settings.lake / "players_total_tweets/year=2020/month=02/day=09").rename(
        settings.lake / "players_total_tweets/.gone"
    )
    write_day(settings, D1, {"LeBron James": 3})
    write_day(settings, D2, {})
    outcome = load(settings)
    assert outcome.days == [D1, D2] and outcome.stats is not None
    assert outcome.stats.rows_deleted == 1
    assert rows(settings) == [(2020, 2, 9, "Old Timer", 7), (2020, 3, 1, "LeBron James", 3)]
    truncated = load(settings, mode="truncate")
    assert truncated.stats is not None and truncated.stats.rows_deleted == 2
    assert rows(settings) == [(2020, 3, 1, "LeBron James", 3)]


def test_a_table_with_another_schema_is_a_clear_error(target: tuple[str, Settings]) -> None:
    kind, settings = target
    seed_lake(settings)
    load(settings)
    with open_warehouse(settings) as warehouse:
        before = warehouse.query("SELECT count(*) FROM playerstotaltweets").rows
    # Same name, wrong shape: total is text and player may be null.
    other = settings.model_copy(
        update={"warehouse": settings.warehouse.model_copy(update={"table": "other_t"})}
    )
    ddl = "CREATE TABLE other_t (year integer, month integer, day integer, player text, total text)"
    if kind == "duckdb":
        import duckdb

        con = duckdb.connect(str(settings.home / "warehouse.duckdb"))
        con.execute(ddl)
        con.close()
    else:
        assert settings.warehouse.url is not None
        pg_execute(settings.warehouse.url.get_secret_value(), ddl)
    with pytest.raises(SchemaMismatchError, match="other_t has a different schema"):
        load(other)
    with open_warehouse(settings) as warehouse:
        assert warehouse.query("SELECT count(*) FROM playerstotaltweets").rows == before


def test_a_failing_load_is_rolled_back(target: tuple[str, Settings]) -> None:
    _, settings = target
    seed_lake(settings)
    load(settings)
    before = rows(settings)
    bad = pa.table(
        {
            "year": pa.array([2020], pa.int32()),
            "month": pa.array([3], pa.int32()),
            "day": pa.array([1], pa.int32()),
            "player": pa.array(["Nobody"]),
            "total": pa.array([None], pa.int32()),
        }
    )
    with open_warehouse(settings) as warehouse, pytest.raises(LoadError, match="rolled back"):
        # The delete of both days runs first, then the insert hits NOT NULL.
        warehouse.load(bad, [D1, D2], "replace-days")
    assert rows(settings) == before
    with open_warehouse(settings) as warehouse, pytest.raises(LoadError):
        warehouse.load(bad, [D1], "truncate")
    assert rows(settings) == before


def test_rows_that_do_not_fit_are_rejected_and_counted(target: tuple[str, Settings]) -> None:
    _, settings = target
    write_day(settings, D1, {"LeBron James": 3, LONG: 2})
    outcome = load(settings)
    assert outcome.rows == 1 and outcome.rejected == 1
    assert rows(settings) == [(2020, 3, 1, "LeBron James", 3)]
    record = RunRecorder(settings).get(outcome.run_id or "")
    assert record is not None and record.counts["rejected"] == 1
    assert record.details["rejected_examples"][0]["player"] == LONG[:80]


def test_dry_run_changes_nothing(target: tuple[str, Settings]) -> None:
    _, settings = target
    seed_lake(settings)
    outcome = load(settings, dry_run=True)
    assert outcome.dry_run and outcome.rows == 5 and outcome.stats is None
    with open_warehouse(settings) as warehouse:
        assert warehouse.columns() is None


def test_nothing_to_load_is_said(target: tuple[str, Settings]) -> None:
    _, settings = target
    outcome = load(settings)
    assert outcome.days == [] and outcome.stats is None
    record = RunRecorder(settings).get(outcome.run_id or "")
    assert record is not None and record.status == "skipped"


def test_query_is_read_only(target: tuple[str, Settings]) -> None:
    _, settings = target
    seed_lake(settings)
    load(settings)
    from courtside.warehouse.errors import QueryError

    with open_warehouse(settings) as warehouse:
        with pytest.raises(QueryError):
            warehouse.query("DELETE FROM playerstotaltweets")
        with pytest.raises(QueryError):
            warehouse.query(create_table_sql("another"))
        result = warehouse.query("SELECT * FROM playerstotaltweets", max_rows=2)
    assert result.truncated and len(result.rows) == 2
    assert len(rows(settings)) == 5


def test_rows_schema_is_the_warehouse_schema() -> None:
    assert ROWS_SCHEMA.names == ["year", "month", "day", "player", "total"]
