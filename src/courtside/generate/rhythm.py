"""When generated posts happen: a daily rhythm and a game schedule, both from the seed.

Fans post most in the US evening, when games are on: the volume of each minute follows
:data:`ET_HOURLY` (relative volume per hour of US Eastern time, peaking 19:00-23:00 ET),
plus a lift while generated games are played and a spike around each final buzzer.
The schedule (:func:`schedule`) has 3 to 12 games per US day between teams of the
roster, tipping off between 19:00 and 22:30 ET, with a winner; it depends only on the
seed, the roster's teams and the day, so the same seed gives the same games whatever
the number of posts.

:class:`Timeline` turns post number ``i`` of ``n`` into an event time, so that posts
are spread over the span in proportion to the volume (the inverse of the cumulative
volume): times never go back, and a flat volume gives evenly spaced posts. Volumes are
per bucket of at least 60 s, aligned to the span's start (a span shorter than one
bucket is spaced evenly).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

__all__ = ["ET_HOURLY", "Game", "Timeline", "eastern_offset_h", "schedule"]

#: Relative posting volume per hour of US Eastern time (0 = midnight ET).
ET_HOURLY: tuple[float, ...] = (
    0.70, 0.52, 0.38, 0.28, 0.22, 0.20, 0.24, 0.30, 0.36, 0.40, 0.42, 0.45,
    0.48, 0.50, 0.52, 0.55, 0.60, 0.68, 0.80, 1.00, 1.06, 1.10, 1.04, 0.88,
)  # fmt: skip
#: Extra volume per game in progress, and per game in its last 15 minutes and the 30
#: minutes after the final buzzer (the reactions).
GAME_LIFT = 0.06
FINAL_SPIKE = 0.2
_FINAL_BEFORE_MS = 15 * 60_000
_FINAL_AFTER_MS = 30 * 60_000
#: Tip-off times (ET hour, minute) and how often each is used.
_TIPS: tuple[tuple[int, int], ...] = (
    (19, 0),
    (19, 30),
    (20, 0),
    (20, 30),
    (21, 0),
    (22, 0),
    (22, 30),
)
_TIP_WEIGHTS = (4, 5, 3, 2, 2, 3, 2)
_MIN_BUCKET_MS = 60_000
_MAX_BUCKETS = 200_000


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def eastern_offset_h(when: datetime) -> int:
    """US Eastern time's offset from UTC at ``when`` (aware): -4 in daylight saving time
    (second Sunday of March, 2:00 local, to first Sunday of November, 2:00 local), else -5.
    """
    utc = when.astimezone(UTC)
    begin = datetime.combine(_nth_sunday(utc.year, 3, 2), datetime.min.time(), UTC)
    end = datetime.combine(_nth_sunday(utc.year, 11, 1), datetime.min.time(), UTC)
    return -4 if begin + timedelta(hours=7) <= utc < end + timedelta(hours=6) else -5


def _et_hour(ts_ms: int) -> int:
    when = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return (when.hour + eastern_offset_h(when)) % 24


@dataclass(frozen=True, slots=True)
class Game:
    """One generated game: two teams, tip-off and final buzzer (epoch ms), the winner."""

    home: str
    away: str
    tip_ms: int
    end_ms: int
    winner: str

    @property
    def loser(self) -> str:
        """The team that lost."""
        return self.away if self.winner == self.home else self.home


def schedule(seed: int, teams: list[str], start_ms: int, end_ms: int) -> list[Game]:
    """The games whose play or reactions overlap ``[start_ms, end_ms)``, by tip-off.

    Each US Eastern day gets its own random generator (seeded by ``seed`` and the day),
    so a day's games do not depend on the span asked for.
    """
    if len(teams) < 2:
        return []
    ordered = sorted(teams)
    first = datetime.fromtimestamp(start_ms / 1000, tz=UTC).date() - timedelta(days=1)
    last = datetime.fromtimestamp(end_ms / 1000, tz=UTC).date()
    games: list[Game] = []
    day = first
    while day <= last:
        rng = random.Random(f"courtside-games:{seed}:{day.isoformat()}")
        count = min(rng.randint(3, 12), len(ordered) // 2)
        picked = rng.sample(ordered, 2 * count)
        for k in range(count):
            home, away = picked[2 * k], picked[2 * k + 1]
            hour, minute = rng.choices(_TIPS, _TIP_WEIGHTS)[0]
            local_noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
            offset = eastern_offset_h(local_noon)
            tip = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
            tip_ms = int((tip - timedelta(hours=offset)).timestamp() * 1000)
            game_ms = rng.randint(135, 165) * 60_000
            winner = home if rng.random() < 0.58 else away  # home-court advantage
            game = Game(home, away, tip_ms, tip_ms + game_ms, winner)
            if game.tip_ms < end_ms and game.end_ms + _FINAL_AFTER_MS > start_ms:
                games.append(game)
        day += timedelta(days=1)
    games.sort(key=lambda g: (g.tip_ms, g.home))
    return games


class Timeline:
    """Event times for posts ``0..count-1`` over ``[start_ms, start_ms + span_ms)``.

    Args:
        start_ms: The span's start (epoch ms).
        span_ms: The span's length (ms, > 0).
        count: How many posts will be placed.
        games: The games whose lift and spikes shape the volume.
        rhythm: False gives evenly spaced posts (no daily rhythm, no game spikes).
    """

    def __init__(
        self, start_ms: int, span_ms: float, count: int, games: list[Game], *, rhythm: bool = True
    ) -> None:
        self.start_ms = start_ms
        self.span_ms = span_ms
        self.count = max(count, 1)
        buckets = max(1, min(_MAX_BUCKETS, int(span_ms // _MIN_BUCKET_MS)))
        self.bucket_ms = span_ms / buckets
        #: Per bucket: its relative volume, and the games in progress or just ended.
        self.volume: list[float] = []
        hour_cache: dict[int, float] = {}
        for b in range(buckets):
            mid = int(start_ms + (b + 0.5) * self.bucket_ms)
            hour_key = mid // 3_600_000
            if hour_key not in hour_cache:
                hour_cache[hour_key] = ET_HOURLY[_et_hour(mid)] if rhythm else 1.0
            self.volume.append(hour_cache[hour_key])
        active: list[list[Game]] = [[] for _ in range(buckets)]
        for game in games:
            # Buckets whose middle falls in the game, then in its final minutes and after.
            for low_ms, high_ms, lift in (
                (game.tip_ms, game.end_ms - _FINAL_BEFORE_MS, GAME_LIFT),
                (game.end_ms - _FINAL_BEFORE_MS, game.end_ms + _FINAL_AFTER_MS, FINAL_SPIKE),
            ):
                for b in range(self._bucket_of(low_ms), min(buckets, self._bucket_of(high_ms))):
                    active[b].append(game)
                    if rhythm:
                        self.volume[b] += lift
        self.active: list[tuple[Game, ...]] = [tuple(a) for a in active]
        self._cumulative = [0.0]
        for volume in self.volume:
            self._cumulative.append(self._cumulative[-1] + volume)
        self._total = self._cumulative[-1]
        self._bucket = 0

    def _bucket_of(self, ts_ms: int) -> int:
        """The first bucket whose middle is at or after ``ts_ms`` (clamped at 0)."""
        return max(0, math.ceil((ts_ms - self.start_ms) / self.bucket_ms - 0.5))

    def at(self, i: int) -> tuple[int, int]:
        """Post ``i``'s event time (epoch ms) and its bucket (an index of :attr:`active`).

        Calls with growing ``i`` cost O(1) each (the bucket pointer only moves forward).
        """
        target = i / self.count * self._total
        cumulative = self._cumulative
        b = self._bucket
        if cumulative[b] > target:  # asked for an earlier post: search from the start
            b = max(0, bisect_right(cumulative, target) - 1)
        last = len(self.volume) - 1
        while b < last and cumulative[b + 1] <= target:
            b += 1
        self._bucket = b
        fraction = (target - cumulative[b]) / self.volume[b]
        return self.start_ms + int((b + fraction) * self.bucket_ms), b
