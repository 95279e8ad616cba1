"""The control table (the original's DynamoDB ``control`` table and its stream).

A row ``(team, allowed)`` says whether the team's posts are *not* checked by the
detector (``allowed = true``). The table lives in SQLite under the state folder
(``control.db``). Every change is also appended to the ``control`` stream as a change
event shaped like a DynamoDB stream record (view type ``NEW_AND_OLD_IMAGES``)::

    {"eventID": "...", "eventName": "INSERT" | "MODIFY" | "REMOVE",
     "eventSource": "courtside:control",
     "dynamodb": {"ApproximateCreationDateTime": 1583020800,
                  "Keys": {"team": {"S": "Boston Celtics"}},
                  "NewImage": {"team": {"S": "..."}, "control": {"BOOL": true}},
                  "OldImage": {"team": {"S": "..."}, "control": {"BOOL": false}},
                  "StreamViewType": "NEW_AND_OLD_IMAGES"}}

As with DynamoDB Streams, a write that changes nothing emits no event. The table row and
the stream event are written in one table transaction that commits only after the event
is durable, so the stream never misses a change the table holds. (A crash between the
two can leave an event whose row is not committed; repeating the command re-applies it.)
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from courtside._sqlite import set_wal
from courtside.config import Settings
from courtside.errors import CourtsideError
from courtside.home import open_stream
from courtside.reference.players import PlayersTable

__all__ = ["ControlChangeResult", "ControlError", "ControlTable", "change_event"]

CONTROL_STREAM = "control"
_MAX_TEAM = 255


class ControlError(CourtsideError):
    """An invalid team name or an unusable control table file."""


@dataclass(frozen=True)
class ControlChangeResult:
    """What a change did: the event name emitted (``None`` when nothing changed)."""

    team: str
    allowed: bool | None
    event_name: str | None
    stream_seq: int | None


def _image(team: str, allowed: bool) -> dict[str, Any]:
    return {"team": {"S": team}, "control": {"BOOL": allowed}}


def change_event(
    event_name: str, team: str, new: bool | None, old: bool | None, *, now_s: float | None = None
) -> dict[str, Any]:
    """A control change event shaped like a DynamoDB stream record."""
    body: dict[str, Any] = {
        "ApproximateCreationDateTime": int(time.time() if now_s is None else now_s),
        "Keys": {"team": {"S": team}},
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        body["NewImage"] = _image(team, new)
    if old is not None:
        body["OldImage"] = _image(team, old)
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": event_name,
        "eventSource": "courtside:control",
        "dynamodb": body,
    }


def check_team(team: str, players: PlayersTable | None = None) -> str:
    """Validate a team name; with ``players``, return the roster's spelling of it.

    Raises:
        ControlError: empty, too long, control characters, or (with ``players``) a team
            that is not on the roster.
    """
    name = " ".join(team.split())
    if not name or len(name) > _MAX_TEAM or any(ord(c) < 32 or ord(c) == 127 for c in team):
        raise ControlError(f"invalid team name {team[:60]!r}")
    if players is not None:
        teams = {t.casefold(): t for t in players.teams()}
        found = teams.get(name.casefold())
        if found is None:
            raise ControlError(
                f"unknown team {name!r}; known teams: {', '.join(sorted(teams.values()))}"
            )
        return found
    return name


class ControlTable:
    """The control table of one home folder.

    Args:
        settings: Loaded settings (the table is ``<state_dir>/control.db``).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path: Path = settings.state_dir / "control.db"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
            set_wal(self._db)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS control (team TEXT PRIMARY KEY, "
                "allowed INTEGER NOT NULL, updated_ms INTEGER NOT NULL)"
            )
        except sqlite3.DatabaseError as exc:
            raise ControlError(f"cannot open control table {self.path}: {exc}") from exc

    def entries(self) -> list[tuple[str, bool]]:
        """Every row as ``(team, allowed)``, sorted by team."""
        rows = self._db.execute("SELECT team, allowed FROM control ORDER BY team").fetchall()
        return [(team, bool(allowed)) for team, allowed in rows]

    def get(self, team: str) -> bool | None:
        """The team's flag, or ``None`` when it has no row."""
        row = self._db.execute("SELECT allowed FROM control WHERE team = ?", (team,)).fetchone()
        return None if row is None else bool(row[0])

    def allow(self, team: str) -> ControlChangeResult:
        """Allow ``team``: its posts are no longer checked."""
        return self._put(team, True)

    def deny(self, team: str) -> ControlChangeResult:
        """Deny ``team``: its posts are checked (a row with ``allowed = false``)."""
        return self._put(team, False)

    def remove(self, team: str) -> ControlChangeResult:
        """Delete the team's row (its posts are checked)."""
        team = check_team(team)
        return self._change(team, None)

    def _put(self, team: str, allowed: bool) -> ControlChangeResult:
        return self._change(check_team(team), allowed)

    def _change(self, team: str, allowed: bool | None) -> ControlChangeResult:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ControlError(f"control table {self.path} is busy: {exc}") from exc
        try:
            row = db.execute("SELECT allowed FROM control WHERE team = ?", (team,)).fetchone()
            old = None if row is None else bool(row[0])
            if old == allowed:
                db.execute("ROLLBACK")
                return ControlChangeResult(team, allowed, None, None)
            if allowed is None:
                name = "REMOVE"
                db.execute("DELETE FROM control WHERE team = ?", (team,))
            else:
                name = "INSERT" if old is None else "MODIFY"
                db.execute(
                    "INSERT INTO control(team, allowed, updated_ms) VALUES (?, ?, ?) "
                    "ON CONFLICT(team) DO UPDATE SET allowed = excluded.allowed, "
                    "updated_ms = excluded.updated_ms",
                    (team, int(allowed), time.time_ns() // 1_000_000),
                )
            event = change_event(name, team, allowed, old)
            with open_stream(self.settings) as backend:
                seq = backend.append(CONTROL_STREAM, orjson.dumps(event))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return ControlChangeResult(team, allowed, name, seq)

    def close(self) -> None:
        """Close the table file."""
        self._db.close()

    def __enter__(self) -> ControlTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
