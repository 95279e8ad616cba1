"""Known data for the sentiment section: the warehouse's ``playersdailysentiment`` and
curated ``tweets`` partitions with (and one without) the enrichment columns.

The table is created here with the columns the loader gives it (year, month, day,
player, posts, positive, negative, neutral, avg_score, team), on DuckDB or PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dashboard_helpers as h
import pyarrow as pa
import pyarrow.parquet as pq

from courtside.config import Settings
from courtside.enrich.arrow import ENRICH_SCHEMA
from courtside.lake.layout import date_partition

D1, D2, D3 = h.DAYS
NFL = "Tom Brady"

#: (day, player, team, posts, positive, negative, neutral, avg_score)
SENTIMENT: tuple[tuple[date, str, str | None, int, int, int, int, float | None], ...] = (
    (D1, "LeBron James", "Los Angeles Lakers", 50, 30, 10, 5, 0.40),
    (D2, "LeBron James", "Los Angeles Lakers", 60, 20, 25, 5, -0.10),
    (D3, "LeBron James", "Los Angeles Lakers", 40, 20, 10, 5, 0.30),
    (D1, "Luka Doncic", "Dallas Mavericks", 30, 20, 2, 3, 0.60),
    (D2, "Luka Doncic", "Dallas Mavericks", 20, 15, 1, 2, 0.55),
    (D1, "Jayson Tatum", "Boston Celtics", 5, 1, 3, 1, -0.30),
    (D3, "Jayson Tatum", "Boston Celtics", 15, 2, 10, 1, -0.50),
    (D1, "Stephen Curry", "Golden State Warriors", 4, 0, 0, 0, None),  # none scored
    (D1, NFL, None, 20, 16, 0, 2, 0.80),  # an athlete who is not an NBA player
    (D2, h.SCRIPT, None, 15, 0, 14, 0, -0.90),
)
#: Expected means over the three days (scored posts weigh each day).
LEBRON_MEAN = (0.40 * 45 - 0.10 * 50 + 0.30 * 35) / 130
LUKA_MEAN = (0.60 * 25 + 0.55 * 18) / 43
TATUM_MEAN = (-0.30 * 5 - 0.50 * 13) / 18

CREATE = (
    "CREATE TABLE playersdailysentiment (year integer not null, month integer not null,"
    " day integer not null, player varchar(255) not null, posts integer not null,"
    " positive integer not null, negative integer not null, neutral integer not null,"
    " avg_score double precision, team varchar(255))"
)


def sentiment_rows() -> list[tuple[Any, ...]]:
    return [
        (d.year, d.month, d.day, player, posts, pos, neg, neu, score, team)
        for d, player, team, posts, pos, neg, neu, score in SENTIMENT
    ]


def write_sentiment_duckdb(settings: Settings) -> None:
    """Add the table to the home's DuckDB warehouse (created by ``write_warehouse``)."""
    import duckdb

    path = settings.home.resolve() / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute(CREATE)
        con.executemany(
            "INSERT INTO playersdailysentiment VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            sentiment_rows(),
        )
    finally:
        con.close()


def write_sentiment_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CREATE)
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO playersdailysentiment VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                sentiment_rows(),
            )


# -- curated posts ---------------------------------------------------------------------
_ANNOTATION = pa.struct(
    [
        ("domain", pa.struct([("id", pa.string()), ("name", pa.string())])),
        ("entity", pa.struct([("id", pa.string()), ("name", pa.string())])),
    ]
)
_USER = pa.struct([("id", pa.string()), ("username", pa.string())])
POST_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("author_id", pa.string()),
        ("created_at", pa.string()),
        ("lang", pa.string()),
        ("context_annotations", pa.list_(_ANNOTATION)),
        ("users", pa.list_(_USER)),
    ]
)
#: Handles of the default roster.
TATUM, BROWN = "jaytatum0", "FCHWPO"


def post(
    post_id: str,
    when: str,
    author: str,
    names: list[str],
    *,
    score: float | None = None,
    lang: str | None = "en",
    source: str | None = "source",
    tags: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One curated post with its enrichment values (``source=None``: not enriched)."""
    label = None if score is None else ("positive" if score > 0 else "negative")
    return {
        "id": post_id,
        "text": f"post {post_id}",
        "author_id": "u" + author,
        "created_at": when,
        "lang": lang,
        "context_annotations": [
            {"domain": {"id": "11", "name": "Sport"}, "entity": {"id": "1", "name": "Basketball"}}
        ]
        + [
            {"domain": {"id": "60", "name": "Athlete"}, "entity": {"id": "2", "name": n}}
            for n in names
        ],
        # A mentioned user first: the author is found by id, not by position.
        "users": [{"id": "other", "username": "someone"}, {"id": "u" + author, "username": author}],
        "sentiment_label": None if source is None else (label or "unscored"),
        "sentiment_reason": None,
        "sentiment_score": score,
        "sentiment_pos": None,
        "sentiment_neg": None,
        "sentiment_neu": None,
        "lang_detected": lang if source else None,
        "lang_source": source,
        "hashtags": list(tags) if source else None,
        "mentions": [],
        "cashtags": [],
        "urls": [],
    }


#: Day 1: alert 1's window (Boston Celtics players to LeBron James, 12:00:00-12:00:59).
DAY1 = [
    post("101", "2024-05-01T12:00:10.000Z", TATUM, ["LeBron James"], score=0.6,
         tags=("NBA", "LakeShow")),
    post("102", "2024-05-01T12:00:30.000Z", BROWN, ["LeBron James"], score=-0.2, tags=("nba",)),
    # A fan naming LeBron in the window (not a sender), not scored (Spanish).
    post("103", "2024-05-01T12:00:20.000Z", "fan1", ["LeBron James"], lang="es",
         tags=("NBA", h.LINK)),
    post("104", "2024-05-01T12:01:30.000Z", TATUM, ["LeBron James"], score=0.9),  # later
    post("105", "2024-05-01T12:00:40.000Z", TATUM, ["Luka Doncic"], score=0.5),  # not LeBron
]  # fmt: skip
#: Day 2: written before enrichment existed (no enrichment columns at all).
DAY2 = [
    post("201", "2024-05-02T10:00:00.000Z", "fan2", ["Luka Doncic"], source=None),
    post("202", "2024-05-02T11:00:00.000Z", "fan3", ["Luka Doncic"], source=None),
]
#: Day 3: a French post (language detected) and one in no known language.
DAY3 = [
    post("301", "2024-05-03T09:00:00.000Z", "fan4", ["Jayson Tatum"], lang="fr",
         source="detected", tags=("NBA",)),
    post("302", "2024-05-03T09:30:00.000Z", "fan5", ["Jayson Tatum"], lang=None,
         source="unknown"),
]  # fmt: skip


def write_curated(settings: Settings) -> None:
    """Write the three days as curated ``tweets/`` partitions (Parquet, as dedupe does)."""
    enriched = pa.schema(list(POST_SCHEMA) + list(ENRICH_SCHEMA))
    for day, posts in ((D1, DAY1), (D2, DAY2), (D3, DAY3)):
        schema = enriched if day != D2 else POST_SCHEMA
        table = pa.Table.from_pylist(
            [{k: p[k] for k in schema.names} for p in posts], schema=schema
        )
        directory = settings.lake / "tweets" / date_partition(day.year, day.month, day.day)
        directory.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, directory / "part-0.parquet")


def build_sentiment(settings: Settings) -> None:
    """The sentiment table in the DuckDB warehouse (after ``write_warehouse``) and the
    curated posts."""
    write_sentiment_duckdb(settings)
    write_curated(settings)
