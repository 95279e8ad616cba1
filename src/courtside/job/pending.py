"""Which days ``courtside job daily --pending`` runs.

A day is pending when ``tweets/`` has data for it and either no execution of the daily
job has succeeded for it yet, or its ``tweets/`` files changed after the start of the
last successful execution (the de-duplication job merged late posts into that day), so
that a nightly run never leaves a stale day behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from courtside.catalog.errors import NoSuchTableError
from courtside.catalog.store import Catalog
from courtside.config import Settings
from courtside.job.daily import INPUT_TABLE, JOB_KIND, JOB_NAME
from courtside.lake.layout import visible_files
from courtside.runs import SUCCEEDED, RunRecorder

__all__ = ["PendingDay", "input_days", "pending_days"]

_DAY_DIR = re.compile(r"year=([0-9]{4})/month=([0-9]{2})/day=([0-9]{2})")
NEVER_RUN = "no successful execution yet"
CHANGED = "tweets changed since the last successful execution"


@dataclass(frozen=True)
class PendingDay:
    """A day to run and why."""

    day: date
    reason: str


def _input_root(settings: Settings, catalog: Catalog) -> Path:
    database = settings.catalog.database
    try:
        location = catalog.get_table(database, INPUT_TABLE).location
    except NoSuchTableError:
        return settings.lake / INPUT_TABLE
    return Path(location) if "://" not in location else settings.lake / INPUT_TABLE


def input_days(settings: Settings, catalog: Catalog | None = None) -> dict[date, float]:
    """Days with data in ``tweets/``, each with the newest file's mtime (epoch seconds)."""
    root = _input_root(settings, catalog or Catalog.open(settings))
    days: dict[date, float] = {}
    if not root.is_dir():
        return days
    for folder in root.glob("year=*/month=*/day=*"):
        match = _DAY_DIR.fullmatch(folder.relative_to(root).as_posix())
        if not match or not folder.is_dir():
            continue
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
        files = visible_files(folder)
        if files:
            days[day] = max(f.stat().st_mtime for f in files)
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
