"""The dashboard's data access on real files: warehouse (DuckDB, PostgreSQL), alerts,
runs, streams, lake zones, error output, empty states and read-only access."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dashboard_helpers as h
import pytest

from courtside.config import Settings, load_settings
from courtside.dashboard import data, stats
from courtside.dashboard.errors import NoDataError, SourceError, SourceUnavailableError
from courtside.dashboard.warehouse_view import WarehouseView
from courtside.reference.players import PlayersTable

START, END = h.DAYS[0], h.DAYS[-1]


@pytest.fixture
def full(settings: Settings) -> Settings:
    h.build_home(settings)
    return settings


# -- empty states ----------------------------------------------------------------------
def test_empty_home_tells_what_to_run(settings: Settings) -> None:
    view = WarehouseView(settings)
    with pytest.raises(NoDataError) as exc:
        view.summary()
    assert "courtside demo" in exc.value.hint and "courtside load" in exc.value.hint
    with pytest.raises(NoDataError) as exc:
        data.latest_alerts(settings)
    assert "courtside detect" in exc.value.hint
    with pytest.raises(NoDataError) as exc:
        data.last_runs(settings)
    assert "courtside pipeline nightly" in exc.value.hint
    with pytest.raises(NoDataError) as exc:
        data.posts_by_region(settings, START, END)
    assert "courtside deliver" in exc.value.hint
    assert data.error_output(settings).total == 0
    assert all(z.files == 0 for z in data.lake_zones(settings))
    streams, groups = data.stream_health(settings)
    assert {s.name: s.length for s in streams} == {"alerts": 0, "control": 0, "tweets": 0}
    assert groups == []


def test_missing_home_creates_nothing(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "nowhere")
    for call in (
        lambda: WarehouseView(settings).summary(),
        lambda: data.latest_alerts(settings),
        lambda: data.stream_health(settings),
        lambda: data.last_runs(settings),
        lambda: data.lake_zones(settings),
        lambda: data.posts_by_region(settings),
    ):
        with pytest.raises(NoDataError) as exc:
            call()
        assert "courtside" in exc.value.hint
    assert not (tmp_path / "nowhere").exists()


def test_empty_warehouse_table_is_an_empty_state(settings: Settings) -> None:
    import duckdb

    path = settings.home / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE playerstotaltweets (year integer not null, month integer not null,"
            " day integer not null, player varchar(255) not null, total integer not null)"
        )
    with pytest.raises(NoDataError, match="is empty"):
        WarehouseView(settings).summary()


def test_bad_warehouse_url_names_no_password(settings: Settings) -> None:
    with pytest.raises(SourceError) as exc:
        WarehouseView(settings, "mysql://user:hunter2@db/x")
    assert "hunter2" not in str(exc.value) + exc.value.hint


# -- warehouse (both backends) ---------------------------------------------------------
@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def view(request: pytest.FixtureRequest, settings: Settings) -> Iterator[WarehouseView]:
    if request.param == "duckdb":
        h.write_warehouse(settings)
        yield WarehouseView(settings)
        return
    from courtside.warehouse.postgres import PostgresWarehouse

    url = request.getfixturevalue("pg_schema")
    PostgresWarehouse(url).load(h.warehouse_rows(), list(h.DAYS), "replace-days")
    yield WarehouseView(settings, url)


def test_warehouse_queries(view: WarehouseView) -> None:
    summary = view.summary()
    assert (summary.first_day, summary.last_day) == (START, END)
    assert summary.players == len(h.TOTALS)
    top = view.player_totals(START, END, limit=3)
    assert [(t.player, t.total, t.days_with_posts, t.best_day) for t in top] == [
        ("LeBron James", 150, 3, 60),
        ("Luka Doncic", 60, 3, 30),
        ("Jayson Tatum", 20, 2, 15),
    ]
    # One day only, and a player filter.
    may2 = view.player_totals(h.DAYS[1], h.DAYS[1], ["Luka Doncic", "Jayson Tatum"])
    assert [(t.player, t.total) for t in may2] == [("Luka Doncic", 20)]
    assert view.days(START, END) == list(h.DAYS)
    daily = view.daily(START, END, ["Jayson Tatum"])
    assert [(d.day, d.total) for d in daily] == [(h.DAYS[0], 5), (h.DAYS[2], 15)]
    assert set(view.players()) == set(h.TOTALS)
    # Hostile names are plain values: they neither break nor widen a filter.
    assert [t.player for t in view.player_totals(START, END, [h.SCRIPT])] == [h.SCRIPT]
    assert view.player_totals(START, END, ["x' OR '1'='1"]) == []


def test_warehouse_is_read_only(view: WarehouseView) -> None:
    before = view.player_totals(START, END)
    for statement in (
        "DELETE FROM playerstotaltweets",
        "INSERT INTO playerstotaltweets VALUES (2024, 5, 1, 'x', 1)",
        "CREATE TABLE intruder (x integer)",
    ):
        with pytest.raises(SourceError, match="(?i)read.only"):
            view.fetch(statement, [])
    assert view.player_totals(START, END) == before


def test_duckdb_file_is_untouched_by_reads(settings: Settings) -> None:
    path = h.write_warehouse(settings)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    view = WarehouseView(settings)
    view.summary()
    view.player_totals(START, END)
    view.daily(START, END, ["LeBron James"])
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert not path.with_name(path.name + ".wal").exists()


def test_duckdb_busy_while_a_writer_holds_it(settings: Settings) -> None:
    path = h.write_warehouse(settings)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(path)!r})
                print("locked", flush=True)
                sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == b"locked"
        with pytest.raises(SourceUnavailableError) as exc:
            WarehouseView(settings).summary()
        assert "courtside load" in exc.value.hint
    finally:
        holder.communicate(b"", timeout=30)
    # Released: readable again.
    assert WarehouseView(settings).summary().rows > 0


def test_duckdb_url_form(settings: Settings, tmp_path: Path) -> None:
    path = h.write_warehouse(settings)
    moved = tmp_path / "elsewhere.duckdb"
    path.rename(moved)
    view = WarehouseView(settings, f"duckdb:{moved}")
    assert view.describe() == f"duckdb:{moved.resolve()}"
    assert view.summary().rows == len(h.warehouse_rows())


# -- percentile maths ------------------------------------------------------------------
def test_quantile_and_percentile_rank() -> None:
    assert stats.quantile([0, 5, 15], 0.5) == 5
    assert stats.quantile([0, 5, 15], 0.9) == pytest.approx(13.0)
    assert stats.quantile([7], 0.3) == 7
    assert stats.percentile_rank([1, 2, 3, 4], 4) == 87.5
    assert stats.percentile_rank([5, 5, 5, 5], 5) == 50.0
    assert stats.percentile_rank([1, 2, 3, 4], 0) == 0.0
    assert stats.percentile_curve([1, 2, 3, 4, 5], step=25) == [
        (0, 1),
        (25, 2),
        (50, 3),
        (75, 4),
        (100, 5),
    ]
    with pytest.raises(ValueError):
        stats.quantile([], 0.5)
    with pytest.raises(ValueError):
        stats.quantile([1], 1.5)


def test_standings_from_the_warehouse(settings: Settings) -> None:
    h.write_warehouse(settings)
    view = WarehouseView(settings)
    chosen = ["LeBron James", "Jayson Tatum", "Nobody"]
    days = view.days(START, END)
    averages, placed = stats.standings(
        view.player_totals(START, END), view.daily(START, END, chosen), days, chosen
    )
    assert sorted(averages) == sorted(sum(t) / 3 for t in h.TOTALS.values())
    lebron, tatum, nobody = placed
    assert (lebron.total, lebron.avg_daily, lebron.max_daily) == (150, 50.0, 60)
    assert lebron.percentile == pytest.approx(100 * 7.5 / 8)
    # Tatum had no row on May 2: that day counts as 0.
    assert (tatum.median_daily, tatum.p90_daily, tatum.days_with_posts) == (5.0, 13.0, 2)
    assert tatum.percentile == pytest.approx(100 * 5.5 / 8)
    assert (nobody.total, nobody.percentile) == (0, 0.0)
    filled = stats.zero_filled(view.daily(START, END, ["Jayson Tatum"]), days, ["Jayson Tatum"])
    assert [r.total for r in filled] == [5, 0, 15]


# -- alerts, runs, streams, lake, errors ------------------------------------------------
def test_latest_alerts_collapse_updates_and_keep_text(full: Settings) -> None:
    alerts, length, invalid = data.latest_alerts(full)
    assert length == 6  # including the record that is not JSON and the two bad alerts
    # Newest first; each with its reason, never a crash or a silent skip.
    assert [(b.seq, b.reason.split(" ")[0]) for b in invalid] == [
        (6, "total"),
        (5, "version"),
        (4, "not"),
    ]
    assert invalid[1].reason == "version is not a positive integer (1e+30)"
    assert [(a.team, a.player, a.total, a.version) for a in alerts] == [
        ("Boston Celtics", "LeBron James", 4, 2),
        (h.SCRIPT, h.IMG, 3, 1),
    ]
    assert alerts[0].players == ("Jaylen Brown", "Jayson Tatum")
    assert alerts[1].players == (h.LINK, h.BARE_LINK)
    assert alerts[0].window_start == "2024-05-01T12:00:00Z"


def test_filter_alerts(full: Settings) -> None:
    alerts, _, _ = data.latest_alerts(full)
    table = PlayersTable.default()
    # LeBron plays for the Lakers: an alert targeting him involves the Lakers.
    lakers = data.filter_alerts(alerts, table, teams=["Los Angeles Lakers"])
    assert [a.player for a in lakers] == ["LeBron James"]
    assert [a.team for a in data.filter_alerts(alerts, table, teams=["boston celtics"])] == [
        "Boston Celtics"
    ]
    senders = data.filter_alerts(alerts, table, players=["Jayson Tatum"])
    assert [a.player for a in senders] == ["LeBron James"]
    assert data.filter_alerts(alerts, table, teams=["Utah Jazz"]) == []
    assert len(data.filter_alerts(alerts, table)) == 2


BAD_FIELDS = [
    ({"version": 10**30}, "version is not a positive integer"),
    ({"version": 0}, "version is not a positive integer"),
    ({"version": -1}, "version is not a positive integer"),
    ({"version": True}, "version is not a positive integer"),
    ({"version": 1.5}, "version is not a positive integer"),
    ({"version": "2"}, "version is not a positive integer"),
    ({"total": 10**31}, "total is not a count"),
    ({"total": -2}, "total is not a count"),
    ({"total": "many"}, "total is not a count"),
    ({"total": None}, "total is not a count"),
    ({"team": ["a", "b"]}, "team is not a name"),
    ({"team": ""}, "team is not a name"),
    ({"tamperingPlayer": {"x": 1}}, "tamperingPlayer is not a name"),
    ({"players": "Jimmy Butler"}, "players is not a list"),
    ({"window_start": 1714564800000}, "window_start or window_end is not text"),
]


@pytest.mark.parametrize(("change", "reason"), BAD_FIELDS, ids=[r for _, r in BAD_FIELDS])
def test_a_bad_alert_field_is_an_error_row_not_a_crash(
    settings: Settings, change: dict[str, object], reason: str
) -> None:
    import json

    import orjson

    from courtside.dashboard.text import cell
    from courtside.home import open_stream

    good = h.alert("Boston Celtics", "LeBron James", 2, ["Jayson Tatum"], "2024-05-01T12:00:00Z")
    doc = orjson.loads(good) | change
    with open_stream(settings) as backend:
        backend.append_many("alerts", [good, json.dumps(doc).encode(), b"[1, 2]", b""])
    alerts, length, invalid = data.latest_alerts(settings)
    assert length == 4 and [a.team for a in alerts] == ["Boston Celtics"]
    by_seq = {b.seq: b.reason for b in invalid}
    assert reason in by_seq[2] and by_seq[3] == "not a JSON object" and by_seq[4] == "not JSON"
    # Every value that reaches a table cell is one the page can draw.
    for a in alerts:
        for value in (a.total, a.version):
            assert isinstance(cell(value), int) and abs(value) < 2**31


def test_cells_turn_huge_integers_into_text() -> None:
    from courtside.dashboard.text import cell, md_escape

    assert cell(10**30) == "1000000000000000000000000000000"
    assert cell(-(2**60)) == md_escape(str(-(2**60))) and cell(2**53 - 1) == 2**53 - 1


def test_alerts_stream_without_alerts(settings: Settings) -> None:
    h.write_streams(settings)
    with pytest.raises(NoDataError, match="no tampering alerts"):
        data.latest_alerts(settings)


def test_last_runs(full: Settings) -> None:
    runs = {f"{r.kind}/{r.name}": r for r in data.last_runs(full)}
    assert set(runs) == {"job/dedupe", "load/warehouse"}
    assert runs["job/dedupe"].status == "succeeded"
    assert runs["job/dedupe"].counts == "rows_out=42"
    failed = runs["load/warehouse"]
    assert (failed.status, failed.failed, failed.runs) == ("failed", 1, 1)
    assert h.SCRIPT in failed.error


def test_stream_health(full: Settings) -> None:
    streams, groups = data.stream_health(full)
    assert {s.name: s.length for s in streams} == {"alerts": 6, "control": 0, "tweets": 10}
    assert [(g.stream, g.group, g.committed_seq, g.lag) for g in groups] == [
        ("tweets", "deliver", 7, 3)
    ]


def test_lake_zones_skip_temporary_files(full: Settings) -> None:
    tmp = full.lake / "raw" / "year=2024" / "month=05" / "day=01" / ".x.json.tmp"
    tmp.write_bytes(b"partial")
    staging = full.lake / "tweets" / "_staging" / "part.parquet"
    staging.parent.mkdir(parents=True)
    staging.write_bytes(b"x" * 100)
    (full.lake / "quarantine").mkdir()
    zones = {z.zone: z for z in data.lake_zones(full)}
    assert (zones["raw"].files, zones["raw"].partitions) == (4, 3)
    assert zones["raw"].bytes == sum(p.stat().st_size for p in (full.lake / "raw").rglob("*.json"))
    assert zones["errors"].files == 1
    assert zones["tweets"].files == 0
    assert "quarantine" in zones and zones["raw"].newest is not None


def test_error_output(full: Settings) -> None:
    summary = data.error_output(full)
    assert summary.total == 3
    assert summary.by_code == [("NotJson", 2), ("BadCreatedAt", 1)]
    assert summary.latest[0][1:] == ("BadCreatedAt", h.LINK)
    assert summary.latest[0][0] is not None and summary.latest[0][0].year == 2024


def test_days_filter_dates(full: Settings) -> None:
    view = WarehouseView(full)
    only = view.player_totals(date(2024, 5, 3), date(2024, 5, 3))
    assert {t.player: t.total for t in only} == {
        "LeBron James": 40,
        "Luka Doncic": 10,
        "Jayson Tatum": 15,
        "Stephen Curry": 4,
    }
