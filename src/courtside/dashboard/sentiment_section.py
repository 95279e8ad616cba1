"""The dashboard's sentiment section: what fans say about the players (issue 15).

Four parts, each drawn on its own (one unreadable source hides nothing else):

* the chosen players' sentiment trend (mean score per day, from the warehouse's
  ``playersdailysentiment``);
* the range's most positive and most negative players (roster players by default; a
  checkbox widens it to every athlete the posts name);
* the language share and the top hashtags of the curated posts (the lake's ``tweets``
  enrichment columns; "no enrichment yet" when the partitions predate enrichment);
* each tampering alert with the average sentiment of its window's posts.

Values from records reach the page only as chart values or escaped table cells
(:func:`~courtside.dashboard.widgets.table`), never as Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import altair as alt
import streamlit as st

from courtside.config import Settings
from courtside.dashboard import data, sentiment_data
from courtside.dashboard.errors import DashboardError, NoDataError
from courtside.dashboard.sections import Filters
from courtside.dashboard.sentiment_data import (
    AlertSentiment,
    DaySentiment,
    LakeEnrichment,
    PlayerSentiment,
)
from courtside.dashboard.text import window
from courtside.dashboard.warehouse_view import WarehouseView
from courtside.dashboard.widgets import guarded, show_problem, table
from courtside.reference.players import PlayersTable

__all__ = ["sentiment_section"]

_RANKED = 10
#: Names of the languages courtside's enrichment reports most often.
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "pt": "Portuguese",
    "de": "German",
    "it": "Italian",
    "ja": "Japanese",
    "tl": "Tagalog",
    "zh": "Chinese",
    "ko": "Korean",
    "ar": "Arabic",
    "tr": "Turkish",
    "el": "Greek",
    "sr": "Serbian",
    "sl": "Slovenian",
    "lt": "Lithuanian",
    "ru": "Russian",
    "id": "Indonesian",
    "unknown": "unknown",
}
_SCORE_SCALE = alt.Scale(zero=True, nice=True)


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:+.3f}"


def trend_chart(rows: Sequence[DaySentiment]) -> alt.LayerChart:
    """Lines: each chosen player's mean sentiment per day (days without a scored post
    are left out), with a zero rule."""
    values = [
        {
            "day": r.day.isoformat(),
            "player": r.player,
            "score": round(r.avg_score, 4),
            "posts": r.posts,
            "scored": r.scored,
        }
        for r in rows
        if r.avg_score is not None
    ]
    lines = (
        alt.Chart(alt.Data(values=values))
        .mark_line(point=True)
        .encode(
            x=alt.X("day:O", title="day (UTC)", axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("score:Q", title="mean sentiment (-1 to +1)", scale=_SCORE_SCALE),
            color=alt.Color("player:N", title="player"),
            tooltip=[
                alt.Tooltip("day:O"),
                alt.Tooltip("player:N"),
                alt.Tooltip("score:Q", title="mean sentiment", format="+.3f"),
                alt.Tooltip("scored:Q", title="scored posts"),
                alt.Tooltip("posts:Q"),
            ],
        )
    )
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(color="#8a8d91").encode(y="zero:Q")
    return (zero + lines).properties(height=300)


def languages_chart(languages: Sequence[tuple[str, int]], total: int) -> alt.LayerChart:
    """Bars: share of enriched posts per language, largest at the top."""
    values = [
        {
            "language": LANGUAGE_NAMES.get(code, code),
            "posts": n,
            "share": round(100 * n / max(1, total), 1),
        }
        for code, n in languages[:12]
    ]
    base = alt.Chart(alt.Data(values=values)).encode(
        y=alt.Y("language:N", sort="-x", title=None),
        x=alt.X("share:Q", title="share of enriched posts (%)"),
        tooltip=[alt.Tooltip("language:N"), alt.Tooltip("posts:Q"), alt.Tooltip("share:Q")],
    )
    bars = base.mark_bar(color="#1d428a")
    labels = base.mark_text(align="left", dx=3).encode(text=alt.Text("share:Q", format=".1f"))
    # One band per language, each tall enough for its label.
    return (bars + labels).properties(height=alt.Step(26))


def _table(settings: Settings) -> str:
    # ``[warehouse] sentiment_table`` names the table once the loader has that key (the
    # sentiment branch adds it); until then the default name.
    return str(getattr(settings.warehouse, "sentiment_table", sentiment_data.SENTIMENT_TABLE))


@guarded("The sentiment trend")
def _trend_part(view: WarehouseView, f: Filters, table_name: str) -> None:
    st.subheader("Sentiment trend of the chosen players")
    if not f.players:
        st.info("Choose players in the sidebar to see their sentiment trend.")
        return
    try:
        rows = sentiment_data.sentiment_trend(view, f.start, f.end, f.players, table=table_name)
    except DashboardError as exc:
        show_problem(exc)
        return
    if not any(r.avg_score is not None for r in rows):
        st.info("No scored posts about the chosen players in these dates.")
        return
    st.caption(
        "Mean VADER compound score of each day's scored posts naming the player (-1 very "
        "negative, +1 very positive); posts that were not scored (e.g. not in English) "
        "are left out."
    )
    st.altair_chart(trend_chart(rows), width="stretch")


def _ranking_rows(players: Sequence[PlayerSentiment]) -> list[dict[str, object]]:
    return [
        {
            "player": s.player,
            "team": s.team or "(not on the roster)",
            "mean sentiment": _score(s.avg_score),
            "positive": f"{100 * s.positive / s.scored:.0f}%",
            "negative": f"{100 * s.negative / s.scored:.0f}%",
            "scored posts": s.scored,
            "posts": s.posts,
        }
        for s in players
    ]


@guarded("The most positive and negative players")
def _rankings_part(view: WarehouseView, f: Filters, table_name: str, *, roster_only: bool) -> None:
    try:
        found = sentiment_data.player_sentiment(
            view, f.start, f.end, roster_only=roster_only, table=table_name
        )
    except DashboardError as exc:
        show_problem(exc)
        return
    needed, ranked = sentiment_data.rankable(found)
    who = "roster players" if roster_only else "athletes (roster or not)"
    st.caption(
        f"{len(ranked)} of {len(found)} {who} with posts from {f.start} to {f.end} have at "
        f"least {needed} scored posts ({sentiment_data.MIN_SCORED}, or a tenth of the most "
        "talked-about player's, whichever is more) and are ranked by their mean sentiment."
    )
    if not ranked:
        st.info(f"No {who} have {needed} or more scored posts in these dates.")
        return
    left, right = st.columns(2)
    with left:
        st.subheader("Most positive")
        table(_ranking_rows(ranked[:_RANKED]), key="sentiment-positive")
    with right:
        st.subheader("Most negative")
        table(_ranking_rows(ranked[::-1][:_RANKED]), key="sentiment-negative")


@st.cache_data(ttl=30, show_spinner=False)
def _enrichment(_settings: Settings, lake: str, start: date, end: date) -> LakeEnrichment:
    return sentiment_data.lake_enrichment(_settings, start, end)


@guarded("Languages and hashtags")
def _lake_part(settings: Settings, f: Filters) -> None:
    st.subheader("Languages and hashtags")
    try:
        found = _enrichment(settings, settings.lake_url, f.start, f.end)
    except DashboardError as exc:
        show_problem(exc)
        return
    if not found.enriched:
        st.info(
            f"No enrichment yet: none of the {found.posts} curated post(s) from {f.start} "
            f"to {f.end} has language, hashtag or sentiment columns. "
            f"{sentiment_data.HINT_NO_ENRICHMENT}",
            icon=":material/info:",
        )
        return
    st.caption(
        f"{found.enriched} of {found.posts} curated post(s) from {f.start} to {f.end} are "
        "enriched (older partitions are not). Not limited by the team and player filters."
    )
    left, right = st.columns([3, 2])
    with left:
        st.altair_chart(languages_chart(found.languages, found.enriched), width="stretch")
    with right:
        if not found.hashtags:
            st.info("No hashtags in these posts.")
        else:
            table(
                [
                    {"rank": i, "hashtag": "#" + tag, "posts": n}
                    for i, (tag, n) in enumerate(found.hashtags, 1)
                ],
                key="top-hashtags",
            )


def _window_cell(found: AlertSentiment | None, problem: str) -> tuple[int | None, str]:
    """(posts, mean sentiment text) of one alert's window (posts None: not read)."""
    if problem:
        return None, problem
    if found is None:
        return 0, "no posts found"
    if not found.enriched:
        return found.posts, "no enrichment yet"
    if found.avg_score is None:
        return found.posts, "not scored"
    return found.posts, f"{_score(found.avg_score)} ({found.scored} scored)"


@guarded("Sentiment of the tampering alerts")
def _alerts_part(settings: Settings, players_table: PlayersTable, f: Filters) -> None:
    st.subheader("Sentiment of the tampering alerts")
    try:
        alerts = data.latest_alerts(settings).alerts
    except DashboardError as exc:
        show_problem(exc)
        return
    shown = data.filter_alerts(alerts, players_table, f.teams)
    if not shown:
        st.info("No alert involves the chosen teams.")
        return
    problem = ""
    try:
        found = sentiment_data.alert_sentiment(settings, shown, players_table)
    except NoDataError:
        found, problem = {}, "no curated posts yet"
    except DashboardError as exc:
        found, problem = {}, "unreadable"
        show_problem(exc)
    st.caption(
        "For each alert: the curated posts of its window that its senders wrote naming the "
        "tampering player, and their mean sentiment. The team filter applies, dates do not."
    )
    rows = []
    for a in shown:
        posts, score = _window_cell(found.get(a.alert_id), problem)
        rows.append(
            {
                "team": a.team,
                "tampering player": a.player,
                "from players": ", ".join(a.players),
                "window (UTC)": window(a.window_start, a.window_end),
                "posts": posts,
                "mean sentiment": score,
            }
        )
    table(rows, key="alert-sentiment")


@guarded("What fans say")
def sentiment_section(
    settings: Settings, view: WarehouseView, players_table: PlayersTable, f: Filters
) -> None:
    """The sentiment section (see the module's docstring)."""
    st.header("What fans say", anchor="sentiment")
    all_athletes = st.checkbox(
        "All athletes, not only roster players",
        value=False,
        key="sentiment_all_athletes",
        help="X tags other athletes (NFL, NASCAR, retired players) as athletes too; by "
        "default the rankings keep the players of the players table.",
    )
    table_name = _table(settings)
    _trend_part(view, f, table_name)
    _rankings_part(view, f, table_name, roster_only=not all_athletes)
    _lake_part(settings, f)
    _alerts_part(settings, players_table, f)
