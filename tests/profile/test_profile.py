"""The profile job: figures per column kind, storage in the lake, the catalog, bad input."""

from __future__ import annotations

import statistics
import subprocess
from datetime import date
from pathlib import Path

import pytest
from profile_helpers import day_rows, write_table

from cli_runner_helpers import Courtside
from courtside.catalog.query import open_duckdb
from courtside.catalog.store import Catalog
from courtside.config import Settings
from courtside.lake.tables import partition_version
from courtside.places import Places
from courtside.profile import (
    Bin,
    ProfileError,
    latest_profiles,
    null_share_history,
    profile_table,
    read_profile,
    run_profile,
)
from courtside.runs import RunRecorder

DAY = date(2020, 3, 1)


@pytest.fixture
def places(settings: Settings) -> Places:
    write_table(settings, "metrics", {DAY: day_rows(), date(2020, 3, 2): day_rows(shift=4)})
    return Places.for_home(settings.home)


@pytest.fixture
def catalog(places: Places) -> Catalog:
    return Catalog(places.state("catalog.db"))


def test_each_column_kind_gets_its_figures(places: Places, catalog: Catalog) -> None:
    p = profile_table(places, catalog, "metrics", day=DAY)
    assert (p.table, p.day, p.scope, p.rows) == ("metrics", DAY, "day", 6)
    n = p.column("n")
    assert (n.kind, n.count, n.nulls, n.distinct_approx, n.min, n.max) == (
        "number",
        5,
        1,
        4,
        "1",
        "10",
    )
    assert n.mean == pytest.approx(statistics.mean([1, 2, 2, 3, 10]))
    assert n.stddev == pytest.approx(statistics.stdev([1, 2, 2, 3, 10]))
    assert n.top_values == [("2", 2), ("1", 1), ("10", 1), ("3", 1)]
    # Integers spanning 10 values: one bin per value.
    assert n.value_histogram == [
        Bin(float(v), float(v + 1), c)
        for v, c in zip(range(1, 11), [1, 2, 1, 0, 0, 0, 0, 0, 0, 1], strict=True)
    ]
    x = p.column("x")
    assert (x.min, x.max, x.nulls) == ("-1.0", "4.0", 1)
    assert sum(b.count for b in x.value_histogram) == 5 and len(x.value_histogram) == 10
    assert x.value_histogram[0].lo == -1.0 and x.value_histogram[-1].hi == pytest.approx(4.0)
    s = p.column("s")
    assert (s.kind, s.count, s.distinct_approx, s.min, s.max) == ("string", 5, 3, "a", "dddd")
    assert (s.min_length, s.max_length, s.mean_length) == (1, 4, pytest.approx(2.2))
    assert s.top_values == [("bb", 3), ("a", 1), ("dddd", 1)]
    assert [b.count for b in s.length_histogram] == [1, 3, 0, 1]
    b = p.column("b")
    assert (b.kind, b.top_values, b.null_share) == ("boolean", [("true", 4), ("false", 2)], 0.0)
    ts = p.column("ts")
    assert (ts.kind, ts.count, ts.nulls) == ("temporal", 5, 1)
    assert ts.min is not None and ts.min.startswith("2020-03-01")
    tags = p.column("tags")
    assert (tags.kind, tags.count, tags.min_length, tags.max_length) == ("list", 5, 0, 3)
    assert [b.count for b in tags.length_histogram] == [1, 2, 1, 1]
    assert tags.distinct_approx is None and tags.top_values == []
    who = p.column("who")
    assert (who.kind, who.profiled, who.count, who.nulls) == ("struct", False, 4, 2)
    assert "only counted" in who.note
    m = p.column("m")
    assert (m.kind, m.count, m.min_length, m.max_length) == ("map", 4, 0, 2)


def test_profiles_are_stored_per_day_registered_and_replaced_as_a_unit(
    settings: Settings, places: Places, catalog: Catalog
) -> None:
    first = run_profile(places, catalog, "metrics", day=DAY)
    [key] = first.keys
    assert key.startswith("profiles/metrics/year=2020/month=03/day=01/part-")
    assert first.catalog_table == "twitter_nba_db.metrics_profile"
    again = run_profile(places, catalog, "metrics", day=DAY)
    version = partition_version(places.lake, "profiles/metrics/year=2020/month=03/day=01")
    assert [o.key for o in version.files] == again.keys and version.stale == []
    stored = read_profile(places.lake, "metrics", DAY)
    assert stored is not None and stored.rows == 6 and stored.column("s").top_values[0] == ("bb", 3)
    run_profile(places, catalog, "metrics", day=date(2020, 3, 2))
    con = open_duckdb(settings)
    rows = con.execute(
        "SELECT day, count(*), max(rows) FROM twitter_nba_db.metrics_profile"
        " GROUP BY day ORDER BY day"
    ).fetchall()
    assert rows == [("01", 11, 6), ("02", 11, 6)]  # 8 columns + year, month, day
    assert len(catalog.partitions("twitter_nba_db", "metrics_profile")) == 2
    [latest] = latest_profiles(places.lake)
    assert (latest.table, latest.day) == ("metrics", date(2020, 3, 2))
    history = [h for h in null_share_history(places.lake, "metrics") if h["column"] == "n"]
    assert [(h["day"], h["null_share"]) for h in history] == [
        (DAY, pytest.approx(1 / 6)),
        (date(2020, 3, 2), pytest.approx(1 / 6)),
    ]
    runs = RunRecorder(path=places.state("runs.db")).list(kind="profile")
    assert [r.status for r in runs] == ["succeeded"] * 3 and runs[0].counts["rows"] == 6


def test_a_whole_table_profile_covers_every_day(places: Places, catalog: Catalog) -> None:
    p = profile_table(places, catalog, "twitter_nba_db.metrics")
    assert (p.scope, p.rows) == ("table", 12)
    assert p.column("n").max == "10" and p.column("day").top_values == [("01", 6), ("02", 6)]


def test_a_day_with_zero_rows_profiles_as_empty(places: Places, catalog: Catalog) -> None:
    result = run_profile(places, catalog, "metrics", day=date(2020, 3, 9))
    p = result.profile
    assert p.rows == 0
    for col in p.columns:
        assert (col.count, col.nulls, col.null_share, col.top_values) == (0, 0, 0.0, [])
        assert col.value_histogram == [] and col.length_histogram == []
    assert read_profile(places.lake, "metrics", date(2020, 3, 9)) is not None


def test_a_table_that_does_not_exist_is_a_clear_error(places: Places, catalog: Catalog) -> None:
    with pytest.raises(
        ProfileError,
        match=r"cannot profile 'nope': no such table in the catalog "
        r"\(tables: twitter_nba_db.metrics;",
    ):
        run_profile(places, catalog, "nope")
    failed = RunRecorder(path=places.state("runs.db")).list(kind="profile")
    assert [r.status for r in failed] == ["failed"]
    assert places.lake.list_objects("profiles") == []


def test_a_date_on_a_table_without_date_columns_is_a_clear_error(
    settings: Settings, places: Places, catalog: Catalog
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from courtside.catalog.crawler import crawl

    folder = settings.lake / "flat"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"v": [1, 2]}), folder / "part-0.parquet")
    crawl(settings, "flat")
    with pytest.raises(ProfileError, match="has no 'year' column"):
        profile_table(places, catalog, "flat", day=DAY)
    assert profile_table(places, catalog, "flat").rows == 2


def test_cli_profile(
    courtside: Courtside, tmp_path: Path, settings: Settings, places: Places
) -> None:
    import json

    def cli(*args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        wide = {"COLUMNS": "400"}
        return courtside(*args, home=settings.home, code=code, text=True, env=wide)

    out = json.loads(cli("profile", "metrics", "--date", "2020-03-01", "--json").stdout)
    assert (out["rows"], out["columns"], out["scope"]) == (6, 8 + 3, "day")
    assert {r["column_name"] for r in out["profile"]} >= {"n", "s", "who", "year"}
    assert "metrics" in cli("profile", "metrics").stdout
    err = cli("profile", "nope", code=1).stderr.strip()
    assert err.startswith("error: cannot profile 'nope'") and len(err.splitlines()) == 1
    assert "is not a real date" in cli("profile", "metrics", "--date", "2020-02-30", code=1).stderr
