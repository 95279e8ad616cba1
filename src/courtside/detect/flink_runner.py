"""Run the PyFlink job locally on the durable streams (``courtside detect --engine flink``).

The runner exports ``tweets`` and ``control`` (after the consumer group's commit) as
JSON-lines files, runs :func:`courtside.detect.flink_job.file_job` in a Flink mini-cluster
and publishes what the job returns: alerts to the ``alerts`` stream (with
``"detector": "flink"``), late events and all-tweets to the lake.

* ``once``: a bounded job over what is on the streams; after it has finished and every
  output is durable, the group's positions are committed.
* follow mode: the export goes on in a background thread (a new file per batch) under a
  continuously monitored ``FileSource``; stop with Ctrl-C or SIGTERM. A local mini-cluster
  takes no checkpoints, so follow mode commits nothing: a later run processes the same
  records again (alert ids and versions repeat, so the notifier drops the repeats).

Each run is a fresh job without the state of an earlier run; for long-lived state run the
job on a Flink cluster with checkpoints (README).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO

import orjson

from courtside.config import Settings
from courtside.detect.logic import parse_control_bytes
from courtside.detect.report import DetectReport
from courtside.detect.sideoutputs import ALL_ZONE, LATE_ZONE, SideOutputWriter
from courtside.errors import RecordError
from courtside.home import open_stream
from courtside.lake.layout import object_name, write_atomic
from courtside.records import loads
from courtside.reference.players import PlayersTable, load_players
from courtside.stream.base import StreamBackend

log = logging.getLogger(__name__)

TWEETS, CONTROL, ALERTS = "tweets", "control", "alerts"
_BATCH = 5000
_SIDE_FLUSH = 10_000


@dataclass
class _Export:
    tweets_dir: Path
    control_dir: Path
    initial_allowed: set[str] = field(default_factory=set)
    tweets_seq: int = 0
    control_seq: int = 0
    files: int = 0


class StreamExporter:
    """Writes what follows the group's commit on ``tweets``/``control`` as JSON-lines
    files that appear atomically (hidden name, then rename), for a ``FileSource``."""

    def __init__(
        self, backend: StreamBackend, group: str, work_dir: Path, report: DetectReport
    ) -> None:
        self.backend = backend
        self.report = report
        self.tweets = backend.consumer(TWEETS, group)
        self.control = backend.consumer(CONTROL, group)
        self.out = _Export(work_dir / "tweets", work_dir / "control")
        self.out.tweets_dir.mkdir(parents=True, exist_ok=True)
        self.out.control_dir.mkdir(parents=True, exist_ok=True)
        self.out.tweets_seq, self.out.control_seq = self.tweets.committed, self.control.committed

    def bootstrap(self) -> set[str]:
        """The control table's allowed teams when the first pending tweet was appended
        (from the whole control stream); the control export starts after them."""
        first = self.backend.read(TWEETS, self.tweets.committed, 1)
        first_ts = first[0].ts_ms if first else None
        allowed: set[str] = set()
        after = 0
        while True:
            records = self.backend.read(CONTROL, after, 1000)
            for rec in records:
                if first_ts is not None and rec.ts_ms > first_ts:
                    records = []
                    break
                after = rec.seq
                try:
                    change = parse_control_bytes(rec.data)
                except RecordError as exc:
                    if rec.seq > self.control.committed:
                        self.report.error(exc.code, exc, "control", rec.seq)
                    continue
                if rec.seq > self.control.committed:
                    self.report.control_events += 1
                if change.allowed:
                    allowed.add(change.team)
                else:
                    allowed.discard(change.team)
            if not records:
                break
        if after > self.control.position:
            self.control.seek(after)
            self.out.control_seq = after
        self.out.initial_allowed = allowed
        return allowed

    def _write(self, directory: Path, lines: list[bytes]) -> None:
        if lines:
            write_atomic(directory / object_name("part", ".jsonl"), lines)
            self.out.files += 1

    def export(self, sink: BinaryIO | None = None) -> int:
        """Export one batch of each stream (tweets into ``sink`` when given, else into a
        new file); return the number of tweets exported."""
        lines = []
        for rec in self.control.poll(_BATCH):
            lines.append(rec.data.replace(b"\n", b" ") + b"\n")
            self.out.control_seq = rec.seq
        self._write(self.out.control_dir, lines)
        lines = []
        records = self.tweets.poll(_BATCH)
        for rec in records:
            self.out.tweets_seq = rec.seq
            self.report.tweets += 1
            try:
                # One line per record, whatever the producer's formatting.
                lines.append(orjson.dumps(loads(rec.data)) + b"\n")
            except RecordError as exc:
                self.report.error(exc.code, exc, "tweet", rec.seq)
        if sink is not None:
            sink.writelines(lines)
        else:
            self._write(self.out.tweets_dir, lines)
        return len(records)

    def export_all(self, *, one_file: bool = False) -> None:
        """Export everything that is on the streams now.

        Args:
            one_file: Put all tweets in one file. A bounded ``FileSource`` reads its files
                in no particular order, which would make whole files late.
        """
        if not one_file:
            while self.export():
                pass
            return
        path = self.out.tweets_dir / object_name("part", ".jsonl")
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as sink:
            while self.export(sink=sink):
                pass
        os.replace(tmp, path)
        self.out.files += 1

    def commit(self) -> None:
        """Commit the exported positions (outputs of the exported records are durable)."""
        self.tweets.commit(self.out.tweets_seq)
        self.control.commit(self.out.control_seq)


class _Publisher:
    """Publishes the collected job output: alerts to the stream, side outputs to the lake."""

    def __init__(
        self,
        backend: StreamBackend,
        writer: SideOutputWriter,
        report: DetectReport,
        on_alert: Callable[[dict[str, Any]], None] | None,
    ) -> None:
        self.backend, self.writer, self.report = backend, writer, report
        self.on_alert = on_alert
        self.late: list[dict[str, Any]] = []
        self.all: list[dict[str, Any]] = []

    def __call__(self, tag: str, doc: dict[str, Any]) -> None:
        if tag == "alert":
            doc["detector"] = "flink"
            self.backend.append(ALERTS, orjson.dumps(doc))
            self.report.count_alert(doc)
            if self.on_alert is not None:
                self.on_alert(doc)
        elif tag == "late":
            self.late.append(doc)
            self.report.late += 1
        elif tag == "all":
            self.all.append(doc)
            self.report.evaluated += 1
        elif tag == "error":
            self.report.error(str(doc.get("code")), str(doc.get("message")), str(doc.get("where")))
        if len(self.all) + len(self.late) >= _SIDE_FLUSH:
            self.flush()

    def flush(self) -> None:
        self.writer.write(ALL_ZONE, self.all)
        self.writer.write(LATE_ZONE, self.late)
        self.all, self.late = [], []


def run_flink(
    settings: Settings,
    *,
    once: bool = True,
    players: PlayersTable | None = None,
    parallelism: int = 1,
    monitor_ms: int = 1000,
    on_alert: Callable[[dict[str, Any]], None] | None = None,
    keep_work_dir: bool = False,
    config: dict[str, str] | None = None,
) -> DetectReport:
    """Run the Flink job on the streams in a local mini-cluster (see module docstring).

    Args:
        settings: Loaded settings (``settings.detect``; the group is ``<group>-flink``).
        once: Bounded run over what is on the streams; else follow until interrupted.
        players: The players table (default: the home's).
        parallelism: Parallelism of the job.
        monitor_ms: How often a follow-mode source looks for new files.
        on_alert: Called with every alert published.
        keep_work_dir: Keep the exported files (for inspection).
        config: Extra Flink configuration (e.g. ``{"python.execution-mode": "thread"}``).
    """
    from courtside.detect import flink_job  # PyFlink is heavy: import on use

    cfg = settings.detect
    table = players if players is not None else load_players(settings.home)
    report = DetectReport(engine="flink")
    work = settings.state_dir / "flink" / f"{cfg.group}-{time.time_ns()}"
    backend = open_stream(settings)
    stop = threading.Event()
    previous: dict[signal.Signals, Any] = {}
    try:
        exporter = StreamExporter(backend, f"{cfg.group}-flink", work, report)
        initial = exporter.bootstrap()
        exporter.export_all(one_file=once)
        env = flink_job.make_env(parallelism, config)
        stream = flink_job.file_job(
            env,
            str(exporter.out.tweets_dir),
            str(exporter.out.control_dir),
            cfg,
            table.to_csv_text(),
            initial,
            None if once else monitor_ms,
        )
        publish = _Publisher(
            backend, SideOutputWriter(settings.lake, f"flink-{cfg.group}"), report, on_alert
        )
        if not once:
            threading.Thread(target=_feed, args=(exporter, stop), daemon=True).start()

            def _handler(signum: int, frame: FrameType | None) -> None:
                raise KeyboardInterrupt

            previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, _handler)
        started = time.monotonic()
        finished = False
        try:
            with stream.execute_and_collect("courtside-detect") as results:
                for line in results:
                    publish(*flink_job.tagged(line))
            finished = True
        except KeyboardInterrupt:
            log.warning("interrupted: stopping the Flink job")
        finally:
            stop.set()
            publish.flush()
        log.info("flink job ran %.1f s", time.monotonic() - started)
        if once and finished:
            exporter.commit()  # every output of the exported records is durable now
        report.tweets_seq, report.control_seq = exporter.out.tweets_seq, exporter.out.control_seq
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        backend.close()
        if not keep_work_dir:
            shutil.rmtree(work, ignore_errors=True)
    return report


def _feed(exporter: StreamExporter, stop: threading.Event) -> None:
    """Follow mode: keep exporting new records into the monitored folders."""
    try:
        while not stop.wait(0.5):
            exporter.export_all()
    except Exception:  # noqa: BLE001 - a feeder failure must not kill the job silently
        log.exception("the Flink input feeder failed; no more input will arrive")
