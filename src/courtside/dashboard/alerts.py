"""The alerts stream as the dashboard shows it: the latest version of each alert, and
the records that are not valid alerts (with the reason), never a crash.

Every field is checked (a 31-digit ``version``, a total that is text, a team that is a
list): a bad record becomes a :class:`BadAlert`, shown as an error, and never reaches a
table as a value the page cannot draw.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

import orjson

from courtside.config import Settings
from courtside.dashboard.errors import NoDataError, SourceUnavailableError
from courtside.errors import CourtsideError
from courtside.reference.players import PlayersTable, fold

__all__ = [
    "ALERTS",
    "HINT_NO_ALERTS",
    "HINT_NO_STREAMS",
    "AlertRow",
    "Alerts",
    "BadAlert",
    "filter_alerts",
    "latest_alerts",
    "plain_text",
    "from_epoch_ms",
]

HINT_NO_STREAMS = "Run `courtside demo`, or start `courtside collect` and `courtside deliver`."
HINT_NO_ALERTS = (
    "Run `courtside detect` to watch the tweets stream for tampering (or `courtside demo`)."
)
ALERTS = "alerts"
MAX_TEXT = 300
_MAX_PLAYERS = 50


def plain_text(value: object) -> str:
    """A record value as bounded plain text (``""`` for missing)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, bool | int | float):
        return str(value)
    return orjson.dumps(value).decode()[:MAX_TEXT]


def from_epoch_ms(ts_ms: object) -> datetime | None:
    """An epoch-ms value as an aware UTC datetime, ``None`` when it is not one."""
    if not isinstance(ts_ms, int) or ts_ms <= 0:
        return None
    try:
        return datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


_INT32_MAX = 2**31 - 1


def _count(value: object, low: int) -> int | None:
    """``value`` when it is an integer in ``low..2**31-1`` (never a bool), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if low <= value <= _INT32_MAX else None


def _short(value: object) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
    return text if len(text) <= 40 else text[:37] + "..."


# -- alerts ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AlertRow:
    """The latest version of one tampering alert (updates replace earlier versions)."""

    seq: int
    appended: datetime
    alert_id: str
    team: str
    player: str
    total: int
    players: tuple[str, ...]
    window_start: str
    window_end: str
    version: int


@dataclass(frozen=True, slots=True)
class BadAlert:
    """A record of the alerts stream the page cannot show as an alert, and why."""

    seq: int
    appended: datetime | None
    reason: str


class Alerts(NamedTuple):
    """What :func:`latest_alerts` found."""

    alerts: list[AlertRow]
    length: int
    invalid: list[BadAlert]


def _alert(seq: int, ts_ms: int, data: bytes) -> AlertRow | BadAlert:
    """One record as an alert, or why it is not one (every field is checked, so a bad
    value never reaches a table)."""
    appended = from_epoch_ms(ts_ms)
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return BadAlert(seq, appended, "not JSON")
    if not isinstance(doc, dict):
        return BadAlert(seq, appended, "not a JSON object")
    problems = []
    team, player = doc.get("team"), doc.get("tamperingPlayer")
    for name, value in (("team", team), ("tamperingPlayer", player)):
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{name} is not a name ({_short(value)})")
    total = _count(doc.get("total"), 0)
    if total is None:
        problems.append(f"total is not a count ({_short(doc.get('total'))})")
    version = _count(doc.get("version", 1), 1)
    if version is None:
        problems.append(f"version is not a positive integer ({_short(doc.get('version'))})")
    players = doc.get("players", [])
    if not isinstance(players, list):
        problems.append(f"players is not a list ({_short(players)})")
    bounds = [doc.get("window_start"), doc.get("window_end")]
    if not all(isinstance(b, str) for b in bounds):
        problems.append("window_start or window_end is not text")
    if problems or appended is None:
        return BadAlert(seq, appended, "; ".join(problems) or "bad append time")
    assert total is not None and version is not None and isinstance(players, list)
    start = plain_text(bounds[0])
    return AlertRow(
        seq=seq,
        appended=appended,
        alert_id=plain_text(doc.get("alert_id")) or f"{team}|{player}|{start}",
        team=plain_text(team),
        player=plain_text(player),
        total=total,
        players=tuple(plain_text(p) for p in players[:_MAX_PLAYERS]),
        window_start=start,
        window_end=plain_text(bounds[1]),
        version=version,
    )


def latest_alerts(settings: Settings, limit: int = 50, scan: int = 5000) -> Alerts:
    """The newest alerts, one row per alert id (its latest version), newest first, and
    the records that are not valid alerts.

    Args:
        settings: The configuration (the stream file).
        limit: At most this many alerts (and invalid records).
        scan: Look at most at this many of the newest records of the ``alerts`` stream.

    Returns:
        The alerts, the number of records in the ``alerts`` stream, the invalid ones.

    Raises:
        NoDataError: no stream file, or no record on the alerts stream yet.
        SourceUnavailableError: the stream file is busy.
    """
    if not settings.stream_path.exists():
        raise NoDataError("no streams yet", hint=HINT_NO_STREAMS)
    from courtside.home import open_stream

    latest: dict[str, AlertRow] = {}
    invalid: list[BadAlert] = []
    try:
        with open_stream(settings) as backend:
            last = backend.last_seq(ALERTS)
            after = max(0, last - scan)
            while after < last:
                records = backend.read(ALERTS, after, 1000)
                if not records:
                    break
                for rec in records:
                    row = _alert(rec.seq, rec.ts_ms, rec.data)
                    if isinstance(row, BadAlert):
                        invalid.append(row)
                    else:
                        latest[row.alert_id] = row
                after = records[-1].seq
            length = next((s.length for s in backend.streams() if s.name == ALERTS), 0) or 0
    except CourtsideError as exc:
        raise SourceUnavailableError(f"cannot read the alerts stream: {exc}") from None
    if not latest and not invalid:
        raise NoDataError("no tampering alerts yet", hint=HINT_NO_ALERTS)
    rows = sorted(latest.values(), key=lambda r: r.seq, reverse=True)
    return Alerts(rows[:limit], length, invalid[::-1][:limit])


def filter_alerts(
    alerts: Iterable[AlertRow],
    players_table: PlayersTable,
    teams: Sequence[str] = (),
    players: Sequence[str] = (),
) -> list[AlertRow]:
    """Alerts involving ``teams`` (as the sending team or the targeted player's team) and
    ``players`` (as the target or a sender); an empty filter keeps everything. Names
    compare ignoring case and accents."""
    team_keys = {fold(t) for t in teams}
    player_keys = {fold(p) for p in players}
    out = []
    for alert in alerts:
        if team_keys:
            target = players_table.by_name(alert.player)
            involved = {fold(alert.team)} | ({fold(target.team)} if target else set())
            if not involved & team_keys:
                continue
        if player_keys:
            names = {fold(alert.player)} | {fold(p) for p in alert.players}
            if not names & player_keys:
                continue
        out.append(alert)
    return out
