"""The dashboard's data access: alerts, run records, streams, lake zones, error output.

Every function reads only and degrades gracefully: a source that does not exist yet
raises :class:`~courtside.dashboard.errors.NoDataError` whose ``hint`` tells the user
what to run (``courtside demo``, ``courtside pipeline nightly``, ``courtside load``,
``courtside detect``, ...), and nothing here creates a file that was not there. The
warehouse (:mod:`~courtside.dashboard.warehouse_view`), the regional counts
(:mod:`~courtside.dashboard.regional`) and the chart maths
(:mod:`~courtside.dashboard.stats`) have modules of their own, re-exported here.

Values that come from records (team and player names, error messages) are returned as
they are: the page must show them as text, never as HTML or Markdown.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import orjson

from courtside.config import Settings
from courtside.dashboard.errors import (
    DashboardError,
    NoDataError,
    SourceError,
    SourceUnavailableError,
)
from courtside.dashboard.regional import (
    CountryCount,
    RegionalPosts,
    lake_day_range,
    posts_by_region,
)
from courtside.dashboard.warehouse_view import (
    DayTotal,
    PlayerTotal,
    WarehouseSummary,
    WarehouseView,
)
from courtside.errors import CourtsideError
from courtside.lake.layout import ZONES, visible_files
from courtside.reference.players import PlayersTable, fold
from courtside.stream.base import GroupInfo, StreamInfo

__all__ = [
    "AlertRow",
    "CountryCount",
    "DashboardError",
    "DayTotal",
    "ErrorSummary",
    "NoDataError",
    "PlayerTotal",
    "RegionalPosts",
    "RunRow",
    "SourceError",
    "SourceUnavailableError",
    "WarehouseSummary",
    "WarehouseView",
    "ZoneSize",
    "error_output",
    "filter_alerts",
    "lake_zones",
    "last_runs",
    "lake_day_range",
    "latest_alerts",
    "posts_by_region",
    "stream_health",
]

HINT_NO_STREAMS = "Run `courtside demo`, or start `courtside collect` and `courtside deliver`."
HINT_NO_ALERTS = (
    "Run `courtside detect` to watch the tweets stream for tampering (or `courtside demo`)."
)
HINT_NO_RUNS = "Run `courtside pipeline nightly` (or `courtside demo`) to record batch runs."
HINT_NO_LAKE = "Run `courtside demo`, or `courtside deliver` to land posts in the lake."
ALERTS = "alerts"
_MAX_TEXT = 300
_MAX_PLAYERS = 50


def _text(value: object) -> str:
    """A record value as bounded plain text (``""`` for missing)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:_MAX_TEXT]
    if isinstance(value, bool | int | float):
        return str(value)
    return orjson.dumps(value).decode()[:_MAX_TEXT]


def _when(ts_ms: object) -> datetime | None:
    """An epoch-ms value as an aware UTC datetime, ``None`` when it is not one."""
    if not isinstance(ts_ms, int) or ts_ms <= 0:
        return None
    try:
        return datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return 0


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


def _alert(seq: int, ts_ms: int, data: bytes) -> AlertRow | None:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict):
        return None
    players = doc.get("players")
    names = tuple(_text(p) for p in players[:_MAX_PLAYERS]) if isinstance(players, list) else ()
    team, player = _text(doc.get("team")), _text(doc.get("tamperingPlayer"))
    start = _text(doc.get("window_start"))
    return AlertRow(
        seq=seq,
        appended=datetime.fromtimestamp(ts_ms / 1000, tz=UTC),
        alert_id=_text(doc.get("alert_id")) or f"{team}|{player}|{start}",
        team=team,
        player=player,
        total=_int(doc.get("total")),
        players=names,
        window_start=start,
        window_end=_text(doc.get("window_end")),
        version=max(1, _int(doc.get("version", 1))),
    )


def latest_alerts(
    settings: Settings, limit: int = 50, scan: int = 5000
) -> tuple[list[AlertRow], int]:
    """The newest alerts, one row per alert id (its latest version), newest first.

    Args:
        settings: The configuration (the stream file).
        limit: At most this many alerts.
        scan: Look at most at this many of the newest records of the ``alerts`` stream.

    Returns:
        The alerts and the number of records in the ``alerts`` stream.

    Raises:
        NoDataError: no stream file, or no alert yet.
        SourceUnavailableError: the stream file is busy.
    """
    if not settings.stream_path.exists():
        raise NoDataError("no streams yet", hint=HINT_NO_STREAMS)
    from courtside.home import open_stream

    latest: dict[str, AlertRow] = {}
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
                    if row is not None:
                        latest[row.alert_id] = row
                after = records[-1].seq
            length = next((s.length for s in backend.streams() if s.name == ALERTS), 0)
    except CourtsideError as exc:
        raise SourceUnavailableError(f"cannot read the alerts stream: {exc}") from None
    if not latest:
        raise NoDataError("no tampering alerts yet", hint=HINT_NO_ALERTS)
    rows = sorted(latest.values(), key=lambda r: r.seq, reverse=True)
    return rows[:limit], length


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


# -- pipeline health -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RunRow:
    """The last run of one job (kind and name)."""

    kind: str
    name: str
    status: str
    started_at: datetime
    duration_s: float | None
    counts: str
    error: str
    runs: int
    failed: int


def last_runs(settings: Settings, scan: int = 1000) -> list[RunRow]:
    """The latest run of each job, most recent first, with how many of the scanned runs
    of that job failed.

    Raises:
        NoDataError: no run was recorded yet.
    """
    if not (settings.state_dir / "runs.db").exists():
        raise NoDataError("no runs recorded yet", hint=HINT_NO_RUNS)
    from courtside.runs import RunRecorder

    records = RunRecorder(settings).list(limit=scan)
    if not records:
        raise NoDataError("no runs recorded yet", hint=HINT_NO_RUNS)
    first: dict[tuple[str, str], RunRow] = {}
    tally: dict[tuple[str, str], list[int]] = {}
    for rec in records:  # newest first
        key = (rec.kind, rec.name)
        counts = tally.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += rec.status == "failed"
        if key not in first:
            first[key] = RunRow(
                kind=rec.kind,
                name=rec.name,
                status=rec.status,
                started_at=rec.started_at.astimezone(UTC),
                duration_s=rec.duration_s,
                counts=", ".join(f"{k}={v}" for k, v in sorted(rec.counts.items()))[:_MAX_TEXT],
                error=_text(rec.error),
                runs=0,
                failed=0,
            )
    return [replace(row, runs=tally[key][0], failed=tally[key][1]) for key, row in first.items()]


def stream_health(settings: Settings) -> tuple[list[StreamInfo], list[GroupInfo]]:
    """Each stream's length and each consumer group's lag.

    Raises:
        NoDataError: no stream file yet.
        SourceUnavailableError: the stream file is busy.
    """
    if not settings.stream_path.exists():
        raise NoDataError("no streams yet", hint=HINT_NO_STREAMS)
    from courtside.home import open_stream

    try:
        with open_stream(settings) as backend:
            return backend.streams(), backend.groups()
    except CourtsideError as exc:
        raise SourceUnavailableError(f"cannot read the streams: {exc}") from None


@dataclass(frozen=True, slots=True)
class ZoneSize:
    """One lake zone: complete files, bytes, day partitions and the newest file's time."""

    zone: str
    files: int
    bytes: int
    partitions: int
    newest: datetime | None


def _zone_size(zone: str, root: str) -> ZoneSize:
    files = size = 0
    partitions: set[str] = set()
    newest = 0.0
    for dirpath, dirnames, filenames in os.walk(root):
        # Temporary and staging folders/files (".x", "_x") are not part of the lake yet.
        dirnames[:] = [d for d in dirnames if not d.startswith((".", "_"))]
        for name in filenames:
            if name.startswith((".", "_")):
                continue
            try:
                st = os.stat(os.path.join(dirpath, name))
            except OSError:  # removed while we walked
                continue
            files += 1
            size += st.st_size
            newest = max(newest, st.st_mtime)
            if "day=" in dirpath:
                partitions.add(dirpath)
    when = datetime.fromtimestamp(newest, tz=UTC) if files else None
    return ZoneSize(zone, files, size, len(partitions), when)


def lake_zones(settings: Settings) -> list[ZoneSize]:
    """Size of every lake zone (the standard zones first, then any other folder).

    Raises:
        NoDataError: no lake folder yet.
    """
    lake = settings.lake
    if not lake.is_dir():
        raise NoDataError(f"no lake at {lake} yet", hint=HINT_NO_LAKE)
    others = sorted(
        p.name for p in lake.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    )
    names = list(ZONES) + [n for n in others if n not in ZONES]
    return [_zone_size(n, str(lake / n)) for n in names]


@dataclass(frozen=True)
class ErrorSummary:
    """Records in the error output: how many, by error code, and the latest ones."""

    total: int
    by_code: list[tuple[str, int]]
    latest: list[tuple[datetime | None, str, str]]


def error_output(settings: Settings, latest: int = 20) -> ErrorSummary:
    """Count the records of the ``errors/`` zone (delivery's error output).

    Returns:
        An empty summary (total 0) when there are no error files.

    Raises:
        SourceError: the files cannot be read.
    """
    import duckdb

    files = [
        str(p)
        for p in visible_files(settings.lake / "errors")
        if p.name.endswith((".json", ".json.gz"))
    ]
    if not files:
        return ErrorSummary(0, [], [])
    source = (
        "read_json(?, format = 'newline_delimited', ignore_errors = true, columns = "
        "{'errorCode': 'VARCHAR', 'errorMessage': 'VARCHAR', 'arrivalTimestamp': 'BIGINT'})"
    )
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TEMP TABLE e AS SELECT * FROM {source}", [files])
        codes = con.execute(
            "SELECT coalesce(errorCode, '(none)'), count(*) FROM e GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
        rows = con.execute(
            "SELECT arrivalTimestamp, errorCode, errorMessage FROM e"
            " ORDER BY arrivalTimestamp DESC NULLS LAST LIMIT ?",
            [latest],
        ).fetchall()
    except duckdb.Error as exc:
        raise SourceError(f"cannot read the errors/ zone: {str(exc)[:300]}") from None
    finally:
        con.close()
    shown = [(_when(ts), _text(code), _text(message)) for ts, code, message in rows]
    return ErrorSummary(
        sum(int(n) for _, n in codes), [(_text(c), int(n)) for c, n in codes], shown
    )
