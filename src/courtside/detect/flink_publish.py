"""Publishing the Flink job's committed output, exactly once.

The job's ``FileSink`` renames a part file from its hidden in-progress name to
``part-<uuid>-<n>.lines`` when the checkpoint that covers it completes; a visible part
file is therefore output that no restore will produce again. :class:`OutputPublisher`
takes each visible part file and

1. writes its all-tweets and late-events documents to the lake under names derived from
   the part file (the same file on a retry, replaced by identical bytes),
2. appends its alerts to the ``alerts`` stream, skipping any ``(alert_id, version)``
   already there (the alerts sink is idempotent by alert id),
3. counts its bad records and skip counts, and hands its marks to the exporter, which
   commits the consumer group (see :mod:`courtside.detect.flink_export`),
4. empties the part file. An empty part file is a *tombstone*: restoring a checkpoint
   re-commits the part files it names, and Flink fails the restore when such a file
   has vanished. Tombstones are deleted once two newer checkpoints have completed
   (those no longer name them), except the files a savepoint committed.

A crash at any step repeats the steps for that file with the same result.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from courtside.detect.flink_export import StreamExporter
from courtside.detect.report import DetectReport
from courtside.detect.sideoutputs import ALL_ZONE, LATE_ZONE
from courtside.errors import RecordError
from courtside.lake.base import Lake, join_key
from courtside.lake.layout import date_partition, safe_value
from courtside.records import loads
from courtside.stream.base import StreamBackend

__all__ = ["DETECTOR", "OutputPublisher"]

log = logging.getLogger(__name__)

ALERTS = "alerts"
DETECTOR = "flink"  # the "detector" field of the alerts this engine publishes
_ZONES = {"all": ALL_ZONE, "late": LATE_ZONE}


def _partition(ts_ms: int) -> str:
    day = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return date_partition(day.year, day.month, day.day)


class OutputPublisher:
    """Publishes the visible part files of one job's output folder.

    Args:
        backend: The stream backend (``alerts``).
        lake: The lake.
        output_dir: The ``FileSink`` folder.
        prefix: Object-name prefix of the side-output files (e.g. ``flink-detect``).
        report: Counts what is published.
        exporter: Receives the marks.
        on_alert: Called with every alert published.
    """

    def __init__(
        self,
        backend: StreamBackend,
        lake: Lake,
        output_dir: Path,
        prefix: str,
        report: DetectReport,
        exporter: StreamExporter,
        *,
        on_alert: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.backend, self.lake, self.output_dir = backend, lake, output_dir
        self.prefix = safe_value(prefix)
        self.report, self.exporter, self.on_alert = report, exporter, on_alert
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.sent = self._sent_alerts()
        self.tombstones: dict[str, int] = {}  # name -> checkpoint number when emptied
        self.files = 0

    def _sent_alerts(self) -> set[tuple[str, int]]:
        sent: set[tuple[str, int]] = set()
        for rec in self.backend.read_all(ALERTS, batch=5000):
            try:
                doc = loads(rec.data)
            except RecordError:
                continue
            if doc.get("detector") == DETECTOR:
                sent.add((str(doc.get("alert_id")), int(doc.get("version") or 0)))
        return sent

    def visible(self) -> list[Path]:
        """Committed part files not published yet, oldest first."""
        found = []
        for entry in os.scandir(self.output_dir):
            if entry.name.startswith("part-") and entry.is_file() and entry.stat().st_size:
                found.append((entry.stat().st_mtime_ns, entry.name, Path(entry.path)))
        return [path for _, _, path in sorted(found)]

    def poll(self, checkpoint: int = 0) -> int:
        """Publish every visible part file; return how many. ``checkpoint`` is the number
        of the latest completed checkpoint (it dates the tombstones)."""
        files = self.visible()
        for path in files:
            self.publish(path)
            self.tombstones[path.name] = checkpoint
        return len(files)

    def publish(self, path: Path) -> None:
        """Publish one part file (steps 1-4 of the module docstring)."""
        stamp = datetime.fromtimestamp(path.stat().st_mtime_ns / 1e9, tz=UTC)
        side: dict[str, list[dict[str, Any]]] = {"all": [], "late": []}
        alerts: list[dict[str, Any]] = []
        marks: list[dict[str, Any]] = []
        for raw in path.read_bytes().splitlines():
            tag, _, body = raw.partition(b"\t")
            try:
                doc = orjson.loads(body)
            except orjson.JSONDecodeError:
                log.warning("unreadable line in %s skipped", path.name)
                continue
            kind = tag.decode("ascii", "replace")
            if kind in side:
                side[kind].append(doc)
            elif kind == "alert":
                alerts.append(doc)
            elif kind == "mark":
                marks.append(doc)
            elif kind == "counts":
                self._count(doc)
            elif kind == "error":
                code, where = str(doc.get("code")), str(doc.get("where"))
                self.report.error(code, str(doc.get("message")), where)
        for kind, docs in side.items():
            self._write_side(_ZONES[kind], docs, path.name, stamp)
        self.report.evaluated += len(side["all"])
        self.report.late += len(side["late"])
        self._publish_alerts(alerts)
        for mark in marks:
            self.exporter.on_mark(str(mark.get("stream")), int(mark.get("last_seq") or 0))
        os.truncate(path, 0)
        self.files += 1

    def _count(self, counts: dict[str, Any]) -> None:
        rep = self.report
        for name, n in counts.items():
            if name.startswith("code:"):
                code = name[5:]
                rep.skipped_by_reason[code] = rep.skipped_by_reason.get(code, 0) + int(n)
            elif name in ("unknown_destinations", "allowed_skipped", "control_events"):
                setattr(rep, name, getattr(rep, name) + int(n))

    def _write_side(
        self, zone: str, docs: list[dict[str, Any]], source: str, stamp: datetime
    ) -> None:
        by_day: dict[str, list[bytes]] = {}
        for doc in docs:
            part = _partition(int(doc["event_time_ms"]))
            by_day.setdefault(part, []).append(orjson.dumps(doc) + b"\n")
        for part, lines in by_day.items():
            digest = hashlib.sha256(f"{source}/{zone}/{part}".encode()).hexdigest()[:10]
            name = f"{self.prefix}-{stamp:%Y%m%dT%H%M%S%f}Z-{digest}.json"
            self.lake.put(join_key(zone, part, name), lines)

    def _publish_alerts(self, alerts: Iterable[dict[str, Any]]) -> None:
        new = []
        for alert in alerts:
            key = (str(alert["alert_id"]), int(alert["version"]))
            if key in self.sent:
                continue
            alert["detector"] = DETECTOR
            self.sent.add(key)
            new.append(alert)
        if new:
            self.backend.append_many(ALERTS, [orjson.dumps(a) for a in new])
        for alert in new:
            self.report.count_alert(alert)
            if self.on_alert is not None:
                self.on_alert(alert)

    def sweep(self, checkpoint: int, keep: Iterable[str] = ()) -> int:
        """Delete tombstones emptied two or more checkpoints before ``checkpoint``,
        except the names in ``keep``; return how many."""
        kept = set(keep)
        deleted = 0
        for name, emptied in list(self.tombstones.items()):
            if checkpoint >= emptied + 2 and name not in kept:
                (self.output_dir / name).unlink(missing_ok=True)
                del self.tombstones[name]
                deleted += 1
        return deleted

    def adopt_tombstones(self, checkpoint: int) -> None:
        """Date the tombstones a previous run left with ``checkpoint``."""
        for entry in os.scandir(self.output_dir):
            if entry.name.startswith("part-") and entry.is_file() and not entry.stat().st_size:
                self.tombstones.setdefault(entry.name, checkpoint)

    def reset(self) -> None:
        """Delete the whole output folder's content (a fresh job: no checkpoint names it)."""
        for entry in os.scandir(self.output_dir):
            if entry.is_file():
                os.unlink(entry.path)
        self.tombstones.clear()
