"""Pure computations behind the charts: zero-filled trends and the percentile graph.

The percentile graph answers "how does this player's daily volume compare with every
other player's?". Each player's *average daily total* is their total over the chosen
range divided by the number of days the warehouse covers in that range (a covered day
without a row for the player counts as 0). The distribution of those averages over all
players is drawn as a percentile curve; a chosen player sits at their *percentile rank*:
the share of players with a lower average, players with the same average (the player
included) counted half: the usual "mean" rank, so a value everyone shares ranks 50 and
the top one of 8 players ranks 93.75.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from courtside.dashboard.warehouse_view import DayTotal, PlayerTotal

__all__ = [
    "Standing",
    "percentile_curve",
    "percentile_rank",
    "quantile",
    "standings",
    "zero_filled",
]


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` with linear interpolation between closest
    ranks (numpy's default ``linear`` method).

    Raises:
        ValueError: for no values or ``q`` outside 0..1.
    """
    if not values:
        raise ValueError("quantile of no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} is outside 0..1")
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def percentile_rank(values: Sequence[float], x: float) -> float:
    """Percent of ``values`` below ``x``, values equal to ``x`` counted half (0..100).

    Raises:
        ValueError: for no values.
    """
    if not values:
        raise ValueError("percentile rank among no values")
    below = sum(1 for v in values if v < x)
    equal = sum(1 for v in values if v == x)
    return 100.0 * (below + 0.5 * equal) / len(values)


def percentile_curve(values: Sequence[float], step: int = 5) -> list[tuple[int, float]]:
    """``(percentile, value)`` points from 0 to 100 every ``step`` percent."""
    if not values:
        return []
    return [(p, quantile(values, p / 100.0)) for p in range(0, 101, step)]


def zero_filled(
    rows: Iterable[DayTotal], days: Sequence[date], players: Sequence[str]
) -> list[DayTotal]:
    """One row per covered day and player, 0 where the warehouse has none, by day then
    player (a line chart then drops to 0 instead of skipping a quiet day)."""
    have = {(r.day, r.player): r.total for r in rows}
    return [DayTotal(d, p, have.get((d, p), 0)) for d in days for p in players]


@dataclass(frozen=True, slots=True)
class Standing:
    """Where one player sits among all players over a date range."""

    player: str
    total: int
    avg_daily: float
    median_daily: float
    p90_daily: float
    max_daily: int
    days_with_posts: int
    percentile: float


def standings(
    totals: Sequence[PlayerTotal],
    daily: Iterable[DayTotal],
    days: Sequence[date],
    chosen: Sequence[str],
) -> tuple[list[float], list[Standing]]:
    """The distribution of average daily totals and the standing of each chosen player.

    Args:
        totals: Every player's total over the range (from the warehouse).
        daily: The chosen players' daily rows over the range.
        days: The days the warehouse covers in the range.
        chosen: The players to place (names not in ``totals`` get total 0).

    Returns:
        The average daily total of every player (the distribution), and one
        :class:`Standing` per chosen player, in the order given.
    """
    n_days = max(1, len(days))
    averages = [t.total / n_days for t in totals]
    by_player = {t.player: t for t in totals}
    filled = zero_filled(daily, days, chosen)
    out: list[Standing] = []
    for player in chosen:
        series = [float(r.total) for r in filled if r.player == player] or [0.0]
        found = by_player.get(player)
        total = found.total if found else 0
        avg = total / n_days
        out.append(
            Standing(
                player=player,
                total=total,
                avg_daily=avg,
                median_daily=quantile(series, 0.5),
                p90_daily=quantile(series, 0.9),
                max_daily=int(max(series)),
                days_with_posts=found.days_with_posts if found else 0,
                percentile=percentile_rank(averages, avg) if averages else 0.0,
            )
        )
    return averages, out
