"""The data of the dashboard's sentiment section (no Streamlit here).

Two sources:

* the warehouse table ``playersdailysentiment`` (year, month, day, player, posts,
  positive, negative, neutral, avg_score, team; ``team`` is NULL for an athlete who is
  not in the players table), read through :class:`WarehouseView` (read-only, bound
  parameters): the chosen players' daily trend and the range's most positive and most
  negative players;
* the curated ``tweets`` table of the lake, read with DuckDB from its committed files
  (:func:`courtside.lake.tables.table_files`, Parquet or JSON lines): the enrichment
  columns ``lang_detected``, ``lang_source``, ``hashtags`` and ``sentiment_score``
  (:data:`courtside.enrich.ENRICH_SCHEMA`) give the language share, the top hashtags and
  the average sentiment of each tampering alert's window. Partitions written before
  enrichment lack those columns: their posts count as not enriched (``lang_source`` is
  NULL only for them), never as an error.

A player's average over several days weighs each day's ``avg_score`` by its scored
posts (``positive + negative + neutral``), so it is the mean score of all scored posts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from courtside._duckdb import connect as duckdb_connect
from courtside.config import Settings
from courtside.dashboard.alerts import AlertRow, plain_text
from courtside.dashboard.errors import NoDataError, SourceError
from courtside.dashboard.warehouse_view import WarehouseView
from courtside.reference.players import PlayersTable
from courtside.warehouse.base import check_table_name

__all__ = [
    "HINT_NO_ENRICHMENT",
    "HINT_NO_SENTIMENT",
    "MIN_SCORED",
    "MIN_SHARE",
    "SENTIMENT_TABLE",
    "AlertSentiment",
    "DaySentiment",
    "LakeEnrichment",
    "PlayerSentiment",
    "alert_sentiment",
    "lake_enrichment",
    "player_sentiment",
    "rankable",
    "sentiment_trend",
]

SENTIMENT_TABLE = "playersdailysentiment"
#: A player needs this many scored posts in the range to be ranked, and at least
#: :data:`MIN_SHARE` of the most talked-about player's: a bench player's three posts say
#: little about what fans think of him.
MIN_SCORED = 5
MIN_SHARE = 0.1
HINT_NO_SENTIMENT = (
    "Run `courtside pipeline nightly` (the daily job's sentiment query, then `courtside "
    "load`), or `courtside demo`, to fill the warehouse's playersdailysentiment table."
)
HINT_NO_ENRICHMENT = (
    "Posts are enriched (sentiment, language, hashtags) by the batch step after dedupe: "
    "run `courtside pipeline nightly` on posts delivered since."
)
HINT_NO_CURATED = "Run `courtside demo`, or `courtside pipeline nightly` to curate delivered posts."
_SCORED = "(positive + negative + neutral)"
# The mean score of the scored posts of several rows (days).
_MEAN = (
    f"sum(avg_score * {_SCORED}) / "
    f"nullif(sum(CASE WHEN avg_score IS NOT NULL THEN {_SCORED} END), 0)"
)


@dataclass(frozen=True, slots=True)
class DaySentiment:
    """A player's sentiment on one day: posts, scored posts, mean score (None: none)."""

    day: date
    player: str
    posts: int
    scored: int
    avg_score: float | None


@dataclass(frozen=True, slots=True)
class PlayerSentiment:
    """A player's sentiment over a date range."""

    player: str
    team: str | None
    posts: int
    positive: int
    negative: int
    neutral: int
    avg_score: float | None

    @property
    def scored(self) -> int:
        """Posts with a sentiment (the others were not scored, e.g. not English)."""
        return self.positive + self.negative + self.neutral


def _fetch(view: WarehouseView, table: str, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    sql = sql.replace("{table}", check_table_name(table))
    return view.fetch(sql, params, no_table_hint=HINT_NO_SENTIMENT)


def _score(value: Any) -> float | None:
    return None if value is None else float(value)


def sentiment_trend(
    view: WarehouseView,
    start: date,
    end: date,
    players: Sequence[str],
    *,
    table: str = SENTIMENT_TABLE,
) -> list[DaySentiment]:
    """Daily sentiment of ``players`` in ``[start, end]``, by day then player (``table``:
    the warehouse's name for ``playersdailysentiment``).

    Raises:
        NoDataError: no warehouse or no ``playersdailysentiment`` table yet.
        SourceError, SourceUnavailableError: as :meth:`WarehouseView.fetch`.
    """
    if not players:
        return []
    where, params = view.where(start, end, players)
    rows = _fetch(
        view,
        table,
        f"SELECT year, month, day, player, sum(posts), sum({_SCORED}), {_MEAN}"
        f" FROM {{table}} WHERE {where}"
        " GROUP BY year, month, day, player ORDER BY year, month, day, player",
        params,
    )
    return [
        DaySentiment(date(int(y), int(m), int(d)), str(p), int(n), int(s), _score(a))
        for y, m, d, p, n, s, a in rows
    ]


def player_sentiment(
    view: WarehouseView,
    start: date,
    end: date,
    *,
    roster_only: bool = True,
    table: str = SENTIMENT_TABLE,
) -> list[PlayerSentiment]:
    """Every player's sentiment over ``[start, end]`` (roster players only by default:
    rows whose ``team`` is set), best average first; players without a scored post last.

    Raises:
        NoDataError: no warehouse or no ``playersdailysentiment`` table yet.
        SourceError, SourceUnavailableError: as :meth:`WarehouseView.fetch`.
    """
    where, params = view.where(start, end)
    if roster_only:
        where += " AND team IS NOT NULL"
    rows = _fetch(
        view,
        table,
        f"SELECT player, max(team), sum(posts), sum(positive), sum(negative), sum(neutral),"
        f" {_MEAN} FROM {{table}} WHERE {where} GROUP BY player",
        params,
    )
    found = [
        PlayerSentiment(
            str(p), None if t is None else str(t), int(n), int(pos), int(neg), int(neu), _score(a)
        )
        for p, t, n, pos, neg, neu, a in rows
    ]
    found.sort(key=lambda s: (s.avg_score is None, -(s.avg_score or 0.0), -s.posts, s.player))
    return found


def rankable(players: Sequence[PlayerSentiment]) -> tuple[int, list[PlayerSentiment]]:
    """The scored posts a player needs to be ranked (see :data:`MIN_SCORED`), and the
    players of ``players`` that have them, in their order."""
    most = max((s.scored for s in players), default=0)
    needed = max(MIN_SCORED, math.ceil(MIN_SHARE * most))
    return needed, [s for s in players if s.avg_score is not None and s.scored >= needed]


# -- the lake's curated posts ------------------------------------------------------------
@dataclass(frozen=True)
class LakeEnrichment:
    """Languages and hashtags of the curated posts of a date range.

    Attributes:
        posts: Curated posts in the range.
        enriched: Those that carry the enrichment columns' values.
        languages: (language code or ``"unknown"``, posts), largest first.
        hashtags: (hashtag as most often written, posts), largest first; tags that
            differ only in case are one tag.
    """

    posts: int
    enriched: int
    languages: list[tuple[str, int]]
    hashtags: list[tuple[str, int]]


_JSON_COLUMNS = (
    "{'id': 'VARCHAR', 'created_at': 'VARCHAR', 'author_id': 'VARCHAR', 'users': 'JSON', "
    "'context_annotations': 'JSON', 'sentiment_score': 'DOUBLE', 'lang_detected': 'VARCHAR',"
    " 'lang_source': 'VARCHAR', 'hashtags': 'VARCHAR[]'}"
)
#: The columns every query reads, as SQL over a Parquet file (struct columns as JSON).
_PARQUET_COLUMNS = {
    "id": ("CAST(id AS VARCHAR)", "VARCHAR"),
    "created_at": ("CAST(created_at AS VARCHAR)", "VARCHAR"),
    "author_id": ("CAST(author_id AS VARCHAR)", "VARCHAR"),
    "users": ("CAST(to_json(users) AS JSON)", "JSON"),
    "context_annotations": ("CAST(to_json(context_annotations) AS JSON)", "JSON"),
    "sentiment_score": ("TRY_CAST(sentiment_score AS DOUBLE)", "DOUBLE"),
    "lang_detected": ("CAST(lang_detected AS VARCHAR)", "VARCHAR"),
    "lang_source": ("CAST(lang_source AS VARCHAR)", "VARCHAR"),
    "hashtags": ("TRY_CAST(hashtags AS VARCHAR[])", "VARCHAR[]"),
}


def _day_of(partition: str) -> date | None:
    parts = dict(p.split("=", 1) for p in partition.split("/") if "=" in p)
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except (KeyError, ValueError):
        return None


def _curated_files(settings: Settings, start: date, end: date) -> tuple[Any, list[str], str]:
    """The lake, the engine URLs of the committed ``tweets/`` files of ``[start, end]``,
    and their format (``parquet`` or ``json``; Parquet wins when a range has both)."""
    from courtside.lake.tables import partitions, table_files

    lake = settings.places.lake
    parts = [p for p in partitions(lake, "tweets") if (d := _day_of(p)) and start <= d <= end]
    objects = table_files(lake, "tweets", parts) if parts else []
    parquet = [lake.engine_url(o.key) for o in objects if o.key.endswith(".parquet")]
    jsons = [lake.engine_url(o.key) for o in objects if o.key.endswith((".json", ".json.gz"))]
    return lake, parquet or jsons, "parquet" if parquet else "json"


def _source(con: Any, files: list[str], kind: str) -> str:
    """The files as one relation with the columns of :data:`_PARQUET_COLUMNS` (NULL for
    any a file lacks); its one parameter is the file list."""
    if kind == "json":
        return (
            "read_json(?, format = 'newline_delimited', ignore_errors = true, "
            f"columns = {_JSON_COLUMNS})"
        )
    # The union of the files' columns (a partition written before enrichment lacks some).
    have = {
        str(d[0])
        for d in con.execute(
            "SELECT * FROM read_parquet(?, union_by_name = true) LIMIT 0", [files]
        ).description
    }
    cols = ", ".join(
        f"{expr if name in have else f'CAST(NULL AS {kind_})'} AS {name}"
        for name, (expr, kind_) in _PARQUET_COLUMNS.items()
    )
    return f"(SELECT {cols} FROM read_parquet(?, union_by_name = true))"


def _query(settings: Settings, start: date, end: date, sql: str, extra: list[Any]) -> list[Any]:
    """Run ``sql`` (``{source}`` marks the curated posts) over the range's files.

    Raises:
        NoDataError: no curated posts in the range.
        SourceError: the files cannot be read.
    """
    import duckdb

    lake, files, kind = _curated_files(settings, start, end)
    if not files:
        raise NoDataError("no curated posts in this date range", hint=HINT_NO_CURATED)
    con = duckdb_connect()
    try:
        lake.register_duckdb(con)
        source = _source(con, files, kind)
        return con.execute(sql.format(source=source), [files, *extra]).fetchall()
    except duckdb.Error as exc:
        raise SourceError(f"cannot read the tweets/ zone: {str(exc)[:300]}") from None
    finally:
        con.close()


_ENRICHMENT_SQL = """
WITH posts AS (SELECT * FROM {source} WHERE id IS NOT NULL),
langs AS (
    SELECT coalesce(lang_detected, 'unknown') AS lang, count(*) AS n FROM posts
    WHERE lang_source IS NOT NULL GROUP BY 1
),
tags AS (
    SELECT lower(tag) AS key, mode(tag) AS tag, count(DISTINCT id) AS n
    FROM (SELECT id, unnest(hashtags) AS tag FROM posts WHERE lang_source IS NOT NULL)
    WHERE tag IS NOT NULL AND tag <> '' GROUP BY 1
)
SELECT 'total', NULL, count(*), count(lang_source) FROM posts
UNION ALL SELECT 'lang', lang, n, NULL FROM langs
UNION ALL SELECT 'tag', tag, n, NULL FROM (SELECT * FROM tags ORDER BY n DESC, tag LIMIT ?)
"""


def lake_enrichment(settings: Settings, start: date, end: date, top: int = 15) -> LakeEnrichment:
    """Language share and the ``top`` hashtags of the curated posts of ``[start, end]``.

    Raises:
        NoDataError: no curated posts in the range.
        SourceError: the files cannot be read.
    """
    rows = _query(settings, start, end, _ENRICHMENT_SQL, [int(top)])
    posts = enriched = 0
    languages: list[tuple[str, int]] = []
    hashtags: list[tuple[str, int]] = []
    for kind, value, n, m in rows:
        if kind == "total":
            posts, enriched = int(n), int(m)
        elif kind == "lang":
            languages.append((plain_text(value), int(n)))
        else:
            hashtags.append((plain_text(value), int(n)))
    languages.sort(key=lambda kv: (-kv[1], kv[0]))
    hashtags.sort(key=lambda kv: (-kv[1], kv[0].casefold()))
    return LakeEnrichment(posts, enriched, languages, hashtags)


# -- tampering alerts ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AlertSentiment:
    """The curated posts of an alert's window: the alert's senders naming its player.

    Attributes:
        posts: Such posts found in the lake.
        enriched: Those with enrichment values.
        scored: Those with a sentiment score.
        avg_score: Their mean score (None when none is scored).
    """

    posts: int
    enriched: int
    scored: int
    avg_score: float | None


def _epoch_ms(text: str) -> int | None:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


_ALERTS_SQL = """
WITH posts AS (
    SELECT id, epoch_ms(TRY_CAST(created_at AS TIMESTAMPTZ)) AS ts,
        list_transform(
            list_filter(json_extract(context_annotations, '$[*]'),
                        lambda a: json_extract_string(a, '$.domain.id') = '60'),
            lambda a: json_extract_string(a, '$.entity.name')) AS names,
        lower(json_extract_string(
            list_filter(json_extract(users, '$[*]'),
                        lambda u: json_extract_string(u, '$.id') = author_id)[1],
            '$.username')) AS author,
        sentiment_score, lang_source
    FROM {source} WHERE id IS NOT NULL
),
alerts AS (
    SELECT * FROM (VALUES {values}) AS a(alert_id, start_ms, end_ms, player, authors)
)
SELECT a.alert_id, count(DISTINCT p.id),
    count(DISTINCT p.id) FILTER (WHERE p.lang_source IS NOT NULL),
    count(p.sentiment_score), avg(p.sentiment_score)
FROM alerts a JOIN posts p
    ON p.ts >= a.start_ms AND p.ts < a.end_ms AND list_contains(p.names, a.player)
    AND (len(a.authors) = 0 OR list_contains(a.authors, p.author))
GROUP BY a.alert_id
"""


def alert_sentiment(
    settings: Settings, alerts: Sequence[AlertRow], players_table: PlayersTable
) -> dict[str, AlertSentiment]:
    """The average sentiment of each alert's window, by alert id.

    An alert's posts are the curated posts created inside its window
    (``[window_start, window_end)``) that name its tampering player and whose author is
    one of its sending players (by X account, from the players table; when none of them
    is in the table, any author). Alerts whose window is not a time, or whose posts are
    not curated yet, are left out.

    Raises:
        NoDataError: no curated posts on the alerts' days.
        SourceError: the files cannot be read.
    """
    values: list[str] = []
    params: list[Any] = []
    days: list[date] = []
    for alert in alerts:
        start_ms, end_ms = _epoch_ms(alert.window_start), _epoch_ms(alert.window_end)
        if start_ms is None or end_ms is None or end_ms <= start_ms:
            continue
        authors = sorted(
            {m.account.casefold() for n in alert.players if (m := players_table.by_name(n))}
        )
        values.append("(?, ?, ?, ?, ?::VARCHAR[])")
        params += [alert.alert_id, start_ms, end_ms, alert.player, authors]
        days += [datetime.fromtimestamp(ms / 1000, tz=UTC).date() for ms in (start_ms, end_ms - 1)]
    if not values:
        return {}
    sql = _ALERTS_SQL.replace("{values}", ", ".join(values))
    rows = _query(settings, min(days), max(days), sql, params)
    return {
        str(alert_id): AlertSentiment(int(n), int(e), int(s), _score(a))
        for alert_id, n, e, s, a in rows
    }
