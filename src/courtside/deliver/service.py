"""The delivery stream (the original's Kinesis Firehose with its transform Lambda).

A consumer group on ``tweets`` that buffers records per partition, transforms them,
writes ``raw/`` (by the post's date), ``original-data/`` (gzip, by arrival time) and
``errors/`` (by arrival time), and commits its stream position only once every file
holding the records up to that position is durable. A kill -9 at any moment therefore
loses nothing; records after the last commit are delivered again (at-least-once) and the
de-duplication job removes the repeats.

Every delivered record (after the user transform, when there is one) is validated against
the latest registered version of the ``raw`` schema subject, read once at start-up from the
schema registry (``<state_dir>/schemas.db``). A record that does not match goes to
``errors/`` with its own error code (``Schema.MissingField``, ``Schema.WrongType``,
``Schema.UnexpectedField``, ``Schema.BadValue``), the failing field path and the schema
version, and is counted (``schema_violations`` and ``errors_by_code``): never dropped
silently, never written to ``raw/``.
"""

from __future__ import annotations

import base64
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from types import FrameType
from typing import Any

import orjson

from courtside.config import Settings
from courtside.deliver.transform import Dropped, Ok, ProcessingFailed, load_transform
from courtside.deliver.writer import LakeWriter, PartitionKey, arrival_key
from courtside.errors import RecordError
from courtside.home import open_stream
from courtside.records import describe_exception, loads, to_delivered
from courtside.schemas.registry import DELIVERED_SUBJECT, SchemaRegistry
from courtside.schemas.validate import RecordValidator, Violation
from courtside.stream.base import Record

log = logging.getLogger(__name__)

TWEETS = "tweets"
_POLL_RECORDS = 5000


@dataclass
class DeliveryReport:
    """Counts of one delivery run."""

    records: int = 0
    delivered: int = 0
    dropped: int = 0
    failed: int = 0
    schema_violations: int = 0  # of ``failed``: records that did not match the raw schema
    schema_version: int = 0  # the ``raw`` schema version records were validated against
    bytes_in: int = 0
    bytes_out: int = 0
    files: int = 0
    committed_seq: int = 0
    leftovers_removed: int = 0
    errors_by_code: dict[str, int] = field(default_factory=dict)
    open_partitions: int = 0  # raw/ partitions holding buffered records (at the last commit)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Buffer:
    lines: list[bytes] = field(default_factory=list)
    size: int = 0
    first_seq: int = 0
    opened_at: float = 0.0


class _SchemaViolationError(RecordError):
    """A delivered record that does not match the registered ``raw`` schema."""

    def __init__(self, violation: Violation) -> None:
        super().__init__(violation.code, violation.message)
        self.violation = violation


def _valid_date_part(value: Any, digits: int, low: int, high: int) -> int | None:
    if not isinstance(value, str) or len(value) != digits or not value.isascii():
        return None
    if not value.isdigit():
        return None
    number = int(value)
    return number if low <= number <= high else None


def _unserialisable(exc: Exception, *, transformed: bool) -> RecordError:
    """The error of a delivered record orjson cannot write: nesting beyond its limit of
    254 levels (parsing allows 1,024) has its own code; anything else can only come from
    a user transform's result."""
    if "recursion limit" in str(exc).lower():
        return RecordError("TooDeeplyNested", f"record is nested deeper than 254 levels: {exc}")
    if transformed:
        return RecordError("Lambda.InvalidResult", f"record is not JSON-serialisable: {exc}")
    return RecordError("InternalError", f"delivered record is not JSON-serialisable: {exc}")


class Delivery:
    """One delivery stream consumer. Use :func:`deliver` for the common case."""

    def __init__(
        self,
        settings: Settings,
        *,
        on_progress: Callable[[int], None] | None = None,
        on_report: Callable[[DeliveryReport], None] | None = None,
    ) -> None:
        self.settings = settings
        self.cfg = settings.deliver
        self.backend = open_stream(settings)
        self.consumer = self.backend.consumer(TWEETS, self.cfg.group)
        self.writer = LakeWriter(settings.lake, self.cfg.gzip_level)
        self.user_transform = load_transform(self.cfg.transform) if self.cfg.transform else None
        self.validate: RecordValidator = SchemaRegistry.at(settings.state_dir).validator(
            DELIVERED_SUBJECT
        )
        self.buffers: dict[PartitionKey, _Buffer] = {}
        self.report = DeliveryReport(
            committed_seq=self.consumer.committed, schema_version=self.validate.version
        )
        self.report.leftovers_removed = self.writer.remove_leftovers()
        self.max_record_bytes = self.cfg.max_record_kib * 1024
        self.buffer_bytes = int(self.cfg.buffer_mib * 1024 * 1024)
        self.total_cap = int(self.cfg.max_buffered_mib * 1024 * 1024)
        self.buffered = 0
        self.raw_partitions = 0
        self._raw_keys: dict[tuple[str, str, str], PartitionKey] = {}
        self._stop = threading.Event()
        self._on_progress = on_progress
        self._on_report = on_report

    # -- per record ------------------------------------------------------------------------
    def _add(self, key: PartitionKey, line: bytes, seq: int) -> None:
        buf = self.buffers.get(key)
        if buf is None:
            buf = self.buffers[key] = _Buffer(first_seq=seq, opened_at=time.monotonic())
            if key.zone == "raw":
                self.raw_partitions += 1
        buf.lines.append(line)
        buf.size += len(line)
        self.buffered += len(line)
        if buf.size >= self.buffer_bytes:
            self._flush(key)
        elif self.buffered > self.total_cap:
            self._flush(max(self.buffers, key=lambda k: self.buffers[k].size))

    def _fail(
        self, record: Record, code: str, message: str, violation: Violation | None = None
    ) -> None:
        now_ms = time.time_ns() // 1_000_000
        doc: dict[str, Any] = {
            "attemptsMade": 1,
            "arrivalTimestamp": record.ts_ms,
            "attemptEndingTimestamp": now_ms,
            "errorCode": code,
            # A message built from a user's exception may hold lone surrogates.
            "errorMessage": message.encode("utf-8", "replace").decode("utf-8")[:1000],
            "sequenceNumber": record.seq,
            "rawData": base64.b64encode(record.data).decode("ascii"),
        }
        if violation is not None:
            doc["fieldPath"] = violation.field_path
            doc["schemaSubject"] = violation.subject
            doc["schemaVersion"] = violation.version
            self.report.schema_violations += 1
        self._add(arrival_key("errors", record.ts_ms), orjson.dumps(doc) + b"\n", record.seq)
        self.report.failed += 1
        self.report.errors_by_code[code] = self.report.errors_by_code.get(code, 0) + 1

    def _process(self, record: Record) -> None:
        data = record.data
        self.report.records += 1
        self.report.bytes_in += len(data)
        self._add(arrival_key("original-data", record.ts_ms), data + b"\n", record.seq)
        try:
            out = self._transform(record)
        except _SchemaViolationError as exc:
            self._fail(record, exc.code, str(exc), exc.violation)
            return
        except RecordError as exc:
            self._fail(record, exc.code, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - last line: one record never stops delivery
            log.debug("unexpected error on record seq %d", record.seq, exc_info=True)
            self._fail(record, "InternalError", describe_exception(exc))
            return
        if out is None:
            self.report.dropped += 1
            return
        self._add(out[0], out[1], record.seq)
        self.report.delivered += 1

    def _transform(self, record: Record) -> tuple[PartitionKey, bytes] | None:
        """The delivered line of one record and its raw partition, ``None`` when the user
        transform dropped it. No I/O: every failure of this record raises RecordError."""
        data = record.data
        if len(data) > self.max_record_bytes:
            raise RecordError(
                "RecordTooLarge",
                f"record of {len(data)} bytes exceeds {self.max_record_bytes} bytes",
            )
        delivered = to_delivered(loads(data))
        if self.user_transform is not None:
            try:
                result = self.user_transform(delivered)
            except Exception as exc:  # noqa: BLE001 - a user bug fails one record only
                raise RecordError("Lambda.FunctionError", describe_exception(exc)) from None
            if isinstance(result, Dropped):
                return None
            if isinstance(result, ProcessingFailed):
                raise RecordError("Lambda.ProcessingFailed", str(result.message)[:1000])
            if not isinstance(result, Ok) or not isinstance(result.record, dict):
                raise RecordError(
                    "Lambda.InvalidResult",
                    f"transform returned {type(result).__name__}, not Ok/Dropped/ProcessingFailed",
                )
            delivered = result.record
            year = _valid_date_part(delivered.get("year"), 4, 1, 9999)
            month = _valid_date_part(delivered.get("month"), 2, 1, 12)
            day = _valid_date_part(delivered.get("day"), 2, 1, 31)
            if year is None or month is None or day is None:
                raise RecordError(
                    "DynamicPartitioning.InvalidPartitionKey",
                    "year/month/day must be 4/2/2 ASCII digits of a real date",
                )
            key = PartitionKey("raw", year, month, day)
        else:
            # Built by to_delivered from a parsed datetime: always valid digits.
            key = self._raw_key(delivered["year"], delivered["month"], delivered["day"])
        if key not in self.buffers and self.raw_partitions >= self.cfg.max_open_partitions:
            raise RecordError(
                "DynamicPartitioning.ActivePartitionsLimitExceeded",
                f"more than {self.cfg.max_open_partitions} partitions open at once",
            )
        try:
            line = orjson.dumps(delivered) + b"\n"
        except orjson.JSONEncodeError as exc:
            raise _unserialisable(exc, transformed=self.user_transform is not None) from None
        violation = self.validate(delivered)
        if violation is not None:
            raise _SchemaViolationError(violation)
        return key, line

    def _raw_key(self, year: str, month: str, day: str) -> PartitionKey:
        cache_key = (year, month, day)
        key = self._raw_keys.get(cache_key)
        if key is None:
            key = self._raw_keys[cache_key] = PartitionKey("raw", int(year), int(month), int(day))
        return key

    # -- flushing and committing -----------------------------------------------------------
    def _flush(self, key: PartitionKey) -> None:
        buf = self.buffers.pop(key)
        self.writer.write(key, buf.lines)
        self.buffered -= buf.size
        if key.zone == "raw":
            self.raw_partitions -= 1

    def _flush_due(self, force: bool = False) -> None:
        now = time.monotonic()
        interval = self.cfg.buffer_interval_s
        for key in [
            k
            for k, b in self.buffers.items()
            if force or b.size >= self.buffer_bytes or now - b.opened_at >= interval
        ]:
            self._flush(key)
        while self.buffered > self.total_cap and self.buffers:
            largest = max(self.buffers, key=lambda k: self.buffers[k].size)
            self._flush(largest)

    def _commit(self) -> None:
        """Commit up to just before the oldest record still held in a buffer."""
        pending = [b.first_seq for b in self.buffers.values()]
        target = (min(pending) - 1) if pending else self.consumer.position
        if target > self.consumer.committed:
            self.consumer.commit(target)
        self.report.committed_seq = self.consumer.committed
        self.report.files = self.writer.files
        self.report.bytes_out = self.writer.bytes
        self.report.open_partitions = self.raw_partitions

    # -- driving ---------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask a running :meth:`run` to flush and return."""
        self._stop.set()

    def run(self, *, once: bool = False, poll_timeout_s: float = 1.0) -> DeliveryReport:
        """Deliver until the stream is drained (``once``) or :meth:`stop` is called.

        Everything buffered is flushed and committed before returning.
        """
        try:
            while not self._stop.is_set():
                records = self.consumer.poll(_POLL_RECORDS, 0.0 if once else poll_timeout_s)
                for record in records:
                    self._process(record)
                if self._on_progress and records:
                    self._on_progress(len(records))
                if once and not records:
                    break
                self._flush_due()
                self._commit()
                if self._on_report:
                    self._on_report(self.report)
            self._flush_due(force=True)
            self._commit()
        finally:
            self.backend.close()
        log.info("delivery finished: %s", self.report.as_dict())
        return self.report


def deliver(
    settings: Settings,
    *,
    once: bool = False,
    handle_signals: bool = False,
    on_progress: Callable[[int], None] | None = None,
    on_report: Callable[[DeliveryReport], None] | None = None,
) -> DeliveryReport:
    """Run the delivery stream.

    Args:
        settings: Loaded settings (``settings.deliver`` holds the buffering hints).
        once: Drain what is on the stream, flush, commit and return.
        handle_signals: Stop cleanly (flush + commit) on SIGINT/SIGTERM.
        on_progress: Called with the number of records read after every poll.
        on_report: Called with the report after every poll-and-commit cycle (about once
            a second when the stream is idle), for periodic progress.
    """
    delivery = Delivery(settings, on_progress=on_progress, on_report=on_report)
    previous: dict[signal.Signals, Any] = {}
    if handle_signals:

        def _handler(signum: int, frame: FrameType | None) -> None:
            log.warning("signal %d: flushing and stopping", signum)
            delivery.stop()

        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, _handler)
    try:
        return delivery.run(once=once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
