"""The sentiment section's data: the warehouse's per-player sentiment (DuckDB and
PostgreSQL), the curated posts' languages and hashtags, each alert's window sentiment,
and the empty states and bad files around them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import dashboard_helpers as h
import orjson
import pytest
import sentiment_helpers as sh

from courtside.config import Settings
from courtside.dashboard import data
from courtside.dashboard.errors import NoDataError, SourceError
from courtside.dashboard.sentiment_data import (
    AlertSentiment,
    PlayerSentiment,
    alert_sentiment,
    lake_enrichment,
    player_sentiment,
    rankable,
    sentiment_trend,
)
from courtside.dashboard.warehouse_view import WarehouseView
from courtside.lake.layout import date_partition
from courtside.reference.players import PlayersTable
from courtside.warehouse.errors import WarehouseConfigError

START, END = h.DAYS[0], h.DAYS[-1]


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def view(request: pytest.FixtureRequest, settings: Settings) -> Iterator[WarehouseView]:
    if request.param == "duckdb":
        h.write_warehouse(settings)
        sh.write_sentiment_duckdb(settings)
        yield WarehouseView(settings)
        return
    url = request.getfixturevalue("pg_schema")
    sh.write_sentiment_postgres(url)
    yield WarehouseView(settings, url)


# -- the warehouse ---------------------------------------------------------------------
def test_trend_of_the_chosen_players(view: WarehouseView) -> None:
    rows = sentiment_trend(view, START, END, ["LeBron James", "Jayson Tatum"])
    assert [(r.day, r.player, r.posts, r.scored) for r in rows] == [
        (h.DAYS[0], "Jayson Tatum", 5, 5),
        (h.DAYS[0], "LeBron James", 50, 45),
        (h.DAYS[1], "LeBron James", 60, 50),
        (h.DAYS[2], "Jayson Tatum", 15, 13),
        (h.DAYS[2], "LeBron James", 40, 35),
    ]
    assert [r.avg_score for r in rows] == pytest.approx([-0.3, 0.4, -0.1, -0.5, 0.3])
    assert sentiment_trend(view, START, END, []) == []
    # A day without scored posts has no mean (not a zero).
    assert sentiment_trend(view, START, START, ["Stephen Curry"])[0].avg_score is None
    # Only the range's days.
    assert [r.day for r in sentiment_trend(view, h.DAYS[1], h.DAYS[1], ["LeBron James"])] == [
        h.DAYS[1]
    ]


def test_most_positive_and_negative_players(view: WarehouseView) -> None:
    roster = player_sentiment(view, START, END)
    assert [s.player for s in roster] == [
        "Luka Doncic",
        "LeBron James",
        "Jayson Tatum",
        "Stephen Curry",  # no scored post: last, without a mean
    ]
    means = {s.player: s.avg_score for s in roster}
    assert means["Luka Doncic"] == pytest.approx(sh.LUKA_MEAN)
    assert means["LeBron James"] == pytest.approx(sh.LEBRON_MEAN)
    assert means["Jayson Tatum"] == pytest.approx(sh.TATUM_MEAN)
    assert means["Stephen Curry"] is None
    lebron = roster[1]
    assert (lebron.team, lebron.posts, lebron.positive, lebron.negative, lebron.neutral) == (
        "Los Angeles Lakers",
        150,
        70,
        45,
        15,
    )
    assert lebron.scored == 130
    # The switch: every athlete, the NFL player and the hostile name (no team) included.
    every = player_sentiment(view, START, END, roster_only=False)
    assert every[0].player == sh.NFL and every[0].team is None
    assert every[-2].player == h.SCRIPT and every[-2].avg_score == pytest.approx(-0.9)
    assert len(every) == len(roster) + 2
    # Ranked: enough scored posts (5, and a tenth of LeBron's 130), a mean.
    assert rankable(roster) == (13, roster[:3])
    assert rankable(every)[1] == every[:-1]
    few = PlayerSentiment("Bench Player", "Utah Jazz", 9, 2, 1, 1, 0.1)
    assert rankable([few]) == (5, [])  # 4 scored posts: fewer than 5
    assert rankable([]) == (5, [])
    # The range limits the rows.
    assert [s.player for s in player_sentiment(view, h.DAYS[2], h.DAYS[2])] == [
        "LeBron James",
        "Jayson Tatum",
    ]


def test_no_sentiment_table_yet_says_what_to_run(settings: Settings) -> None:
    view = WarehouseView(settings)
    with pytest.raises(NoDataError, match="no warehouse yet"):
        player_sentiment(view, START, END)
    assert not (settings.home / "warehouse.duckdb").exists()
    h.write_warehouse(settings)  # playerstotaltweets only, as before the sentiment query
    for call in (
        lambda: player_sentiment(view, START, END),
        lambda: sentiment_trend(view, START, END, ["LeBron James"]),
    ):
        with pytest.raises(NoDataError, match="no playersdailysentiment table") as exc:
            call()
        assert "courtside pipeline nightly" in exc.value.hint


def test_sentiment_reads_leave_the_duckdb_file_untouched(settings: Settings) -> None:
    h.write_warehouse(settings)
    sh.write_sentiment_duckdb(settings)
    path = settings.home.resolve() / "warehouse.duckdb"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    view = WarehouseView(settings)
    player_sentiment(view, START, END, roster_only=False)
    sentiment_trend(view, START, END, [h.SCRIPT, "x'); DROP TABLE playersdailysentiment; --"])
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert len(player_sentiment(view, START, END)) == 4


def test_the_table_name_is_checked_and_named(settings: Settings) -> None:
    h.write_warehouse(settings)
    sh.write_sentiment_duckdb(settings)
    view = WarehouseView(settings)
    with pytest.raises(WarehouseConfigError, match="invalid warehouse table name"):
        player_sentiment(view, START, END, table="x; DROP TABLE playersdailysentiment")
    with pytest.raises(NoDataError, match="no sentiment_v2 table yet"):
        sentiment_trend(view, START, END, ["LeBron James"], table="sentiment_v2")


# -- the curated posts -----------------------------------------------------------------
def test_languages_and_hashtags_of_enriched_posts(settings: Settings) -> None:
    sh.write_curated(settings)
    found = lake_enrichment(settings, START, END)
    assert (found.posts, found.enriched) == (9, 7)  # day 2 predates enrichment
    assert found.languages == [("en", 4), ("es", 1), ("fr", 1), ("unknown", 1)]
    # "#nba" and "#NBA" are one tag, shown as most often written; a hostile tag is text.
    assert found.hashtags == [("NBA", 4), (h.LINK, 1), ("LakeShow", 1)]
    assert lake_enrichment(settings, START, END, top=1).hashtags == [("NBA", 4)]


def test_partitions_without_enrichment_are_no_error(settings: Settings) -> None:
    sh.write_curated(settings)
    only_old = lake_enrichment(settings, h.DAYS[1], h.DAYS[1])
    assert (only_old.posts, only_old.enriched, only_old.languages, only_old.hashtags) == (
        2,
        0,
        [],
        [],
    )


def test_no_curated_posts_says_what_to_run(settings: Settings) -> None:
    with pytest.raises(NoDataError) as exc:
        lake_enrichment(settings, START, END)
    assert "courtside demo" in exc.value.hint
    sh.write_curated(settings)
    with pytest.raises(NoDataError):
        lake_enrichment(settings, date(2024, 4, 1), date(2024, 4, 30))


def test_an_unreadable_file_is_a_source_error(settings: Settings) -> None:
    sh.write_curated(settings)
    bad = settings.lake / "tweets" / date_partition(2024, 5, 3) / "part-1.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(SourceError, match="tweets/"):
        lake_enrichment(settings, START, END)


# -- tampering alerts ------------------------------------------------------------------
def test_each_alert_gets_its_windows_sentiment(settings: Settings) -> None:
    h.write_alerts(settings)
    sh.write_curated(settings)
    alerts = data.latest_alerts(settings).alerts
    found = alert_sentiment(settings, alerts, PlayersTable.default())
    boston = next(a for a in alerts if a.team == "Boston Celtics")
    # Tatum's and Brown's posts naming LeBron inside 12:00:00-12:00:59; the fan's post,
    # the later post and the post about Luka Doncic are not the alert's.
    assert found == {boston.alert_id: AlertSentiment(2, 2, 2, pytest.approx(0.2))}
    # Senders that are not in the players table: every author naming the player counts.
    unknown = replace(boston, alert_id="x", players=("Nobody",), window_end="2024-05-01T12:01:00Z")
    assert alert_sentiment(settings, [unknown], PlayersTable.default()) == {
        "x": AlertSentiment(3, 3, 2, pytest.approx(0.2))
    }


def test_alerts_with_bad_windows_are_left_out(settings: Settings) -> None:
    sh.write_curated(settings)
    h.write_alerts(settings)
    boston = next(a for a in data.latest_alerts(settings).alerts if a.team == "Boston Celtics")
    bad = [
        replace(boston, alert_id="text", window_start="yesterday"),
        replace(boston, alert_id="reversed", window_end="2024-05-01T11:00:00Z"),
    ]
    assert alert_sentiment(settings, bad, PlayersTable.default()) == {}
    # A window on a day without curated posts: nothing to read yet.
    later = replace(boston, window_start="2024-06-01T12:00:00Z", window_end="2024-06-01T12:01:00Z")
    with pytest.raises(NoDataError):
        alert_sentiment(settings, [later], PlayersTable.default())


def test_json_curated_partitions_read_the_same(settings: Settings) -> None:
    h.write_alerts(settings)
    directory = settings.lake / "tweets" / date_partition(2024, 5, 1)
    directory.mkdir(parents=True)
    (directory / "part-0.json").write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in sh.DAY1))
    alerts = data.latest_alerts(settings).alerts
    found = alert_sentiment(settings, alerts, PlayersTable.default())
    assert [(f.posts, f.scored) for f in found.values()] == [(2, 2)]
    enrichment = lake_enrichment(settings, START, START)
    assert (enrichment.posts, enrichment.enriched) == (5, 5)
    assert enrichment.languages == [("en", 4), ("es", 1)]
