"""``playersdailysentiment``: loaded beside ``playerstotaltweets`` on DuckDB and the real
PostgreSQL (and as Redshift statements), with the roster team of each player."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from warehouse_helpers import rows, write_day, write_sentiment_day

from courtside.config import Settings, load_settings
from courtside.warehouse.base import SENTIMENT
from courtside.warehouse.loader import load, open_warehouse

D1, D2 = date(2020, 3, 1), date(2020, 3, 2)


def _row(player: Any, posts: Any, pos: Any, neg: Any, neu: Any, avg: Any) -> dict[str, Any]:
    return {
        "player": player,
        "posts": posts,
        "positive": pos,
        "negative": neg,
        "neutral": neu,
        "avg_score": avg,
    }


def seed(settings: Settings) -> None:
    write_day(settings, D1, {"LeBron James": 3, "Patrick Mahomes": 2})
    write_day(settings, D2, {"Luka Doncic": 1})
    write_sentiment_day(
        settings,
        D1,
        [
            _row("LeBron James", 3, 2, 1, 0, 0.1234),
            _row("Patrick Mahomes", 2, 0, 0, 0, None),  # NFL: not on the roster
        ],
    )
    # The players table says "Luka Doncic": names match case- and accent-insensitively.
    write_sentiment_day(settings, D2, [_row("luka dončić", 1, 1, 0, 0, -0.5)])


def sentiment_rows(settings: Settings) -> list[tuple[Any, ...]]:
    with open_warehouse(settings, spec=SENTIMENT) as warehouse:
        return warehouse.query(
            "SELECT year, month, day, player, posts, positive, negative, neutral, avg_score,"
            " team FROM playersdailysentiment ORDER BY year, month, day, player",
            max_rows=1000,
        ).rows


EXPECTED = [
    (2020, 3, 1, "LeBron James", 3, 2, 1, 0, 0.1234, "Los Angeles Lakers"),
    (2020, 3, 1, "Patrick Mahomes", 2, 0, 0, 0, None, None),
    (2020, 3, 2, "luka dončić", 1, 1, 0, 0, -0.5, "Dallas Mavericks"),
]


def test_load_creates_and_loads_the_sentiment_table(target: tuple[str, Settings]) -> None:
    _, settings = target
    seed(settings)

    first = load(settings)

    assert first.sentiment is not None and first.sentiment.stats is not None
    assert first.sentiment.table == "playersdailysentiment"
    assert first.sentiment.stats.rows_inserted == 3
    assert sentiment_rows(settings) == EXPECTED
    # The original's table and counts are unchanged by the second table.
    assert first.stats is not None and first.stats.rows_inserted == 3
    assert sorted(rows(settings)) == [
        (2020, 3, 1, "LeBron James", 3),
        (2020, 3, 1, "Patrick Mahomes", 2),
        (2020, 3, 2, "Luka Doncic", 1),
    ]
    second = load(settings)  # idempotent
    assert second.sentiment is not None and second.sentiment.stats is not None
    assert second.sentiment.stats.rows_deleted == 3
    assert sentiment_rows(settings) == EXPECTED
    with open_warehouse(settings, spec=SENTIMENT) as warehouse:
        assert [str(c) for c in warehouse.columns() or []] == [
            "year integer not null",
            "month integer not null",
            "day integer not null",
            "player varchar(255) not null",
            "posts integer not null",
            "positive integer not null",
            "negative integer not null",
            "neutral integer not null",
            "avg_score double precision",
            "team varchar(255)",
        ]
        roster = warehouse.query(
            "SELECT player FROM playersdailysentiment WHERE team IS NOT NULL ORDER BY player"
        ).rows
    assert roster == [("LeBron James",), ("luka dončić",)]
    from courtside.runs import RunRecorder

    record = RunRecorder(settings).get(second.run_id or "")
    assert record is not None
    assert record.counts["sentiment_rows"] == 3
    assert record.counts["sentiment_rows_on_roster"] == 2


def test_a_trade_in_the_players_table_shows_on_the_next_load(
    target: tuple[str, Settings],
) -> None:
    _, settings = target
    seed(settings)
    load(settings)
    from courtside.reference.players import Player, PlayersTable, load_players, save_players

    players = [
        Player(p.account, p.name, "Chicago Bulls" if p.name == "LeBron James" else p.team)
        for p in load_players(settings.home)
    ]
    save_players(settings.home, PlayersTable(players))
    load(settings)
    assert sentiment_rows(settings)[0][-1] == "Chicago Bulls"


def test_rows_that_do_not_fit_are_rejected_and_counted(target: tuple[str, Settings]) -> None:
    _, settings = target
    write_day(settings, D1, {"LeBron James": 3})
    write_sentiment_day(
        settings,
        D1,
        [
            _row("LeBron James", 3, 2, 1, 0, 0.5),
            _row("Negative Posts", -1, 0, 0, 0, None),
            _row("Huge", 2**31, 0, 0, 0, None),
            _row("Bad Score", 1, 1, 0, 0, 7.5),
            _row("Bell\x07", 1, 1, 0, 0, 0.5),
            _row(None, 1, 1, 0, 0, 0.5),
        ],
    )
    outcome = load(settings)
    assert outcome.sentiment is not None
    assert outcome.sentiment.rows == 1
    assert outcome.sentiment.rejected_by_reason == {
        "bad-count": 2,
        "bad-score": 1,
        "missing-player": 1,
        "player-control-char": 1,
    }
    assert [r[3] for r in sentiment_rows(settings)] == ["LeBron James"]


def test_an_unreadable_line_costs_only_itself(target: tuple[str, Settings]) -> None:
    _, settings = target
    write_day(settings, D1, {"LeBron James": 3})
    write_sentiment_day(settings, D1, [_row("LeBron James", 3, 2, 1, 0, 0.5)])
    from courtside.job.output import SENTIMENT_ZONE, day_dir

    (day_dir(settings.lake, D1, SENTIMENT_ZONE) / "part-bad.json").write_bytes(
        b'{"player": "X", "posts": "many"}\n\xff\xfe\n'
    )
    outcome = load(settings)
    assert outcome.sentiment is not None
    assert outcome.sentiment.rows == 1
    assert outcome.sentiment.rejected_by_reason == {"unreadable-line": 2}


def test_dry_run_and_no_sentiment_output(home: Path) -> None:
    settings = load_settings(home=home)
    write_day(settings, D1, {"LeBron James": 3})
    outcome = load(settings)
    assert outcome.sentiment is None  # no players_daily_sentiment/ days: nothing to do
    write_sentiment_day(settings, D1, [_row("LeBron James", 3, 2, 1, 0, 0.5)])
    dry = load(settings, dry_run=True)
    assert dry.sentiment is not None and dry.sentiment.rows == 1 and dry.sentiment.stats is None
    with open_warehouse(settings, spec=SENTIMENT) as warehouse:
        assert warehouse.columns() is None


def test_redshift_statements_for_the_sentiment_table(home: Path) -> None:
    settings = load_settings(home=home)
    seed(settings)
    outcome = load(settings, target="redshift", dry_run=True)
    assert outcome.sentiment is not None
    script = outcome.sentiment.statements or ""
    assert "CREATE TABLE IF NOT EXISTS playersdailysentiment (" in script
    assert "avg_score double precision,\n    team varchar(255)\n);" in script
    delete = "DELETE FROM playersdailysentiment WHERE year = 2020 AND month = 3 AND day = 2;"
    assert delete in script
    assert (
        "COPY playersdailysentiment (year, month, day, player, posts, positive, negative,"
        " neutral, avg_score, team) FROM '" in script
    )
    export = Path(outcome.sentiment.export or "")
    assert export.name == "playersdailysentiment"
    lines = sorted(export.glob("year=*/month=*/day=*/*.json"))
    assert len(lines) == 2
    assert b'"team":"Los Angeles Lakers"' in lines[0].read_bytes()
