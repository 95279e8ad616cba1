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
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
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
from courtside.service import PartitionBuffers, ServiceLoop
from courtside.stream.base import Record

log = logging.getLogger(__name__)

TWEETS = "tweets"
_POLL_RECORDS = 10000  # the most one Kinesis GetRecords call returns


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


class _Buffers(PartitionBuffers[PartitionKey]):
    """The delivery's buffers, counting the open ``raw/`` partitions (Firehose's limit on
    active dynamic partitions)."""

    raw = 0

    def opened(self, key: PartitionKey) -> None:
        if key.zone == "raw":
            self.raw += 1

    def closed(self, key: PartitionKey) -> None:
        if key.zone == "raw":
            self.raw -= 1


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


class Delivery(ServiceLoop):
    """One delivery stream consumer. Use :func:`deliver` for the common case."""

    def __init__(
        self,
        settings: Settings,
        *,
        on_progress: Callable[[int], None] | None = None,
        on_report: Callable[[DeliveryReport], None] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.cfg = settings.deliver
        settings.places.lake.check()  # a missing bucket fails before anything is read
        self.backend = open_stream(settings)
        self.consumer = self.backend.consumer(TWEETS, self.cfg.group)
        self.writer = LakeWriter(settings.places.lake, self.cfg.gzip_level)
        self.user_transform = load_transform(self.cfg.transform) if self.cfg.transform else None
        self.validate: RecordValidator = SchemaRegistry.at(settings.state_dir).validator(
            DELIVERED_SUBJECT
        )
        self.report = DeliveryReport(
            committed_seq=self.consumer.committed, schema_version=self.validate.version
        )
        self.report.leftovers_removed = self.writer.remove_leftovers()
        self.max_record_bytes = self.cfg.max_record_kib * 1024
        self.buffers = _Buffers(
            self.writer.write,
            buffer_bytes=int(self.cfg.buffer_mib * 1024 * 1024),
            interval_s=self.cfg.buffer_interval_s,
            total_bytes=int(self.cfg.max_buffered_mib * 1024 * 1024),
        )
        self._add = self.buffers.add
        self._raw_keys: dict[tuple[str, str, str], PartitionKey] = {}
        self._on_progress = on_progress
        self._on_report = on_report

    # -- per record ------------------------------------------------------------------------
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
        if key not in self.buffers and self.buffers.raw >= self.cfg.max_open_partitions:
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

    # -- the service loop: poll, write what is due, commit what is written --------------------
    def poll_once(self, timeout_s: float) -> int:
        records = self.consumer.poll(_POLL_RECORDS, timeout_s)
        for record in records:
            self._process(record)
        return len(records)

    def make_durable(self, *, final: bool) -> None:
        """Write the buffers that are due (all when ``final``), then commit up to just
        before the oldest record still held in a buffer."""
        self.buffers.flush_due(force=final)
        target = self.buffers.safe_position(self.consumer.position)
        if target > self.consumer.committed:
            self.consumer.commit(target)
        self.report.committed_seq = self.consumer.committed
        self.report.files = self.writer.files
        self.report.bytes_out = self.writer.bytes
        self.report.open_partitions = self.buffers.raw
        if self._on_report and not final:
            self._on_report(self.report)

    def close(self) -> None:
        self.backend.close()

    def run(
        self, *, once: bool = False, poll_timeout_s: float = 1.0, handle_signals: bool = False
    ) -> DeliveryReport:
        """Deliver until the stream is drained (``once``) or :meth:`stop` is called (or
        SIGINT/SIGTERM arrives, with ``handle_signals``).

        Everything buffered is flushed and committed before returning.
        """
        self.serve(
            once=once,
            handle_signals=handle_signals,
            poll_timeout_s=poll_timeout_s,
            on_progress=self._on_progress,
        )
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
    return delivery.run(once=once, handle_signals=handle_signals)
