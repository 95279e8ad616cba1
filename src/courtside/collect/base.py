"""The collector contract and the pieces every collector shares.

A *collector* reads one source (X filtered stream, Bluesky Jetstream, archive files,
the generator) and turns what it reads into records in the incoming shape of the
``tweets`` stream. Every collector follows the same contract:

* It hands each candidate record (a dict) to :meth:`Output.post`, which annotates the
  post when it carries no context annotations, checks that downstream stages accept it
  (``records.to_delivered``) and that it fits the size limit, and queues it on the
  :class:`StreamSink`. Bad input is counted in the :class:`CollectReport`, logged and
  written to the reject log; it never stops a collector. Each line or frame read from
  the network is handled inside :meth:`Output.guarded`, so a value of a shape or size
  nobody foresaw (a number out of range, a string that cannot be encoded) is one more
  counted reject (``BadValue``), never a crash.
* The sink appends queued records in batches with ``append_many`` (durable when it
  returns) and only *then* reports the source position given with :meth:`StreamSink.mark`
  as durable, so a source cursor (Bluesky's ``time_us``) is saved only once everything
  before it is on the stream. A crash loses nothing; it may repeat records, which the
  de-duplication job removes.
* :class:`~courtside.errors.TransientError` (network trouble, a busy stream file) is
  retried inside the collector with back-off; :class:`~courtside.errors.TerminalError`
  (a rejected token, a missing file) ends the run with a clear message.
* :class:`Stopper` ends a run cleanly (Ctrl-C, SIGTERM, ``stop()``): the sink is flushed
  and the cursor saved before :meth:`Collector.run` returns.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

from courtside.collect.annotate import Annotator
from courtside.errors import RecordError, StreamBusyError
from courtside.records import post_of, to_delivered
from courtside.stream.base import StreamBackend

log = logging.getLogger(__name__)

MAX_RECORD_BYTES = 1024 * 1024
_REJECT_KEEP_BYTES = 64 * 1024
_REJECT_LOG_MAX_BYTES = 64 * 1024 * 1024
_LOUD_REJECTS = 10  # per reason; the rest are logged at debug level
# What parsing a hostile value can raise besides RecordError: out-of-range dates and
# numbers, unencodable strings, missing keys, deep nesting.
VALUE_ERRORS = (ValueError, TypeError, ArithmeticError, LookupError, RecursionError)


class StopCollecting(BaseException):  # noqa: N818 - a control-flow signal, like KeyboardInterrupt
    """Raised inside a blocking read to end a run cleanly (SIGTERM)."""


class Stopper:
    """A stop request shared by a collector, its sink and signal handlers.

    ``stop()`` only sets a flag that collectors check between reads. A signal handler
    calls :meth:`interrupt`, which also raises :class:`StopCollecting` to break out of a
    blocking network read, but only while ``armed`` (the collector is running) and not
    inside a :meth:`critical` section (a stream append or a cursor write).
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._critical = 0
        self.armed = False  # interrupt() raises only while a collector is running

    @property
    def requested(self) -> bool:
        """True once a stop was asked for."""
        return self._event.is_set()

    def stop(self) -> None:
        """Ask the run to end at the next check."""
        self._event.set()

    def interrupt(self) -> None:
        """Stop, breaking out of a blocking read unless a critical section is running."""
        self._event.set()
        if self.armed and self._critical == 0:
            raise StopCollecting()

    @contextmanager
    def critical(self) -> Iterator[None]:
        """A section that :meth:`interrupt` must not break."""
        self._critical += 1
        try:
            yield
        finally:
            self._critical -= 1

    def wait(self, timeout_s: float) -> bool:
        """Sleep up to ``timeout_s``; return True early when a stop is requested."""
        return self._event.wait(timeout_s)


@dataclass
class CollectReport:
    """Counts of one collector run.

    Attributes:
        source: ``x``, ``bluesky``, ``replay`` or ``synthetic``.
        records: Records appended to the stream.
        annotated: Posts that received Athlete annotations from the annotator.
        rejected: Bad input by reason (``NotJson``, ``RecordTooLarge``, ...).
        events: Everything else worth counting (keep-alives, reconnects, stalls,
            in-band errors, filtered posts, skipped event kinds, ...).
        seconds: Duration of the run.
    """

    source: str
    records: int = 0
    annotated: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def count(self, key: str, n: int = 1) -> None:
        """Add ``n`` to the event counter ``key``."""
        self.events[key] = self.events.get(key, 0) + n

    def reject(self, code: str) -> None:
        """Count one rejected input with reason ``code``."""
        self.rejected[code] = self.rejected.get(code, 0) + 1

    @property
    def rejected_total(self) -> int:
        """All rejected inputs."""
        return sum(self.rejected.values())

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able data."""
        return {
            "source": self.source,
            "records": self.records,
            "annotated": self.annotated,
            "rejected": dict(sorted(self.rejected.items())),
            "rejected_total": self.rejected_total,
            "events": dict(sorted(self.events.items())),
            "seconds": round(self.seconds, 3),
        }


class RejectLog:
    """Bad input kept for inspection: JSON lines ``{ts, source, code, message, raw_b64}``
    in ``<state>/collect/rejected.jsonl`` (the first 64 KiB of each input; the file is
    rotated to ``rejected.jsonl.1`` past 64 MiB)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, source: str, code: str, message: str, raw: bytes | None) -> None:
        """Append one rejected input (best effort: a full disk only logs a warning)."""
        doc = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "source": source,
            "code": code,
            "message": message[:500],
            "raw_b64": base64.b64encode(raw[:_REJECT_KEEP_BYTES]).decode() if raw else None,
            "raw_bytes": len(raw) if raw is not None else None,
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists() and self.path.stat().st_size > _REJECT_LOG_MAX_BYTES:
                self.path.replace(self.path.with_name(self.path.name + ".1"))
            with self.path.open("ab") as fh:
                fh.write(orjson.dumps(doc) + b"\n")
        except OSError as exc:
            log.warning("cannot write the reject log %s: %s", self.path, exc.strerror)


class StreamSink:
    """Queues records and appends them to a stream in durable batches.

    Args:
        backend: The stream backend.
        stream: Target stream name.
        batch_records: Flush when this many records are queued.
        max_delay_s: Flush when the oldest queued record (or unsaved mark) is this old.
        on_durable: Called with the last :meth:`mark` once everything queued before it
            is durable (e.g. to save a source cursor).
        stopper: Makes appends and ``on_durable`` critical sections.
        clock: Monotonic clock (injectable for tests).
    """

    def __init__(
        self,
        backend: StreamBackend,
        stream: str = "tweets",
        *,
        batch_records: int = 500,
        max_delay_s: float = 0.5,
        on_durable: Callable[[Any], None] | None = None,
        stopper: Stopper | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.stream = stream
        self.batch_records = batch_records
        self.max_delay_s = max_delay_s
        self.on_durable = on_durable
        self.stopper = stopper or Stopper()
        self.clock = clock
        self.appended = 0
        self._pending: list[bytes] = []
        self._since: float | None = None
        self._mark: Any = None
        self._marked = False

    @property
    def pending(self) -> int:
        """Records queued but not yet durable."""
        return len(self._pending)

    def put(self, record: bytes) -> None:
        """Queue one record (flushed by :meth:`maybe_flush` or :meth:`flush`)."""
        if self._since is None:
            self._since = self.clock()
        self._pending.append(record)
        if len(self._pending) >= self.batch_records:
            self.flush()

    def mark(self, position: Any) -> None:
        """Note the source position reached after the records queued so far."""
        self._mark = position
        self._marked = True
        if self._since is None:
            self._since = self.clock()

    def maybe_flush(self) -> None:
        """Flush when the oldest queued record or mark is older than ``max_delay_s``."""
        if self._since is not None and self.clock() - self._since >= self.max_delay_s:
            self.flush()

    def flush_before_wait(self, delay_s: float) -> None:
        """Before sleeping ``delay_s``: flush if queued records would otherwise wait
        longer than ``max_delay_s``, so paced sources stay live without an fsync per
        record."""
        if delay_s >= self.max_delay_s:
            self.flush()
        else:
            self.maybe_flush()

    def pace(
        self, delay_s: float, stopper: Stopper, sleep: Callable[[float], None] | None = None
    ) -> None:
        """Wait ``delay_s`` between paced records (replay speed, synthetic rate): flush
        first when needed (:meth:`flush_before_wait`), then sleep with ``sleep`` (tests)
        or until ``stopper`` is asked to stop."""
        self.flush_before_wait(delay_s)
        if sleep is not None:
            sleep(delay_s)
        else:
            stopper.wait(delay_s)

    def flush(self) -> None:
        """Append everything queued (retrying while the stream file is busy), then report
        the last mark as durable."""
        with self.stopper.critical():
            if self._pending:
                batch = self._pending
                delay_s = 0.05
                while True:
                    try:
                        self.backend.append_many(self.stream, batch)
                        break
                    except StreamBusyError as exc:
                        log.warning("stream busy, retrying in %.2fs: %s", delay_s, exc)
                        time.sleep(delay_s)
                        delay_s = min(delay_s * 2, 2.0)
                self.appended += len(batch)
                self._pending = []
            if self._marked and self.on_durable is not None:
                self.on_durable(self._mark)
            self._marked = False
            self._since = None


class Output:
    """The common path from a candidate record to the stream: annotate, validate, size
    check, queue; rejects are counted, logged and kept."""

    def __init__(
        self,
        sink: StreamSink,
        report: CollectReport,
        *,
        annotator: Annotator | None = None,
        rejects: RejectLog | None = None,
        max_record_bytes: int = MAX_RECORD_BYTES,
        limit: int | None = None,
    ) -> None:
        self.sink = sink
        self.limit = limit
        self.report = report
        self.annotator = annotator
        self.rejects = rejects
        self.max_record_bytes = max_record_bytes

    @property
    def full(self) -> bool:
        """True once ``limit`` records were queued: the collector should stop."""
        return self.limit is not None and self.report.records >= self.limit

    def post(self, record: dict[str, Any]) -> bool:
        """Queue ``record`` (incoming shape) on the stream; False when it was rejected."""
        try:
            post = post_of(record)
            if self.annotator is not None and self.annotator.annotate(post):
                self.report.annotated += 1
            to_delivered(record)
            data = orjson.dumps(record)
        except RecordError as exc:
            self.reject(exc.code, str(exc), _dump_quietly(record))
            return False
        except orjson.JSONEncodeError as exc:  # e.g. an integer beyond 64 bits
            self.reject("NotSerialisable", str(exc), None)
            return False
        except VALUE_ERRORS as exc:
            self.reject("BadValue", f"{type(exc).__name__}: {exc}", _dump_quietly(record))
            return False
        if len(data) > self.max_record_bytes:
            self.reject(
                "RecordTooLarge",
                f"record of {len(data)} bytes exceeds {self.max_record_bytes} bytes",
                data,
            )
            return False
        self.sink.put(data)
        self.report.records += 1
        return True

    @contextmanager
    def guarded(self, what: str, raw: bytes) -> Iterator[None]:
        """Handle one network input (``raw``) inside this block: an unexpected value
        error becomes a counted ``BadValue`` reject instead of ending the collector."""
        try:
            yield
        except VALUE_ERRORS as exc:
            log.debug("%s raised while handling %s", type(exc).__name__, what, exc_info=True)
            self.reject("BadValue", f"{what}: {type(exc).__name__}: {exc}", raw)

    def reject(self, code: str, message: str, raw: bytes | None) -> None:
        """Count, log and keep one bad input."""
        self.report.reject(code)
        seen = self.report.rejected[code]
        if seen <= _LOUD_REJECTS:
            log.warning("%s input rejected (%s): %s", self.report.source, code, message[:300])
            if seen == _LOUD_REJECTS:
                log.warning("further %s rejects are logged at debug level", code)
        else:
            log.debug("%s input rejected (%s): %s", self.report.source, code, message[:300])
        if self.rejects is not None:
            self.rejects.write(self.report.source, code, message, raw)


def _dump_quietly(record: dict[str, Any]) -> bytes | None:
    try:
        return orjson.dumps(record)
    except VALUE_ERRORS:
        return None


class Collector(Protocol):
    """One source of records. ``run`` reads until the source ends (replay), the record
    limit is reached or the stopper is triggered, queueing records through ``output``;
    the caller flushes the sink afterwards. Transient trouble is retried inside ``run``;
    terminal errors propagate."""

    name: str

    def run(self, output: Output, stopper: Stopper) -> None:
        """Collect until done or stopped."""
