"""The detector's logic, written once and shared by the embedded engine and the Flink job.

Plain functions with no I/O and no engine in sight:

* :func:`enrich` turns an incoming record into *evaluated* items, one per destination
  player: the source player is the post's author (``includes.users[0].username`` looked
  up by account), each Athlete annotation names a destination (looked up by name).
* :func:`parse_control` reads a control change event shaped like a DynamoDB stream record.
* :func:`window_start`, :func:`summarise` and :func:`window_alert` are the tumbling
  window assignment and the window function that builds the alert.
* :func:`alert_id` is a stable hash of (team, player, window start), so a re-firing of the
  same window updates the alert instead of creating a new one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import orjson

from courtside.errors import RecordError
from courtside.records import athletes, describe, event_time_ms, iso_utc, loads, post_of
from courtside.reference.players import Player, PlayersTable

__all__ = [
    "ControlChange",
    "Evaluated",
    "PlayerLookup",
    "alert_id",
    "build_alert",
    "enrich",
    "evaluated_doc",
    "late_doc",
    "parse_control",
    "parse_control_bytes",
    "summarise",
    "try_enrich",
    "window_alert",
    "window_start",
]

_EVENT_NAMES = ("INSERT", "MODIFY", "REMOVE")
_MAX_TEAM_CHARS = 255


class Evaluated(NamedTuple):
    """One (post, destination player) pair that passed enrichment.

    Attributes:
        post_id: The post's id (``""`` when it has none).
        event_ms: Event time in epoch milliseconds.
        team: The source player's team (the key of the control filter).
        player: The source player's name.
        account: The source player's X handle.
        target: The destination player's name (``tamperingPlayer`` in alerts).
        target_team: The destination player's team.
    """

    post_id: str
    event_ms: int
    team: str
    player: str
    account: str
    target: str
    target_team: str

    @property
    def cross_team(self) -> bool:
        """True when source and destination play for different teams (it counts)."""
        return self.team != self.target_team


class ControlChange(NamedTuple):
    """A change of the control table: ``team`` is allowed (not checked) or not."""

    team: str
    allowed: bool


# -- enrichment ----------------------------------------------------------------------------
class _Memo(dict[str, Player | None]):
    """``lookup(key)`` remembered per key; emptied once it holds ``max_entries``. A hit is a
    plain dict read (``__missing__`` runs only on a miss)."""

    def __init__(self, lookup: Callable[[str], Player | None], max_entries: int) -> None:
        super().__init__()
        self.lookup = lookup
        self.max_entries = max_entries

    def __missing__(self, key: str) -> Player | None:
        if len(self) >= self.max_entries:
            self.clear()
        found = self[key] = self.lookup(key)
        return found


class PlayerLookup:
    """Memoised lookups on a players table: name lookups fold accents and case, which
    costs more than the rest of enrichment, and the same few hundred names repeat.

    Args:
        players: The players table.
        max_entries: Memo size; the memo is emptied when it grows past this.
    """

    def __init__(self, players: PlayersTable, max_entries: int = 100_000) -> None:
        self.players = players
        self.max_entries = max_entries
        self._accounts = _Memo(players.by_account, max_entries)
        self._names = _Memo(players.by_name, max_entries)

    def by_account(self, account: str) -> Player | None:
        """See :meth:`PlayersTable.by_account`."""
        return self._accounts[account]

    def by_name(self, name: str) -> Player | None:
        """See :meth:`PlayersTable.by_name`."""
        return self._names[name]


Players = PlayersTable | PlayerLookup


def _author(record: dict[str, Any]) -> str | None:
    includes = record.get("includes")
    users = includes.get("users") if isinstance(includes, dict) else None
    if not isinstance(users, list) or not users or not isinstance(users[0], dict):
        return None
    username = users[0].get("username")
    return username if isinstance(username, str) and username else None


def try_enrich(
    record: dict[str, Any], players: Players
) -> tuple[list[Evaluated], int] | RecordError:
    """:func:`enrich` that returns the error instead of raising it (the hot path of the
    embedded engine, where most posts are skipped as not written by players)."""
    try:
        post = post_of(record)
    except RecordError as exc:
        return exc
    username = _author(record)
    if username is None:
        return RecordError("NoAuthor", "record has no includes.users[0].username (the author)")
    source = players.by_account(username)
    if source is None:
        return RecordError("UnknownAuthor", f"author {username[:60]!r} is not a known player")
    names = athletes(post)
    if not names:
        return RecordError("NoAthlete", "post has no Athlete (domain 60) annotation")
    try:
        event_ms = event_time_ms(record)
    except RecordError as exc:
        return exc
    post_id = post.get("id")
    # Ids are strings in the X API; an integer is taken as its digits, anything else
    # (a nested value whose str() could even recurse too deep) as no id.
    pid = post_id if isinstance(post_id, str) else (str(post_id) if type(post_id) is int else "")
    items: list[Evaluated] = []
    unknown = 0
    for name in names:
        target = players.by_name(name)
        if target is None:
            unknown += 1
            continue
        items.append(
            Evaluated(
                pid, event_ms, source.team, source.name, source.account, target.name, target.team
            )
        )
    if not items:
        return RecordError(
            "UnknownDestination", f"no Athlete annotation names a known player ({unknown})"
        )
    return items, unknown


def enrich(record: dict[str, Any], players: Players) -> tuple[list[Evaluated], int]:
    """Enrich one parsed record.

    Args:
        record: The record as parsed by :func:`courtside.records.loads`.
        players: The players reference table (or a :class:`PlayerLookup` on it).

    Returns:
        The evaluated items (one per known destination player, in annotation order) and
        the number of destinations that are not known players.

    Raises:
        RecordError: ``BadData``, ``NoAuthor``, ``UnknownAuthor``, ``NoAthlete``,
            ``UnknownDestination`` (every destination unknown), or an event-time error
            (``BadEventTime``, ``MissingCreatedAt``, ``BadCreatedAt``).
    """
    result = try_enrich(record, players)
    if isinstance(result, RecordError):
        raise result
    return result


# -- control events ------------------------------------------------------------------------
def _string_attr(image: Any, name: str) -> str | None:
    if not isinstance(image, dict):
        return None
    attr = image.get(name)
    if not isinstance(attr, dict):
        return None
    value = attr.get("S")
    return value if isinstance(value, str) else None


def _valid_team(team: str | None) -> str:
    if team is None or not team.strip():
        raise RecordError("ControlMissingTeam", "control event has no team (S attribute)")
    if len(team) > _MAX_TEAM_CHARS or any(ord(c) < 32 or ord(c) == 127 for c in team):
        raise RecordError("ControlBadTeam", f"control event has an invalid team {team[:60]!r}")
    return team


def parse_control(event: dict[str, Any]) -> ControlChange:
    """Read a control change event (a DynamoDB stream record of the control table).

    INSERT and MODIFY carry the new value (``NewImage.control.BOOL``); REMOVE means the
    team is no longer allowed.

    Raises:
        RecordError: ``ControlBadEvent``, ``ControlMissingTeam``, ``ControlBadTeam`` or
            ``ControlBadFlag`` (the flag is missing or not a JSON boolean).
    """
    name = event.get("eventName")
    body = event.get("dynamodb")
    if name not in _EVENT_NAMES or not isinstance(body, dict):
        shown = describe(name, 40)
        raise RecordError(
            "ControlBadEvent", f"control event needs eventName INSERT/MODIFY/REMOVE, got {shown}"
        )
    if name == "REMOVE":
        team = _string_attr(body.get("Keys"), "team") or _string_attr(body.get("OldImage"), "team")
        return ControlChange(_valid_team(team), False)
    image = body.get("NewImage")
    team = _string_attr(image, "team") or _string_attr(body.get("Keys"), "team")
    team = _valid_team(team)
    flag = image.get("control") if isinstance(image, dict) else None
    value = flag.get("BOOL") if isinstance(flag, dict) else None
    if not isinstance(value, bool):
        raise RecordError(
            "ControlBadFlag", f"control flag of {team[:60]!r} is not a boolean: {describe(value)}"
        )
    return ControlChange(team, value)


def parse_control_bytes(raw: bytes) -> ControlChange:
    """:func:`parse_control` on raw bytes (``NotJson`` and friends for unreadable ones)."""
    return parse_control(loads(raw))


# -- windows and alerts --------------------------------------------------------------------
def window_start(ts_ms: int, window_ms: int) -> int:
    """Start of the epoch-aligned tumbling window holding ``ts_ms``."""
    return ts_ms - ts_ms % window_ms


def alert_id(team: str, player: str, start_ms: int) -> str:
    """A stable id for the alert of one window of one key (same inputs, same id)."""
    digest = hashlib.sha256(orjson.dumps([team, player, start_ms])).hexdigest()
    return digest[:32]


def summarise(items: Iterable[Evaluated]) -> tuple[int, list[str]]:
    """Number of cross-team posts among ``items`` and their distinct source players."""
    total = 0
    players: set[str] = set()
    for item in items:
        if item.team != item.target_team:
            total += 1
            players.add(item.player)
    return total, sorted(players)


def build_alert(
    team: str,
    player: str,
    start_ms: int,
    window_ms: int,
    total: int,
    players: Iterable[str],
    version: int,
) -> dict[str, Any]:
    """The alert document (SPEC fields plus ``alert_id``, ``version`` and ``update``).

    ``window_end`` is the exclusive end of the window, like Flink's ``TimeWindow.getEnd``.
    """
    return {
        "alert_id": alert_id(team, player, start_ms),
        "version": version,
        "update": version > 1,
        "team": team,
        "tamperingPlayer": player,
        "total": total,
        "players": sorted(players),
        "window_start": iso_utc(start_ms),
        "window_end": iso_utc(start_ms + window_ms),
    }


def window_alert(
    team: str,
    player: str,
    start_ms: int,
    window_ms: int,
    items: Iterable[Evaluated],
    min_count: int,
    version: int = 1,
) -> dict[str, Any] | None:
    """The window function: the alert for one window of one key, or ``None`` when the
    window holds fewer than ``min_count`` cross-team posts."""
    total, players = summarise(items)
    if total < min_count:
        return None
    return build_alert(team, player, start_ms, window_ms, total, players, version)


# -- side-output documents -----------------------------------------------------------------
_last_second: list[Any] = [None, ""]


def _iso(ts_ms: int) -> str:
    # Same text as records.iso_utc; posts come in time order, so memoising the formatted
    # second saves most of the strftime calls.
    second, ms = divmod(ts_ms, 1000)
    if _last_second[0] != second:
        _last_second[1] = iso_utc(second * 1000)[:-4]
        _last_second[0] = second
    return f"{_last_second[1]}{ms:03d}Z"


def evaluated_doc(item: Evaluated) -> dict[str, Any]:
    """The all-tweets side-output document of an evaluated item."""
    return {
        "id": item.post_id,
        "event_time": _iso(item.event_ms),
        "event_time_ms": item.event_ms,
        "team": item.team,
        "player": item.player,
        "account": item.account,
        "tamperingPlayer": item.target,
        "destinationTeam": item.target_team,
        "crossTeam": item.team != item.target_team,
    }


def late_doc(item: Evaluated, window_ms: int) -> dict[str, Any]:
    """The late-events side-output document: the item and the window it missed."""
    start = window_start(item.event_ms, window_ms)
    doc = evaluated_doc(item)
    doc["window_start"] = iso_utc(start)
    doc["window_end"] = iso_utc(start + window_ms)
    return doc
