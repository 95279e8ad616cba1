"""The embedded detector: our own small event-time runtime on the durable streams.

It reads ``tweets`` and ``control`` as one consumer group (``detect.group``) and merges
them by append time (a control change applies to the tweets appended after it). Each
tweet is enriched, filtered by the control table *before* event time is assigned (tweets
of an allowed team neither count nor move the watermark), then handed to the
:class:`~courtside.detect.runtime.WindowOperator`.

**Idleness.** The watermark only moves with event time, so after a burst followed by
silence no window would ever fire. When ``tweets`` has delivered nothing for
``idleness_s`` of wall-clock time, the input counts as idle and stops holding the
watermark back: event time is taken to advance with the wall clock from the last record
on, ``watermark = max event time + silence - out-of-orderness - 1 ms``.

**Exactly-once outputs across kill -9.** Outputs of an epoch (alerts, late events,
all-tweets) are buffered; a checkpoint then

1. stages the side-output files under hidden names,
2. saves one SQLite row with the operator state, the control table, the input positions,
   the output sequence number, the alerts of the epoch (the *outbox*) and the staged
   file names (atomic),
3. commits: renames the staged files, appends the outbox to ``alerts`` (each alert
   carries ``detector`` and its ``emit_seq``), and only then commits the input positions.

After a crash, the engine restores the last checkpoint and finishes step 3 for it: the
alerts of the outbox that are already on ``alerts`` (found by ``emit_seq``) are not sent
again, the other staged files are deleted, and the replay from the checkpointed positions
regenerates exactly the lost epoch (processing is deterministic). So a kill -9 neither
drops a window nor sends an alert twice.

**Bad records.** A tweet or control event that cannot be used (not JSON, no usable event
time, a malformed control event...) is counted by reason and written, with the reason and
its original bytes, to the ``detect-errors/`` side output (by arrival date), in the same
checkpointed epoch as the other outputs; posts that are simply not about known players
are only counted. An unexpected exception while handling one record is caught as
``InternalError`` and routed the same way, so no record can stop the detector or make it
crash and replay the same record forever.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import orjson

from courtside.config import Settings
from courtside.detect.checkpoint import CheckpointStore
from courtside.detect.logic import (
    Evaluated,
    PlayerLookup,
    evaluated_doc,
    late_doc,
    parse_control_bytes,
    try_enrich,
)
from courtside.detect.report import SKIP_CODES, DetectReport
from courtside.detect.runtime import WindowOperator
from courtside.detect.sideoutputs import (
    ALL_ZONE,
    ERRORS_ZONE,
    LATE_ZONE,
    SideOutputWriter,
    error_doc,
)
from courtside.errors import RecordError
from courtside.home import open_stream
from courtside.records import describe_exception, iso_utc, loads
from courtside.reference.players import PlayersTable
from courtside.reference.sources import players_of
from courtside.service import ServiceLoop
from courtside.stream.base import Consumer, Record

log = logging.getLogger(__name__)

TWEETS, CONTROL, ALERTS = "tweets", "control", "alerts"
_CONTROL_POLL = 1000
_FOLLOW_POLL_S = 0.5


def _position(body: dict[str, Any], stream: str) -> dict[str, Any]:
    """An input's position in a checkpoint body (bodies written before positions were
    snapshots hold only the local log's sequence number)."""
    position = body.get(f"{stream}_pos")
    return position if isinstance(position, dict) else {"seq": int(body[f"{stream}_seq"])}


class EmbeddedDetector(ServiceLoop):
    """One embedded detector. Use :func:`run_embedded` for the common case.

    Args:
        settings: Loaded settings (``settings.detect`` holds the event-time options).
        players: The players table (default: the home's table).
        clock: Wall clock in seconds (injectable for idleness tests).
        durable: fsync checkpoints and side outputs (benchmarks may turn it off).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        players: PlayersTable | None = None,
        clock: Callable[[], float] = time.time,
        durable: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.cfg = cfg = settings.detect
        self.players = players if players is not None else players_of(settings)
        self.lookup = PlayerLookup(self.players)
        self.clock = clock
        settings.places.lake.check()  # a missing bucket fails before anything is read
        self.backend = open_stream(settings)
        self.tweets = self.backend.consumer(TWEETS, cfg.group)
        self.control = self._control_consumer(settings)
        self.op = WindowOperator(
            cfg.window_ms, cfg.lateness_ms, cfg.out_of_orderness_ms, cfg.min_count
        )
        self.allowed: dict[str, bool] = {}
        self.store = CheckpointStore(settings.state_dir / f"detect-{cfg.group}.db", durable=durable)
        self.side = SideOutputWriter(settings.places.lake, f"detect-{cfg.group}", durable=durable)
        self.report = DetectReport(engine="embedded")
        self._ctrl_buf: deque[Record] = deque()
        self._tweets_seq = self.tweets.committed
        self._control_seq = self.control.committed
        self._ckpt_id = 0
        self._emit_seq = 0
        self._outbox: list[dict[str, Any]] = []
        self._all: list[dict[str, Any]] = []
        self._late: list[dict[str, Any]] = []
        self._errors: list[dict[str, Any]] = []
        self._dirty = False
        self._since_ckpt = 0
        self._last_ckpt = time.monotonic()
        self._last_data = clock()
        self._recover()

    def _control_consumer(self, settings: Settings) -> Consumer:
        """The control changes: the ``control`` stream, or the DynamoDB control table's
        stream (``[aws] control_table``), checkpointed in the Kinesis lease table."""
        table = settings.aws.control_table
        if not table:
            return self.backend.consumer(CONTROL, self.cfg.group)
        from courtside.reference.dynamo import control_stream_arn
        from courtside.stream.dynamodb_streams import control_consumer
        from courtside.stream.kinesis import KinesisStreams
        from courtside.stream.kinesis_leases import LeaseTable, process_owner

        stream = settings.stream
        if isinstance(self.backend, KinesisStreams):
            leases, owner = self.backend.leases, self.backend.owner
        else:
            leases = LeaseTable(
                stream.kinesis_lease_table, settings.aws, timeout_s=stream.kinesis_lease_timeout_s
            )
            owner = process_owner()
        arn = control_stream_arn(settings.aws, table)
        return control_consumer(arn, settings.aws, leases, self.cfg.group, owner)

    # -- recovery --------------------------------------------------------------------------
    def _recover(self) -> None:
        body = self.store.load()
        if body is None:
            self.side.abort_stray()
            return
        self._ckpt_id = int(body["ckpt_id"])
        self._emit_seq = int(body["emit_seq"])
        self._tweets_seq = int(body["tweets_seq"])
        self._control_seq = int(body["control_seq"])
        self.allowed = {team: True for team in body["allowed"]}
        self.op.restore(body["operator"])
        # The inputs' positions as of the checkpoint, valid on any stream backend (global
        # sequence numbers on the local log, shard positions on Kinesis).
        self.tweets.restore(_position(body, "tweets"))
        self.control.restore(_position(body, "control"))
        self._tweets_seq = self.tweets.position
        self._control_seq = self.control.position
        self.side.abort_stray(keep=body["pending"])
        self._complete(body, recovering=True)
        log.info(
            "restored checkpoint %d (tweets seq %d, control seq %d)",
            self._ckpt_id,
            self._tweets_seq,
            self._control_seq,
        )

    def _already_sent(self, after_seq: int) -> int:
        """The highest ``emit_seq`` of ours on ``alerts`` after ``after_seq``."""
        sent = 0
        for rec in self.backend.read_all(ALERTS, after_seq):
            try:
                doc = loads(rec.data)
            except RecordError:
                continue
            if doc.get("detector") == self.cfg.group and isinstance(doc.get("emit_seq"), int):
                sent = max(sent, doc["emit_seq"])
        return sent

    def _complete(self, body: dict[str, Any], *, recovering: bool = False) -> None:
        """Phase two of a checkpoint: publish its outputs, then commit its positions."""
        self.side.commit(body["pending"])
        outbox = body["outbox"]
        if recovering and outbox:
            sent = self._already_sent(int(body["alerts_after_seq"]))
            outbox = [a for a in outbox if a["emit_seq"] > sent]
        if outbox:
            self.backend.append_many(ALERTS, [orjson.dumps(a) for a in outbox])
        self.tweets.commit_snapshot(_position(body, "tweets"))
        self.control.commit_snapshot(_position(body, "control"))

    # -- checkpoints -----------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Take a checkpoint and publish the outputs of the epoch (see module docstring)."""
        self._ckpt_id += 1
        pending = (
            self.side.stage(ALL_ZONE, self._all)
            + self.side.stage(LATE_ZONE, self._late)
            + self.side.stage(ERRORS_ZONE, self._errors)
        )
        body = {
            "ckpt_id": self._ckpt_id,
            "tweets_seq": self._tweets_seq,
            "control_seq": self._control_seq,
            "tweets_pos": self.tweets.snapshot(self._tweets_seq),
            "control_pos": self.control.snapshot(self._control_seq),
            "emit_seq": self._emit_seq,
            "allowed": sorted(self.allowed),
            "operator": self.op.snapshot(),
            "alerts_after_seq": self.backend.last_seq(ALERTS),
            "outbox": self._outbox,
            "pending": pending,
        }
        self.store.save(self._ckpt_id, body)
        self._complete(body)
        self._outbox, self._all, self._late, self._errors = [], [], [], []
        self._dirty = False
        self._since_ckpt = 0
        self._last_ckpt = time.monotonic()
        self.report.checkpoints += 1

    def _maybe_checkpoint(self) -> None:
        cfg = self.cfg
        if self._since_ckpt >= cfg.checkpoint_records or (
            self._dirty and time.monotonic() - self._last_ckpt >= cfg.checkpoint_interval_s
        ):
            self.checkpoint()

    # -- per record ------------------------------------------------------------------------
    def _drain(self) -> None:
        op = self.op
        if op.alerts:
            for alert in op.alerts:
                self._emit_seq += 1
                alert["detector"] = self.cfg.group
                alert["emit_seq"] = self._emit_seq
                self._outbox.append(alert)
                self.report.count_alert(alert)
            op.alerts.clear()
        if op.late:
            window_ms = op.window_ms
            for item in op.late:
                self._late.append(late_doc(item, window_ms))
                log.debug(
                    "late record %s for %s (watermark %d)", item.post_id, item.target, op.watermark
                )
            self.report.late += len(op.late)
            op.late.clear()

    def _reject(self, rec: Record, stream: str, code: str, message: object) -> None:
        """Count a record that was skipped or bad; bad ones also go to ``detect-errors/``."""
        self.report.error(code, message, stream, rec.seq)
        if code not in SKIP_CODES:
            self._errors.append(error_doc(rec, stream, code, message, self.cfg.group))

    def _on_control(self, rec: Record) -> None:
        self._control_seq = rec.seq
        self._dirty = True
        try:
            change = parse_control_bytes(rec.data)
        except RecordError as exc:
            self._reject(rec, CONTROL, exc.code, exc)
            return
        except Exception as exc:  # noqa: BLE001 - last line: one event never stops the detector
            log.debug("unexpected error on control seq %d", rec.seq, exc_info=True)
            self._reject(rec, CONTROL, "InternalError", describe_exception(exc))
            return
        self.report.control_events += 1
        if change.allowed:
            self.allowed[change.team] = True
        else:
            self.allowed.pop(change.team, None)

    def _on_tweet(self, rec: Record) -> None:
        self._tweets_seq = rec.seq
        self._since_ckpt += 1
        self._dirty = True
        self.report.tweets += 1
        try:
            self._evaluate(rec)
        except Exception as exc:  # noqa: BLE001 - last line: one tweet never stops the detector
            log.debug("unexpected error on tweet seq %d", rec.seq, exc_info=True)
            self._reject(rec, TWEETS, "InternalError", describe_exception(exc))

    def _evaluate(self, rec: Record) -> None:
        report = self.report
        try:
            doc = orjson.loads(rec.data)
        except orjson.JSONDecodeError:
            doc = None
        if type(doc) is not dict:
            try:
                loads(rec.data)  # classify the bad record (NotJson, NotUtf8, ...)
                result: tuple[list[Evaluated], int] | RecordError = RecordError(
                    "NotObject", "record is not a JSON object"
                )
            except RecordError as exc:
                result = exc
        else:
            result = try_enrich(doc, self.lookup)
        if isinstance(result, RecordError):
            self._reject(rec, TWEETS, result.code, result)
            return
        items, unknown = result
        report.unknown_destinations += unknown
        if items[0].team in self.allowed:
            report.allowed_skipped += 1
            return
        op = self.op
        for item in items:
            self._all.append(evaluated_doc(item))
            op.process(item)
        report.evaluated += len(items)
        op.advance(items[0].event_ms)
        if op.alerts or op.late:
            self._drain()

    def _apply_control_until(self, ts_ms: int | None) -> None:
        buf = self._ctrl_buf
        while buf and (ts_ms is None or buf[0].ts_ms <= ts_ms):
            self._on_control(buf.popleft())

    # -- driving ---------------------------------------------------------------------------
    def step(self, timeout_s: float = 0.0) -> int:
        """Read and process one batch; return how many tweets it held."""
        while True:
            batch = self.control.poll(_CONTROL_POLL, 0.0)
            self._ctrl_buf.extend(batch)
            if len(batch) < _CONTROL_POLL:
                break
        wait = 0.0 if self._ctrl_buf else timeout_s
        records = self.tweets.poll(self.cfg.poll_records, wait)
        for rec in records:
            if self._ctrl_buf:
                self._apply_control_until(rec.ts_ms)
            self._on_tweet(rec)
            if self._since_ckpt >= self.cfg.checkpoint_records:
                self.checkpoint()
        if records:
            self._last_data = self.clock()
        else:
            self._apply_control_until(None)  # tweets drained: later changes apply now
        return len(records)

    def check_idle(self) -> bool:
        """Advance the watermark with the wall clock once ``tweets`` has been idle for
        ``idleness_s``. Returns True when the input is idle."""
        silence_ms = int((self.clock() - self._last_data) * 1000)
        if silence_ms < self.cfg.idleness_ms or self.op.max_event_ms is None:
            return False
        before = self.op.watermark
        self.op.set_watermark(self.op.max_event_ms + silence_ms - self.cfg.out_of_orderness_ms - 1)
        if self.op.watermark != before:
            self._dirty = True
            self._drain()
        return True

    # -- the service loop: poll, checkpoint when due, a last checkpoint on stop --------------
    def poll_once(self, timeout_s: float) -> int:
        return self.step(timeout_s)

    def on_idle(self) -> None:
        self.check_idle()

    def finish(self, *, once: bool) -> None:
        if once:  # the end of the streams is the end of input: every open window fires
            self.op.flush()
            self._drain()
            self._dirty = True

    def make_durable(self, *, final: bool) -> None:
        if not final:
            self._maybe_checkpoint()
        elif self._dirty or self._outbox:
            self.checkpoint()

    def run(
        self,
        *,
        once: bool = False,
        on_progress: Callable[[int], None] | None = None,
        poll_timeout_s: float = _FOLLOW_POLL_S,
        handle_signals: bool = False,
    ) -> DetectReport:
        """Process until the streams are drained (``once``) or :meth:`stop` is called (or
        SIGINT/SIGTERM arrives, with ``handle_signals``).

        With ``once`` the end of the streams is the end of input: every window that has
        not fired fires (as in a bounded Flink job). A final checkpoint is always taken.
        """
        self.serve(
            once=once,
            handle_signals=handle_signals,
            poll_timeout_s=poll_timeout_s,
            on_progress=on_progress,
        )
        self._finish_report()
        log.info("detector finished: %s", self.report.as_dict())
        return self.report

    def _finish_report(self) -> None:
        rep, op = self.report, self.op
        rep.watermark = iso_utc(op.watermark) if op.watermark >= 0 else None
        rep.open_windows = op.open_windows
        rep.tweets_seq = self._tweets_seq
        rep.control_seq = self._control_seq

    def close(self) -> None:
        """Release the consumers (their leases), the streams and the checkpoint file."""
        self.tweets.close()
        self.control.close()  # may come from DynamoDB Streams, not from the backend
        self.store.close()
        self.backend.close()


def run_embedded(
    settings: Settings,
    *,
    once: bool = False,
    handle_signals: bool = False,
    players: PlayersTable | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> DetectReport:
    """Run the embedded detector.

    Args:
        settings: Loaded settings.
        once: Process what is on the streams, fire every open window and return.
        handle_signals: Stop cleanly (checkpoint first) on SIGINT/SIGTERM.
        players: The players table (default: the home's).
        on_progress: Called with the number of tweets read after every batch.
    """
    detector = EmbeddedDetector(settings, players=players)
    return detector.run(once=once, on_progress=on_progress, handle_signals=handle_signals)
