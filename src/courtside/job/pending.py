"""Which days ``courtside job daily --pending`` runs.

A day is pending when ``tweets/`` has data for it and either no execution of the daily
job has succeeded for it yet, or its ``tweets/`` objects changed after the start of the
last successful execution (the de-duplication job merged late posts into that day), so
that a nightly run never leaves a stale day behind. Only a partition's committed objects
count (:func:`courtside.lake.tables.day_files`), read through the lake seam, so the same
holds on a folder lake and on S3.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from courtside.catalog.errors import NoSuchTableError
from courtside.catalog.store import Catalog
from courtside.config import Settings
from courtside.job.daily import INPUT_TABLE, JOB_KIND, JOB_NAME
from courtside.lake.base import Lake
from courtside.lake.layout import partition_date
from courtside.lake.tables import day_files
from courtside.runs import SUCCEEDED, RunRecorder

__all__ = ["PendingDay", "input_days", "pending_days"]

NEVER_RUN = "no successful execution yet"
CHANGED = "tweets changed since the last successful execution"


@dataclass(frozen=True)
class PendingDay:
    """A day to run and why."""

    day: date
    reason: str


def _input_table(lake: Lake, catalog: Catalog, database: str) -> str:
    """The input table's key in the lake: the catalog's location when it is in the lake,
    else ``tweets``."""
    try:
        location = catalog.get_table(database, INPUT_TABLE).location.rstrip("/")
    except NoSuchTableError:
        return INPUT_TABLE
    base = lake.engine_url("").rstrip("/")
    if location.startswith(base + "/"):
        return location[len(base) + 1 :]
    return INPUT_TABLE


def input_days(settings: Settings, catalog: Catalog | None = None) -> dict[date, float]:
    """Days with data in ``tweets/``, each with the newest committed object's mtime
    (epoch seconds)."""
    lake = settings.places.lake
    table = _input_table(lake, catalog or Catalog.open(settings), settings.catalog.database)
    days: dict[date, float] = {}
    for obj in day_files(lake, table):
        day = partition_date(obj.parent)
        if day is not None:
            days[day] = max(days.get(day, 0.0), obj.mtime_ms / 1000)
    return days


def pending_days(
    settings: Settings,
    *,
    recorder: RunRecorder | None = None,
    catalog: Catalog | None = None,
) -> list[PendingDay]:
    """The days to run, oldest first (see the module docstring)."""
    recorder = recorder or RunRecorder(settings)
    last_success: dict[str, datetime] = {}
    for record in recorder.list(kind=JOB_KIND, name=JOB_NAME, status=SUCCEEDED, limit=10**7):
        key = str(record.params.get("date"))
        if key not in last_success or record.started_at > last_success[key]:
            last_success[key] = record.started_at
    out = []
    for day, mtime in sorted(input_days(settings, catalog).items()):
        started = last_success.get(day.isoformat())
        if started is None:
            out.append(PendingDay(day, NEVER_RUN))
        elif mtime > started.timestamp():
            out.append(PendingDay(day, CHANGED))
    return out
