"""The dashboard's data-quality section: the latest profile of each table with its
histograms and null share over days, the schema registry's versions with their
differences, and the quality checks' results over time.

Each part is guarded on its own (a missing registry or a broken profile hides nothing
else); the data comes from :mod:`courtside.dashboard.quality_data`. Values from the data
(column names, top values, check messages) are only ever chart values or escaped cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import streamlit as st

from courtside.config import Settings
from courtside.dashboard import quality_data
from courtside.dashboard.text import md_escape
from courtside.dashboard.widgets import guarded, table

__all__ = ["checks_chart", "histogram_chart", "null_share_chart", "quality_section"]

_HINT = "Run `courtside pipeline nightly` (or `courtside profile TABLE`)"


def histogram_chart(bins: Sequence[dict[str, Any]], what: str) -> alt.Chart:
    """Bars: one histogram of a profiled column (bins in order)."""
    data = alt.Data(values=quality_data.histogram_rows(list(bins)))
    return (
        alt.Chart(data)
        .mark_bar(color="#1d428a")
        .encode(
            x=alt.X("bin:N", sort=alt.SortField("order"), title=what),
            y=alt.Y("count:Q", title="rows", axis=alt.Axis(format="d", tickMinStep=1)),
            tooltip=[alt.Tooltip("bin:N"), alt.Tooltip("count:Q", title="rows")],
        )
        .properties(height=180)
    )


def null_share_chart(rows: Sequence[dict[str, Any]]) -> alt.Chart:
    """Lines: the null share of each column over the profiled days."""
    return (
        alt.Chart(alt.Data(values=list(rows)))
        .mark_line(point=True)
        .encode(
            x=alt.X("day:O", title="day (UTC)", axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("null_share:Q", title="null share", axis=alt.Axis(format="%")),
            color=alt.Color("column:N", title="column"),
            tooltip=[alt.Tooltip("day:O"), alt.Tooltip("column:N"), alt.Tooltip("null_share:Q")],
        )
        .properties(height=220)
    )


def checks_chart(rows: Sequence[dict[str, Any]]) -> alt.Chart:
    """Stacked bars: check results per checked day, by status."""
    values = [{"day": r.get("day") or "whole table", "status": r["status"], "n": 1} for r in rows]
    return (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            x=alt.X("day:O", title="day checked", axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("sum(n):Q", title="check results", axis=alt.Axis(format="d")),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(
                    domain=["passed", "warned", "failed"], range=["#2e7d32", "#f9a825", "#c62828"]
                ),
            ),
            tooltip=[alt.Tooltip("day:O"), alt.Tooltip("status:N"), alt.Tooltip("sum(n):Q")],
        )
        .properties(height=200)
    )


def _empty(text: str) -> None:
    st.info(text, icon=":material/info:")


@guarded("Profiles")
def profiles_part(settings: Settings) -> None:
    """The latest profile of each table: a column table, a histogram and null shares."""
    st.subheader("Latest profiles")
    profiles = quality_data.latest_profiles(settings)
    if not profiles:
        _empty(f"No profile yet. {_HINT}.")
        return
    for i, p in enumerate(profiles):
        st.markdown(
            f"**{md_escape(p.table)}** — {md_escape(p.scope)} {p.day.isoformat()}, "
            f"{p.rows:,} rows, profiled {md_escape(p.profiled_at)}"
        )
        table(p.columns, key=f"profile_{i}")
        left, right = st.columns(2)
        with left:
            if p.histograms:
                names = list(p.histograms)
                picked = st.selectbox("Histogram of", names, key=f"histogram_{i}")
                what, bins = p.histograms[picked or names[0]]
                st.altair_chart(histogram_chart(bins, what), width="stretch")
        with right:
            nulls = quality_data.null_share_rows(settings, p.folder)
            if nulls:
                st.caption("Null share over days (columns with nulls)")
                st.altair_chart(null_share_chart(nulls), width="stretch")
            else:
                st.caption("No nulls on any profiled day.")


@guarded("Schema versions")
def schemas_part(settings: Settings) -> None:
    """The registry's subjects and the differences between their versions."""
    st.subheader("Schema versions")
    subjects = quality_data.schema_subjects(settings)
    if not subjects:
        _empty("No schema registered yet. Run `courtside deliver` or `courtside etl crawl`.")
        return
    table(subjects, key="schema_subjects")
    names = [s["subject"] for s in subjects]
    picked = st.selectbox("Differences of", names, key="schema_subject")
    table(quality_data.schema_changes(settings, picked or names[0]), key="schema_changes")


@guarded("Check results")
def checks_part(settings: Settings) -> None:
    """Check results over time: a chart by day and status, the latest results."""
    st.subheader("Check results over time")
    rows = quality_data.check_results(settings)
    if not rows:
        _empty(
            "No quality check has run yet. Configure `[quality]` checks and run "
            "`courtside quality check` or `courtside pipeline nightly`."
        )
        return
    st.altair_chart(checks_chart(rows), width="stretch")
    shown = ("started_at", "table", "day", "check", "severity", "status", "failing", "message")
    table([{k: r.get(k) for k in shown} for r in rows[:50]], key="check_results")


def quality_section(settings: Settings) -> None:
    """The whole data-quality section (each part drawn on its own)."""
    st.header("Data quality", anchor="quality")
    profiles_part(settings)
    schemas_part(settings)
    checks_part(settings)
