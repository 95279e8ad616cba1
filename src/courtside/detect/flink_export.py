"""Feeding the Flink job from the durable streams: JSON-lines files with end marks.

A local Flink job reads ``tweets`` and ``control`` through a continuously monitored
``FileSource`` (the Java connectors of the wheel hold no reader for our SQLite log). The
:class:`StreamExporter` copies what follows the consumer group's commit into files named
``<stream>-<index>-<first seq>-<last seq>.jsonl``, one record per line, and ends every
file with a *mark* line naming the file and its last sequence number. The job passes
marks to its output, which a ``FileSink`` commits with each checkpoint; so a mark seen in
the committed output proves that a completed checkpoint covers the file, and only then

* the consumer group commits the file's last sequence number (:meth:`on_mark`): stream
  positions follow completed checkpoints, never run ahead of them;
* the next file of that stream is written. Only one file per stream is ever outstanding,
  so files are read in order: a ``FileSource`` takes the files it discovers together in
  no particular order, and out-of-order files would make whole files late. After a
  restore from a checkpoint, the one outstanding file is read again from the
  checkpointed position.

The previous file is deleted once the next one is covered (a checkpoint may still hold
the reader at the end of the previous one). Records are copied as bytes, one per line (a
record holding line breaks is parsed and written as one canonical line). Empty and
non-UTF-8 records, and multi-line ones that are not JSON, are counted here (the Java
reader would alter them); everything else is judged by the job.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from courtside.detect.logic import parse_control_bytes
from courtside.detect.report import DetectReport
from courtside.errors import RecordError
from courtside.lake.layout import write_atomic
from courtside.stream.base import Consumer, StreamBackend

__all__ = ["CONTROL", "MARK_PREFIX", "TWEETS", "StreamExporter"]

log = logging.getLogger(__name__)

TWEETS, CONTROL = "tweets", "control"
MARK_PREFIX = "\x1fcourtside-mark\t"  # no JSON text starts with a control character
_MARK = MARK_PREFIX.encode()
_NAME = re.compile(r"^(tweets|control)-(\d{9})-(\d+)-(\d+)\.jsonl$")
_READ = 5000


@dataclass
class _Lane:
    """Export state of one stream."""

    stream: str
    directory: Path
    consumer: Consumer
    exported: int = 0  # last sequence number written to a file
    next_index: int = 0
    files: list[tuple[int, int, Path]] = field(default_factory=list)  # (index, last seq, path)


def _line(data: bytes) -> bytes | RecordError:
    if not data.strip():
        return RecordError("EmptyRecord", "empty record")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RecordError("NotUtf8", f"record is not UTF-8: {exc.reason}")
    if b"\n" in data or b"\r" in data:  # rare: one canonical line, or the parse error
        try:
            data = orjson.dumps(orjson.loads(data))
        except orjson.JSONDecodeError as exc:
            return RecordError("NotJson", f"record is not JSON: {exc}")
    if data.startswith(_MARK):
        return RecordError("NotJson", "record is not JSON: starts with a control character")
    return data + b"\n"


class StreamExporter:
    """Writes the streams after the group's commit as JSON-lines files with end marks.

    Args:
        backend: The stream backend.
        group: The consumer group (commits follow the marks, see the module docstring).
        input_dir: Folder holding one sub-folder per stream for the ``FileSource``.
        report: Counts records read and bad ones.
        max_records: Most records per file.
        max_bytes: Most bytes per file (approximately).
    """

    def __init__(
        self,
        backend: StreamBackend,
        group: str,
        input_dir: Path,
        report: DetectReport,
        *,
        max_records: int = 500_000,
        max_bytes: int = 256 * 2**20,
    ) -> None:
        self.backend, self.report = backend, report
        self.max_records, self.max_bytes = max_records, max_bytes
        self.lanes = {
            name: _Lane(name, input_dir / name, backend.consumer(name, group))
            for name in (TWEETS, CONTROL)
        }
        for lane in self.lanes.values():
            lane.directory.mkdir(parents=True, exist_ok=True)
            self._scan(lane)

    def _scan(self, lane: _Lane) -> None:
        lane.files = []
        for path in lane.directory.iterdir():
            match = _NAME.match(path.name)
            if match and match[1] == lane.stream:
                lane.files.append((int(match[2]), int(match[4]), path))
        lane.files.sort()
        lane.next_index = lane.files[-1][0] + 1 if lane.files else 0
        newest = lane.files[-1][1] if lane.files else 0
        lane.exported = max(newest, lane.consumer.committed)

    def directory(self, stream: str) -> Path:
        """The folder the ``FileSource`` of ``stream`` reads."""
        return self.lanes[stream].directory

    def committed(self, stream: str) -> int:
        """The group's committed sequence number on ``stream``."""
        return self.lanes[stream].consumer.committed

    def reset(self) -> None:
        """Forget every exported file (a fresh job starts after the group's commit)."""
        for lane in self.lanes.values():
            for _, _, path in lane.files:
                path.unlink(missing_ok=True)
            self._scan(lane)

    def bootstrap(self, *, commit: bool = True) -> set[str]:
        """For a fresh job: the control table's allowed teams when the first pending tweet
        was appended (read from the whole control stream). Control records up to that
        point are in this state, so they are not exported (and, with ``commit``, are
        committed)."""
        first = self.backend.read(TWEETS, self.committed(TWEETS), 1)
        first_ts = first[0].ts_ms if first else None
        lane = self.lanes[CONTROL]
        allowed: set[str] = set()
        after = 0
        reached = False
        while not reached and (records := self.backend.read(CONTROL, after, 1000)):
            for rec in records:
                if first_ts is not None and rec.ts_ms > first_ts:
                    reached = True
                    break
                after = rec.seq
                try:
                    change = parse_control_bytes(rec.data)
                except RecordError as exc:
                    if rec.seq > lane.consumer.committed:
                        self.report.error(exc.code, exc, "control", rec.seq)
                    continue
                if rec.seq > lane.consumer.committed:
                    self.report.control_events += 1
                if change.allowed:
                    allowed.add(change.team)
                else:
                    allowed.discard(change.team)
        if commit:
            lane.consumer.commit(after)  # no-op when already committed further
        lane.exported = max(lane.exported, after)
        return allowed

    def outstanding(self, stream: str) -> bool:
        """True while the newest file of ``stream`` is not covered by a checkpoint."""
        lane = self.lanes[stream]
        return bool(lane.files) and lane.files[-1][1] > lane.consumer.committed

    def export(self, stream: str, until_seq: int | None = None) -> int:
        """Write the next file of ``stream`` (records after the last file, up to
        ``until_seq``) unless one is outstanding. Returns the records read."""
        lane = self.lanes[stream]
        if self.outstanding(stream):
            return 0
        where = "tweet" if stream == TWEETS else "control"
        lines: list[bytes] = []
        first = last = 0
        size = 0
        while len(lines) < self.max_records and size < self.max_bytes:
            limit = min(_READ, self.max_records - len(lines))
            records = self.backend.read(stream, lane.exported if not last else last, limit)
            if until_seq is not None:
                records = [r for r in records if r.seq <= until_seq]
            if not records:
                break
            first = first or records[0].seq
            for rec in records:
                line = _line(rec.data)
                if isinstance(line, RecordError):
                    self.report.error(line.code, line, where, rec.seq)
                else:
                    lines.append(line)
                    size += len(line)
            last = records[-1].seq
            if stream == TWEETS:
                self.report.tweets += len(records)
        if not last:
            return 0
        self._write(lane, first, last, lines)
        return last - first + 1

    def _write(self, lane: _Lane, first: int, last: int, lines: list[bytes]) -> None:
        mark = {"stream": lane.stream, "file": lane.next_index, "last_seq": last}
        lines.append(_MARK + orjson.dumps(mark) + b"\n")
        name = f"{lane.stream}-{lane.next_index:09d}-{first}-{last}.jsonl"
        write_atomic(lane.directory / name, lines)  # hidden until complete
        lane.files.append((lane.next_index, last, lane.directory / name))
        lane.next_index += 1
        lane.exported = last
        log.debug("exported %s seq %d..%d as %s", lane.stream, first, last, name)

    def on_mark(self, stream: str, last_seq: int) -> None:
        """A checkpoint covers ``stream`` up to ``last_seq``: commit the group there and
        delete the files before the covered one."""
        lane = self.lanes.get(stream)
        if lane is None:
            log.warning("mark of an unknown stream %r ignored", stream[:40])
            return
        lane.consumer.commit(last_seq)
        covered = [f for f in lane.files if f[1] <= last_seq]
        for old in covered[:-1]:  # keep the newest covered file, see the module docstring
            old[2].unlink(missing_ok=True)
            lane.files.remove(old)
