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

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from courtside._duckdb import connect as duckdb_connect
from courtside.config import Settings
from courtside.dashboard.alerts import (
    HINT_NO_STREAMS,
    MAX_TEXT,
    AlertRow,
    Alerts,
    BadAlert,
    filter_alerts,
    from_epoch_ms,
    latest_alerts,
    plain_text,
)
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
from courtside.lake.layout import ZONES
from courtside.stream.base import GroupInfo, StreamInfo

if TYPE_CHECKING:
    from courtside.lake.base import Lake

__all__ = [
    "AlertRow",
    "Alerts",
    "BadAlert",
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

HINT_NO_RUNS = "Run `courtside pipeline nightly` (or `courtside demo`) to record batch runs."
HINT_NO_LAKE = "Run `courtside demo`, or `courtside deliver` to land posts in the lake."


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
                counts=", ".join(f"{k}={v}" for k, v in sorted(rec.counts.items()))[:MAX_TEXT],
                error=plain_text(rec.error),
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


def _zone_size(lake: Lake, zone: str) -> ZoneSize:
    # Temporary and staging objects (".x", "_x") are not part of the lake yet.
    objects = lake.list_objects(zone)
    partitions = {o.parent for o in objects if "day=" in o.key}
    newest = max((o.mtime_ms for o in objects), default=0)
    when = datetime.fromtimestamp(newest / 1000, tz=UTC) if objects else None
    return ZoneSize(zone, len(objects), sum(o.size for o in objects), len(partitions), when)


def lake_zones(settings: Settings) -> list[ZoneSize]:
    """Size of every lake zone (the standard zones first, then any other folder).

    Raises:
        NoDataError: no lake yet.
    """
    lake = settings.places.lake
    others = lake.list_folders()
    if lake.is_local and not Path(lake.engine_url()).is_dir():
        raise NoDataError(f"no lake at {lake.describe()} yet", hint=HINT_NO_LAKE)
    names = list(ZONES) + [n for n in others if n not in ZONES]
    return [_zone_size(lake, n) for n in names]


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

    lake = settings.places.lake
    files = [
        lake.engine_url(o.key)
        for o in lake.list_objects("errors")
        if o.name.endswith((".json", ".json.gz"))
    ]
    if not files:
        return ErrorSummary(0, [], [])
    source = (
        "read_json(?, format = 'newline_delimited', ignore_errors = true, columns = "
        "{'errorCode': 'VARCHAR', 'errorMessage': 'VARCHAR', 'arrivalTimestamp': 'BIGINT'})"
    )
    con = duckdb_connect()
    try:
        lake.register_duckdb(con)
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
    shown = [
        (from_epoch_ms(ts), plain_text(code), plain_text(message)) for ts, code, message in rows
    ]
    return ErrorSummary(
        sum(int(n) for _, n in codes), [(plain_text(c), int(n)) for c, n in codes], shown
    )
