"""The detector's side outputs in the lake: ``flink-late-events/``, ``flink-all-tweets/``
and ``detect-errors/``.

JSON lines, partitioned by the event date of each record
(``<zone>/year=YYYY/month=MM/day=DD/<prefix>-<timestamp>-<random>.json``); the error
output, whose records may have no usable event time, by their arrival date on the stream.

Writes are two-phase so that a checkpointed engine never shows a record twice: a
checkpoint first *stages* its objects under hidden keys (``.<name>.pending``, invisible
to readers), then saves the checkpoint naming them, then *commits* them by moving each to
its final key (:meth:`courtside.lake.base.Lake.move`: a rename on a folder lake, copy and
delete on S3; repeatable, so a crash mid-commit is finished by the next commit).
After a crash, the engine commits the files its last checkpoint named and deletes any
other staged file of its own (:meth:`SideOutputWriter.abort_stray`): those belong to an
epoch that is replayed anyway.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from courtside.lake.base import join_key
from courtside.lake.layout import date_partition, object_name, safe_value
from courtside.stream.base import Record

if TYPE_CHECKING:
    from courtside.lake.base import Lake

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
    """Writes side-output JSON lines to the lake.

    Args:
        lake: The lake.
        prefix: Object-name prefix identifying the writer (e.g. ``detect-detect``).
        durable: Wait until objects survive a crash (turn off only in benchmarks of the
            engine).
    """

    def __init__(self, lake: Lake, prefix: str, *, durable: bool = True) -> None:
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

    def write(self, zone: str, docs: Iterable[dict[str, Any]]) -> list[str]:
        """Write ``docs`` at once as visible objects (one per event date); return their
        keys."""
        written = []
        for part, lines in _by_date(zone, docs).items():
            key = join_key(zone, part, object_name(self.prefix, ".json"))
            self.lake.put(key, lines, durable=self.durable)
            self.files += 1
            self.lines += len(lines)
            written.append(key)
        return written

    def stage(self, zone: str, docs: Iterable[dict[str, Any]]) -> list[list[str]]:
        """Write ``docs`` as hidden pending objects.

        Returns:
            ``[pending, final]`` pairs of keys, to be stored in the checkpoint and passed
            to :meth:`commit`.
        """
        staged: list[list[str]] = []
        for part, lines in _by_date(zone, docs).items():
            name = object_name(self.prefix, ".json")
            final = join_key(zone, part, name)
            pending = join_key(zone, part, f".{name}{_PENDING}")
            self.lake.put(pending, lines, durable=self.durable)
            self.lines += len(lines)
            staged.append([pending, final])
        return staged

    def commit(self, staged: Iterable[list[str]]) -> None:
        """Make staged objects visible. Idempotent: already committed ones are skipped."""
        for pending, final in staged:
            if self.lake.move(pending, final):
                self.files += 1

    def abort_stray(self, keep: Iterable[list[str]] = ()) -> int:
        """Delete this writer's staged objects other than ``keep`` (from an epoch that
        never reached its checkpoint). Returns how many were deleted."""
        kept = {pending for pending, _ in keep}
        stray = [
            obj.key
            for zone in _ZONES
            for obj in self.lake.list_objects(zone, hidden=True)
            if self._own.match(obj.name) and obj.key not in kept
        ]
        deleted = self.lake.delete(stray)
        # A kill during staging on a folder lake leaves the temporary of a staged object;
        # it never reached any checkpoint.
        deleted += sum(self.lake.remove_leftovers(zone, self._own.match) for zone in _ZONES)
        if deleted:
            log.info("deleted %d staged side-output object(s) of an unfinished epoch", deleted)
        return deleted
