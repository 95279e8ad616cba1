"""The detector's side outputs in the lake: ``flink-late-events/``, ``flink-all-tweets/``
and ``detect-errors/``.

JSON lines, partitioned by the event date of each record
(``<zone>/year=YYYY/month=MM/day=DD/<prefix>-<timestamp>-<random>.json``); the error
output, whose records may have no usable event time, by their arrival date on the stream.

Writes are two-phase so that a checkpointed engine never shows a record twice: a
checkpoint first *stages* its files under hidden names (``.<name>.pending``, invisible
to readers), then saves the checkpoint naming them, then *commits* them by renaming.
After a crash, the engine commits the files its last checkpoint named and deletes any
other staged file of its own (:meth:`SideOutputWriter.abort_stray`): those belong to an
epoch that is replayed anyway.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from courtside.lake.layout import (
    date_partition,
    fsync_dir,
    object_name,
    safe_value,
    within,
    write_atomic,
)
from courtside.stream.base import Record

log = logging.getLogger(__name__)

LATE_ZONE = "flink-late-events"
ALL_ZONE = "flink-all-tweets"
ERRORS_ZONE = "detect-errors"
_ZONES = (ALL_ZONE, LATE_ZONE, ERRORS_ZONE)
_PENDING = ".pending"
#: The field holding the epoch-ms time a document is partitioned by, per zone.
_TIME_FIELD = {ERRORS_ZONE: "arrivalTimestamp"}

__all__ = ["ALL_ZONE", "ERRORS_ZONE", "LATE_ZONE", "SideOutputWriter", "error_doc"]


def _partition(ts_ms: int) -> str:
    day = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return date_partition(day.year, day.month, day.day)


def error_doc(
    record: Record, stream: str, code: str, message: object, detector: str
) -> dict[str, Any]:
    """The ``detect-errors/`` document of a bad record: the reason and the original bytes
    (base64), with the fields of the delivery stream's error output."""
    text = str(message).encode("utf-8", "replace").decode("utf-8")[:1000]
    return {
        "errorCode": code,
        "errorMessage": text,
        "stream": stream,
        "sequenceNumber": record.seq,
        "arrivalTimestamp": record.ts_ms,
        "detector": detector,
        "rawData": base64.b64encode(record.data).decode("ascii"),
    }


def _by_date(zone: str, docs: Iterable[dict[str, Any]]) -> dict[str, list[bytes]]:
    field = _TIME_FIELD.get(zone, "event_time_ms")
    out: dict[str, list[bytes]] = {}
    for doc in docs:
        out.setdefault(_partition(int(doc[field])), []).append(orjson.dumps(doc) + b"\n")
    return out


class SideOutputWriter:
    """Writes side-output JSON lines under the lake root.

    Args:
        lake: The lake root.
        prefix: Object-name prefix identifying the writer (e.g. ``detect-detect``).
        durable: fsync files and directories (turn off only in benchmarks of the engine).
    """

    def __init__(self, lake: Path, prefix: str, *, durable: bool = True) -> None:
        self.lake = lake
        self.prefix = safe_value(prefix)
        self.durable = durable
        self.files = 0
        self.lines = 0
        # Only names this writer makes, not those of a writer whose prefix extends ours.
        self._own = re.compile(
            rf"^\.{re.escape(self.prefix)}-\d{{8}}T\d{{12}}Z-[0-9a-f]{{10}}\.json"
            rf"{re.escape(_PENDING)}$"
        )

    def write(self, zone: str, docs: Iterable[dict[str, Any]]) -> list[Path]:
        """Write ``docs`` at once as visible files (one per event date); return them."""
        written = []
        for part, lines in _by_date(zone, docs).items():
            path = within(self.lake, f"{zone}/{part}/{object_name(self.prefix, '.json')}")
            write_atomic(path, lines, durable=self.durable)
            self.files += 1
            self.lines += len(lines)
            written.append(path)
        return written

    def stage(self, zone: str, docs: Iterable[dict[str, Any]]) -> list[list[str]]:
        """Write ``docs`` as hidden pending files.

        Returns:
            ``[pending, final]`` pairs of paths relative to the lake root, to be stored in
            the checkpoint and passed to :meth:`commit`.
        """
        staged: list[list[str]] = []
        for part, lines in _by_date(zone, docs).items():
            name = object_name(self.prefix, ".json")
            final = f"{zone}/{part}/{name}"
            pending = f"{zone}/{part}/.{name}{_PENDING}"
            write_atomic(within(self.lake, pending), lines, durable=self.durable)
            self.lines += len(lines)
            staged.append([pending, final])
        return staged

    def commit(self, staged: Iterable[list[str]]) -> None:
        """Make staged files visible. Idempotent: already committed ones are skipped."""
        dirs: set[Path] = set()
        for pending, final in staged:
            src, dst = within(self.lake, pending), within(self.lake, final)
            if src.exists():
                os.replace(src, dst)
                dirs.add(dst.parent)
                self.files += 1
        if self.durable:
            for directory in dirs:
                fsync_dir(directory)

    def abort_stray(self, keep: Iterable[list[str]] = ()) -> int:
        """Delete this writer's staged files other than ``keep`` (from an epoch that never
        reached its checkpoint). Returns how many were deleted."""
        kept = {within(self.lake, pending) for pending, _ in keep}
        deleted = 0
        for zone in _ZONES:
            root = self.lake / zone
            if not root.exists():
                continue
            for path in root.rglob(f".{self.prefix}-*{_PENDING}"):
                if self._own.match(path.name) and path.resolve() not in kept:
                    path.unlink(missing_ok=True)
                    deleted += 1
            # A kill during staging leaves write_atomic's temporary of a staged file
            # (".<staged name>.tmp"); it never reached any checkpoint.
            for path in root.rglob(f"..{self.prefix}-*{_PENDING}.tmp"):
                if self._own.match(path.name[1 : -len(".tmp")]):
                    path.unlink(missing_ok=True)
                    deleted += 1
        if deleted:
            log.info("deleted %d staged side-output file(s) of an unfinished epoch", deleted)
        return deleted
