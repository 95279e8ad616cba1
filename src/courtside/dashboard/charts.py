"""Vega-Lite charts (via Altair) for the dashboard sections.

Data goes in as inline values under fixed field names, so a name from a post is only
ever a *value*: Vega draws it as text and never evaluates it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

from courtside.dashboard.stats import Standing
from courtside.dashboard.warehouse_view import DayTotal, PlayerTotal

__all__ = ["top_players_chart", "trend_chart", "percentile_chart", "regions_chart"]

_DAY = alt.X("day:O", title="day (UTC)", axis=alt.Axis(labelAngle=-45, labelOverlap=True))
_LABEL_ROWS = 6
_MAX_LABELS = 12
_COUNT_AXIS = alt.Axis(format="d", tickMinStep=1)


def _room(values: Sequence[int]) -> alt.Scale:
    """A count scale with room for the value labels at the bar ends."""
    return alt.Scale(domain=[0, max(1, max(values, default=0)) * 1.15], nice=False)


def top_players_chart(rows: Sequence[PlayerTotal]) -> alt.LayerChart:
    """Horizontal bars: players by total posts, largest at the top, totals at bar ends."""
    data = alt.Data(values=[{"player": r.player, "total": r.total} for r in rows])
    base = alt.Chart(data).encode(
        y=alt.Y("player:N", sort="-x", title=None, axis=alt.Axis(labelLimit=240)),
        x=alt.X("total:Q", title="posts", axis=_COUNT_AXIS, scale=_room([r.total for r in rows])),
        tooltip=[alt.Tooltip("player:N"), alt.Tooltip("total:Q", title="posts")],
    )
    bars = base.mark_bar(color="#1d428a")
    labels = base.mark_text(align="left", dx=3).encode(text="total:Q")
    return (bars + labels).properties(height=max(120, 30 * len(rows)))


def trend_chart(rows: Sequence[DayTotal]) -> alt.Chart:
    """Lines: the daily totals of the chosen players."""
    data = alt.Data(
        values=[{"day": r.day.isoformat(), "player": r.player, "total": r.total} for r in rows]
    )
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=_DAY,
            y=alt.Y("total:Q", title="posts per day", axis=_COUNT_AXIS),
            color=alt.Color("player:N", title="player"),
            tooltip=[
                alt.Tooltip("day:O", title="day"),
                alt.Tooltip("player:N"),
                alt.Tooltip("total:Q", title="posts"),
            ],
        )
        .properties(height=320)
    )


def _label_side(row: dict[str, Any]) -> dict[str, Any]:
    """A label beside its rule, on the side with room (the right half: to the left)."""
    if row["percentile"] > 50:
        return {"align": "right", "dx": -4}
    return {"align": "left", "dx": 4}


def percentile_chart(curve: Sequence[tuple[int, float]], chosen: Sequence[Standing]) -> Any:
    """The percentile curve of average daily totals, chosen players marked on it."""
    line = (
        alt.Chart(alt.Data(values=[{"percentile": p, "avg": v} for p, v in curve]))
        .mark_area(line=True, opacity=0.25, interpolate="monotone", color="#8a8d91")
        .encode(
            x=alt.X(
                "percentile:Q", title="percentile of players", scale=alt.Scale(domain=[0, 100])
            ),
            y=alt.Y("avg:Q", title="average posts per day"),
            tooltip=[
                alt.Tooltip("percentile:Q"),
                alt.Tooltip("avg:Q", title="avg/day", format=".2f"),
            ],
        )
    )
    mark_rows = [
        {"player": s.player, "percentile": round(s.percentile, 1), "avg": s.avg_daily}
        for s in chosen
    ]
    marks = alt.Data(values=mark_rows)
    points = (
        alt.Chart(marks)
        .mark_point(size=140, filled=True)
        .encode(
            x="percentile:Q",
            y="avg:Q",
            color=alt.Color("player:N", title="player"),
            tooltip=[
                alt.Tooltip("player:N"),
                alt.Tooltip("percentile:Q"),
                alt.Tooltip("avg:Q", title="avg/day", format=".2f"),
            ],
        )
    )
    # Players often sit close together (the top few near p100): a dashed rule marks each
    # one's percentile and the names stack in rows at the top of the chart.
    rules = (
        alt.Chart(marks)
        .mark_rule(strokeDash=[4, 3], opacity=0.7)
        .encode(x="percentile:Q", color=alt.Color("player:N", title="player"))
    )
    labels = [
        alt.Chart(alt.Data(values=[row]))
        .mark_text(fontWeight="bold", **_label_side(row))
        .encode(
            x="percentile:Q",
            y=alt.value(8 + 14 * (i % _LABEL_ROWS)),
            text="player:N",
            color="player:N",
        )
        for i, row in enumerate(mark_rows[:_MAX_LABELS])
    ]
    return alt.layer(line, rules, points, *labels).properties(height=320)


def regions_chart(regions: Sequence[tuple[str, int]]) -> alt.LayerChart:
    """Bars: posts by region."""
    data = alt.Data(values=[{"region": r, "posts": n} for r, n in regions])
    base = alt.Chart(data).encode(
        y=alt.Y("region:N", sort="-x", title=None),
        x=alt.X("posts:Q", title="posts", axis=_COUNT_AXIS, scale=_room([n for _, n in regions])),
        tooltip=[alt.Tooltip("region:N"), alt.Tooltip("posts:Q")],
    )
    bars = base.mark_bar(color="#c8102e")
    labels = base.mark_text(align="left", dx=3).encode(text="posts:Q")
    return (bars + labels).properties(height=max(120, 40 * len(regions)))
