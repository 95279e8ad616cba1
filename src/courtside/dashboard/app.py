"""The Streamlit script of ``courtside dashboard`` (run by :func:`run_dashboard`).

Arguments after ``--``: ``--home DIR``, ``--config FILE`` and ``--refresh-s SECONDS``;
a warehouse URL comes through ``COURTSIDE_WAREHOUSE__URL`` (never on a command line,
where ``ps`` would show its password).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

import streamlit as st

from courtside.config import Settings, load_settings
from courtside.dashboard import data, sections
from courtside.dashboard.errors import DashboardError
from courtside.dashboard.quality_section import quality_section
from courtside.dashboard.sentiment_section import sentiment_section
from courtside.dashboard.text import md_escape
from courtside.errors import CourtsideError
from courtside.reference.players import PlayersTable, load_players

_DEFAULT_DAYS = 30


def _args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="courtside-dashboard", add_help=False)
    parser.add_argument("--home")
    parser.add_argument("--config")
    parser.add_argument("--refresh-s", type=float, default=5.0)
    return parser.parse_known_args(argv)[0]


@st.cache_resource(show_spinner=False)
def _settings(home: str | None, config: str | None) -> Settings:
    return load_settings(home=home, config_file=config)


@st.cache_resource(ttl=60, show_spinner=False)
def _players(home: str) -> PlayersTable:
    from pathlib import Path

    return load_players(Path(home))


@st.cache_resource(show_spinner=False)
def _icon() -> Any:
    """A small basketball, drawn with Pillow (a Streamlit dependency)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, 60, 60), fill=(238, 110, 45), outline=(40, 20, 10), width=3)
    draw.line((32, 4, 32, 60), fill=(40, 20, 10), width=3)
    draw.line((4, 32, 60, 32), fill=(40, 20, 10), width=3)
    draw.arc((-20, 8, 24, 56), -60, 60, fill=(40, 20, 10), width=3)
    draw.arc((40, 8, 84, 56), 120, 240, fill=(40, 20, 10), width=3)
    return image


def _date_range(
    summary: data.WarehouseSummary | None, lake_days: tuple[date, date] | None
) -> tuple[date, date]:
    """The sidebar's date range (by default the last 30 days of the warehouse's data, or
    of the lake's before the warehouse has any)."""
    if summary is not None:
        low, high = summary.first_day, summary.last_day
    elif lake_days is not None:
        low, high = lake_days
    else:
        high = datetime.now(UTC).date()
        low = high - timedelta(days=365)
    default = (max(low, high - timedelta(days=_DEFAULT_DAYS - 1)), high)
    picked = st.sidebar.date_input(
        "Dates", value=default, min_value=low, max_value=high, key="dates", format="YYYY-MM-DD"
    )
    if isinstance(picked, tuple | list):
        if len(picked) == 2:
            return picked[0], picked[1]
        if len(picked) == 1:
            return picked[0], picked[0]
        return default
    return (picked, picked) if isinstance(picked, date) else default


def _filters(
    settings: Settings, view: data.WarehouseView, players_table: PlayersTable
) -> sections.Filters:
    sb = st.sidebar
    summary: data.WarehouseSummary | None = None
    try:
        summary = view.summary()
        every = view.players()
    except DashboardError:
        every = []
    start, end = _date_range(summary, None if summary else data.lake_day_range(settings))
    teams = sb.multiselect("Teams", players_table.teams(), key="teams")
    scope: list[str] | None = None
    if teams:
        wanted = set(teams)
        scope = [p for p in every if (m := players_table.by_name(p)) and m.team in wanted]
    options = scope if scope is not None else every
    if "players" not in st.session_state:
        try:
            top = view.player_totals(start, end, scope, limit=3) if summary else []
        except DashboardError:
            top = []
        st.session_state["players"] = [t.player for t in top]
    else:
        allowed = set(options)
        st.session_state["players"] = [p for p in st.session_state["players"] if p in allowed]
    players = sb.multiselect("Players", options, key="players")
    top_n = sb.slider("Top players", min_value=3, max_value=30, value=10, key="top_n")
    return sections.Filters(
        start,
        end,
        tuple(teams),
        tuple(players),
        tuple(scope) if scope is not None else None,
        int(top_n),
    )


def main(argv: list[str] | None = None) -> None:
    """Draw the whole page."""
    args = _args(sys.argv[1:] if argv is None else argv)
    # An icon drawn here: a Material or emoji icon would be fetched from a font CDN.
    st.set_page_config(page_title="courtside", page_icon=_icon(), layout="wide")
    try:
        settings = _settings(args.home, args.config)
        view = data.WarehouseView(settings)
        players_table = _players(str(settings.home))
    except (DashboardError, CourtsideError) as exc:
        st.error(f"courtside cannot start the dashboard: {md_escape(str(exc))}")
        return
    st.title("courtside")
    st.caption(
        f"NBA players related posts, tampering alerts and pipeline health. Warehouse: "
        f"{md_escape(view.describe())}; home: {md_escape(str(settings.home.resolve()))}."
    )
    st.sidebar.header("Filters")
    try:
        f = _filters(settings, view, players_table)
    except Exception as exc:  # noqa: BLE001 - the page is drawn with default filters
        st.sidebar.error(f"The filters could not be read: {md_escape(str(exc)[:200])}")
        today = datetime.now(UTC).date()
        f = sections.Filters(today - timedelta(days=_DEFAULT_DAYS - 1), today, (), (), None, 10)
    live = st.sidebar.toggle("Live alerts and health", value=True, key="live")
    refresh_s = st.sidebar.number_input(
        "Refresh every (s)",
        min_value=1.0,
        max_value=600.0,
        value=max(1.0, args.refresh_s),
        step=1.0,
        key="refresh_s",
    )
    st.sidebar.caption(
        "Alerts and pipeline health redraw by themselves while live; charts follow the "
        "warehouse after each `courtside load` (change a filter or reload)."
    )
    sections.players_section(view, f)
    sections.percentile_section(view, f)
    sentiment_section(settings, view, players_table, f)
    sections.regional_section(settings, f)
    every_s = float(refresh_s) if live else None
    st.fragment(run_every=every_s)(sections.alerts_section)(settings, players_table, f)
    st.fragment(run_every=max(every_s, 5.0) if every_s else None)(sections.health_section)(settings)
    quality_section(settings)


if __name__ == "__main__":
    main()
