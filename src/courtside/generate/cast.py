"""Who generated posts are about: players ranked by popularity, each with a mood.

Posts per player follow a heavy tail, as on X: the stars of :data:`vocab.STARS` (in
their order) rank first, then every other player of the roster in an order shuffled
with a fixed seed (the default roster is sorted by team, which says nothing about
popularity). A player of rank ``r`` (0 first) is picked with weight
``1 / (r + 2) ** POPULARITY_EXPONENT``, so the top tenth of the roster gets well over
half of the posts. Each player also has a mood bias (from the generator's seed) and a
form of the day that tilt fans' posts about them positive or negative.

The X objects of a player (user, Athlete annotation) are built once and shared by every
post: nothing mutates them after they are made.
"""

from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate

from courtside.generate import vocab
from courtside.reference.players import Player, fold

__all__ = ["POPULARITY_EXPONENT", "Cast", "user_id"]

POPULARITY_EXPONENT = 1.15
_POPULARITY_SEED = "courtside-popularity"
_MOOD_SPREAD = 0.15
_FORM_SPREAD = 0.2

_SPORT: dict[str, object] = {
    "domain": {"id": "11", "name": "Sport", "description": "Types of sports"},
    "entity": {"id": "847900493514891265", "name": "Basketball"},
}
_ATHLETE = {
    "id": "60",
    "name": "Athlete",
    "description": "An athlete in the world, like Serena Williams",
}


def user_id(handle: str) -> str:
    """A stable numeric user id per handle (FNV-1a), so a user always has the same id."""
    h = 0xCBF29CE484222325
    for b in handle.casefold().encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return str(10_000_000 + h % 1_500_000_000_000_000_000)


def _ranked(players: list[Player]) -> list[Player]:
    stars = {fold(name): rank for rank, name in enumerate(vocab.STARS)}
    known = sorted((p for p in players if fold(p.name) in stars), key=lambda p: stars[fold(p.name)])
    rest = [p for p in players if fold(p.name) not in stars]
    random.Random(_POPULARITY_SEED).shuffle(rest)
    return known + rest


def _cumulative(players: list[Player], rank: dict[Player, int]) -> list[float]:
    return list(accumulate(1.0 / (rank[p] + 2) ** POPULARITY_EXPONENT for p in players))


class Cast:
    """The roster as the generator uses it.

    Args:
        players: The roster (at least two teams).
        seed: The generator's seed (it sets the players' moods).
    """

    def __init__(self, players: list[Player], seed: int) -> None:
        self.ranked = _ranked(players)
        self.rank = {p: r for r, p in enumerate(self.ranked)}
        self._cum = _cumulative(self.ranked, self.rank)
        self.by_team: dict[str, list[Player]] = {}
        for p in self.ranked:
            self.by_team.setdefault(p.team, []).append(p)
        self._team_cum = {t: _cumulative(ps, self.rank) for t, ps in self.by_team.items()}
        mood_rng = random.Random(f"courtside-mood:{seed}")
        self.mood = {p: mood_rng.uniform(-_MOOD_SPREAD, _MOOD_SPREAD) for p in players}
        self._seed = seed
        self._form: dict[tuple[Player, int], float] = {}
        self._users: dict[Player, dict[str, object]] = {}
        self._annotations: dict[Player, dict[str, object]] = {}
        self._ids: dict[str, str] = {}

    def pick(self, rng: random.Random, team: str | None = None) -> Player:
        """A player by popularity (of ``team`` when given)."""
        if team is None:
            ranked, cum = self.ranked, self._cum
        else:
            ranked, cum = self.by_team[team], self._team_cum[team]
        return ranked[min(bisect(cum, rng.random() * cum[-1]), len(ranked) - 1)]

    def form(self, p: Player, day: int) -> float:
        """The player's form on a UTC day (days since the epoch): a tilt of the mood of
        posts about them that day, from the seed, the player and the day only."""
        key = (p, day)
        found = self._form.get(key)
        if found is None:
            rng = random.Random(f"courtside-form:{self._seed}:{p.account}:{day}")
            found = self._form[key] = rng.uniform(-_FORM_SPREAD, _FORM_SPREAD)
        return found

    def user_id(self, handle: str) -> str:
        """:func:`user_id`, remembered."""
        found = self._ids.get(handle)
        if found is None:
            found = self._ids[handle] = user_id(handle)
        return found

    def user(self, p: Player) -> dict[str, object]:
        """The player's X user object (shared: never mutate it)."""
        found = self._users.get(p)
        if found is None:
            found = self._users[p] = {
                "id": self.user_id(p.account),
                "name": p.name,
                "username": p.account,
                "location": p.team.rsplit(" ", 1)[0],
                "description": f"{p.team} | NBA",
            }
        return found

    def annotation(self, p: Player) -> dict[str, object]:
        """The player's Athlete (domain 60) context annotation (shared: never mutate it)."""
        found = self._annotations.get(p)
        if found is None:
            entity = {"id": self.user_id("entity:" + p.name), "name": p.name}
            found = self._annotations[p] = {"domain": _ATHLETE, "entity": entity}
        return found

    def annotations(self, mentioned: list[Player]) -> list[dict[str, object]]:
        """A post's context annotations: the sport, then one Athlete per player."""
        return [_SPORT, *(self.annotation(p) for p in mentioned)]
