"""The dashboard's sections, each drawn from :mod:`courtside.dashboard.data`.

Every value that comes from a record goes through :func:`~courtside.dashboard.text.cell`
(tables) or into a chart as a value; messages built from sources are escaped with
:func:`~courtside.dashboard.text.md_escape`. ``unsafe_allow_html`` is never used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import streamlit as st

from courtside.config import Settings
from courtside.dashboard import charts, data, health, stats
from courtside.dashboard.errors import DashboardError
from courtside.dashboard.text import when, window
from courtside.dashboard.widgets import guarded, show_problem, table
from courtside.reference.players import PlayersTable

__all__ = [
    "Filters",
    "guarded",
    "alerts_section",
    "health_section",
    "percentile_section",
    "players_section",
    "regional_section",
    "show_problem",
]


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices."""

    start: date
    end: date
    teams: tuple[str, ...]
    players: tuple[str, ...]
    scope: tuple[str, ...] | None  # players of the chosen teams; None: every player
    top_n: int


@guarded("Players related posts")
def players_section(view: data.WarehouseView, f: Filters) -> None:
    """Top players by total (bar chart and table) and the chosen players' daily trend."""
    st.header("Players related posts", anchor="players")
    top = view.player_totals(f.start, f.end, f.scope, limit=f.top_n)
    days = view.days(f.start, f.end)
    trend = view.daily(f.start, f.end, f.players)
    if not top:
        st.info("No posts for these filters: widen the dates or clear the team filter.")
        return
    left, right = st.columns(2)
    with left:
        st.subheader("Top players")
        st.caption(
            f"The {len(top)} players with the most posts from {f.start} to {f.end} (UTC days)."
        )
        st.altair_chart(charts.top_players_chart(top), width="stretch")
    with right:
        st.subheader("Totals")
        table(
            [
                {
                    "rank": i,
                    "player": r.player,
                    "posts": r.total,
                    "days with posts": r.days_with_posts,
                    "best day": r.best_day,
                }
                for i, r in enumerate(top, 1)
            ],
            key="top-players",
        )
    st.subheader("Daily trend of the chosen players")
    if not f.players:
        st.info("Choose players in the sidebar to see their daily trend.")
        return
    st.altair_chart(charts.trend_chart(stats.zero_filled(trend, days, f.players)), width="stretch")


@guarded("The percentile graph")
def percentile_section(view: data.WarehouseView, f: Filters) -> None:
    """The distribution of average daily totals per player, chosen players placed on it."""
    st.header("Percentile graph", anchor="percentiles")
    totals = view.player_totals(f.start, f.end)  # every player: the team filter
    # chooses whom to mark, not whom to compare with
    days = view.days(f.start, f.end)
    daily = view.daily(f.start, f.end, f.players)
    if not totals:
        st.info("No posts in these dates: widen them.")
        return
    averages, placed = stats.standings(totals, daily, days, f.players)
    st.caption(
        f"Average posts per day of all {len(averages)} players with posts, over the "
        f"{len(days)} day(s) the warehouse covers in the range (a covered day without posts "
        "counts as 0). A player's percentile is the share of players with a lower average "
        "(equal averages count half); the chosen players are marked."
    )
    st.altair_chart(
        charts.percentile_chart(stats.percentile_curve(averages), placed), width="stretch"
    )
    if not placed:
        st.info("Choose players in the sidebar to see where they sit.")
        return
    table(
        [
            {
                "player": s.player,
                "posts": s.total,
                "avg/day": f"{s.avg_daily:.2f}",
                "median/day": f"{s.median_daily:.2f}",
                "p90/day": f"{s.p90_daily:.2f}",
                "max/day": s.max_daily,
                "days with posts": s.days_with_posts,
                "percentile": f"p{s.percentile:.0f}",
            }
            for s in placed
        ],
        key="standings",
    )


@st.cache_data(ttl=30, show_spinner=False)
def _regions(_settings: Settings, lake: str, start: date, end: date) -> data.RegionalPosts:
    return data.posts_by_region(_settings, start, end)


@st.cache_data(ttl=15, show_spinner=False)
def _zones(_settings: Settings, lake: str) -> list[data.ZoneSize]:
    return data.lake_zones(_settings)


@st.cache_data(ttl=15, show_spinner=False)
def _errors(_settings: Settings, lake: str) -> data.ErrorSummary:
    return data.error_output(_settings)


@guarded("The regional graph")
def regional_section(settings: Settings, f: Filters) -> None:
    """Posts by region and country of the authors' locations (or place data)."""
    st.header("Regional graph", anchor="regions")
    found = _regions(settings, settings.places.lake_url, f.start, f.end)
    known = found.total - found.unknown
    st.caption(
        f"{found.total} distinct post(s) in {found.zone}/ from {f.start} to {f.end}: "
        f"{known} with a recognised location, {found.unknown} unknown (no or unrecognised "
        "location). Not limited by the team and player filters."
    )
    if not found.countries:
        st.info("No post in this range has a recognised location or place.")
        return
    left, right = st.columns([3, 2])
    with left:
        st.altair_chart(charts.regions_chart(found.regions()), width="stretch")
    with right:
        table(
            [
                {
                    "country": c.country,
                    "region": c.region,
                    "posts": c.posts,
                    "share": f"{100 * c.posts / max(1, known):.1f}%",
                }
                for c in found.countries[:15]
            ],
            key="countries",
        )


@guarded("Tampering alerts")
def alerts_section(settings: Settings, players_table: PlayersTable, f: Filters) -> None:
    """The latest tampering alerts (redrawn every few seconds while live)."""
    st.header("Tampering alerts", anchor="alerts")
    try:
        alerts, length, invalid = data.latest_alerts(settings)
    except DashboardError as exc:
        show_problem(exc)
        st.caption(f"Checked at {when(datetime.now(UTC))}.")
        return
    only_chosen = st.toggle(
        "Only alerts about the chosen players", value=False, key="alerts_only_chosen"
    )
    chosen = f.players if only_chosen else ()
    shown = data.filter_alerts(alerts, players_table, f.teams, chosen)
    st.caption(
        f"{length} record(s) on the alerts stream; latest {len(alerts)} alert(s), "
        f"{len(shown)} shown (the team filter applies, dates do not; an update of a "
        f"window replaces its earlier version). Checked at {when(datetime.now(UTC))}."
    )
    if not shown:
        st.info("No alert involves the chosen teams or players.")
    else:
        table(
            [
                {
                    "received": a.appended,
                    "team": a.team,
                    "tampering player": a.player,
                    "posts": a.total,
                    "from players": ", ".join(a.players),
                    "window (UTC)": window(a.window_start, a.window_end),
                    "version": a.version,
                }
                for a in shown
            ],
            key="alerts",
        )
    if invalid:
        st.error(
            f"{len(invalid)} record(s) on the alerts stream are not valid alerts and are not "
            "shown above:",
            icon=":material/error:",
        )
        table(
            [{"seq": b.seq, "received": b.appended, "problem": b.reason} for b in invalid],
            key="alerts-invalid",
        )


@guarded("Pipeline health")
def health_section(settings: Settings) -> None:
    """Last runs, stream lengths and lags, lake size per zone, error output: each part
    drawn on its own, so one unreadable source hides nothing else."""
    st.header("Pipeline health", anchor="health")
    health.runs_part(settings)
    left, right = st.columns(2)
    with left:
        health.streams_part(settings)
    with right:
        health.lake_part(lambda: _zones(settings, settings.places.lake_url))
    health.errors_part(lambda: _errors(settings, settings.places.lake_url))
