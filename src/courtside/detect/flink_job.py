"""The detector as a PyFlink DataStream job (the original's Flink application).

The same logic as the embedded engine (:mod:`courtside.detect.logic`), wired the Flink
way::

    tweets (JSON lines) -> enrich ------------------------\\
                                                           connect -> key_by(team)
    control (DynamoDB stream records) -> parse control ---/     -> ControlFilter (ValueState)
        -> [side output: all-tweets]
        -> assign timestamps + watermarks (bounded out-of-orderness, idleness)
        -> key_by(team, destination player)
        -> TumblingEventTimeWindows + allowed_lateness + side_output_late_data
        -> AlertWindowFunction (ProcessWindowFunction)  -> alerts
                                                         -> [side output: late events]

As in the original, the control filter runs *before* event time is assigned, so tweets of
an allowed team neither count nor move the watermark. Every operator has a name and a
stable uid, so savepoints survive changes to the job.

Flink gives no order between the two inputs of a connected stream, so "allowed from the
start" cannot rely on the control record arriving first: the control table's state when
the input starts is passed to :class:`ControlFilter` as its initial state (the way a
state-processor bootstrap would), and the control stream carries the changes after it.

Locally the inputs are JSON-lines files exported from the streams (``FileSource``,
bounded, or continuously monitored for a live run); on a cluster the two sources are
Kafka or Kinesis sources of the same records (see the README). PyFlink is imported here at
module level: import this module only where PyFlink is wanted.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from pyflink.common import Configuration, Duration, Types, WatermarkStrategy
from pyflink.common.watermark_strategy import TimestampAssigner
from pyflink.datastream import (
    DataStream,
    OutputTag,
    RuntimeExecutionMode,
    StreamExecutionEnvironment,
)
from pyflink.datastream.connectors.file_system import FileSource, StreamFormat
from pyflink.datastream.functions import (
    KeyedCoProcessFunction,
    ProcessFunction,
    ProcessWindowFunction,
    RuntimeContext,
)
from pyflink.datastream.state import ValueStateDescriptor
from pyflink.datastream.window import Time, TumblingEventTimeWindows

from courtside.detect.config import DetectSettings
from courtside.detect.logic import (
    Evaluated,
    build_alert,
    enrich,
    evaluated_doc,
    late_doc,
    parse_control_bytes,
    summarise,
)
from courtside.errors import RecordError
from courtside.records import loads
from courtside.reference.players import PlayersTable

__all__ = [
    "AlertWindowFunction",
    "ControlFilter",
    "build_job",
    "make_env",
    "tagged",
]

# Tags of the collected output lines: "<tag>\t<json>".
ALERT, LATE, ALL, ERROR = "alert", "late", "all", "error"

ERRORS_TAG = OutputTag("errors", Types.STRING())
ALL_TWEETS_TAG = OutputTag("all-tweets", Types.STRING())
LATE_TAG = OutputTag("late-events")  # pickled Evaluated items


def _error_line(exc: RecordError, where: str) -> str:
    return orjson.dumps({"code": exc.code, "message": str(exc)[:300], "where": where}).decode()


class EnrichTweets(ProcessFunction):
    """JSON line -> evaluated items; bad records go to the errors side output."""

    def __init__(self, players_csv: str) -> None:
        self.players_csv = players_csv
        self.players: PlayersTable | None = None

    def open(self, runtime_context: RuntimeContext) -> None:
        self.players = PlayersTable.from_csv_text(self.players_csv, source="players")

    def process_element(self, value: str, ctx: ProcessFunction.Context) -> Iterator[Any]:
        assert self.players is not None
        try:
            items, _unknown = enrich(loads(value.encode("utf-8")), self.players)
        except RecordError as exc:
            yield ERRORS_TAG, _error_line(exc, "tweet")
            return
        yield from items


class ParseControl(ProcessFunction):
    """Control change event (JSON line) -> (team, allowed); bad ones to the errors output."""

    def process_element(self, value: str, ctx: ProcessFunction.Context) -> Iterator[Any]:
        try:
            change = parse_control_bytes(value.encode("utf-8"))
        except RecordError as exc:
            yield ERRORS_TAG, _error_line(exc, "control")
            return
        yield tuple(change)


class ControlFilter(KeyedCoProcessFunction):
    """Keyed by source team: drops tweets of allowed teams (ValueState per team).

    Input 1 is evaluated items, input 2 is ``(team, allowed)`` changes. Every item that
    passes also goes to the all-tweets side output.

    Args:
        initial_allowed: Teams allowed when the input starts (see the module docstring).
    """

    def __init__(self, initial_allowed: Iterable[str] = ()) -> None:
        self.initial_allowed = frozenset(initial_allowed)
        self.allowed: Any = None

    def open(self, runtime_context: RuntimeContext) -> None:
        self.allowed = runtime_context.get_state(ValueStateDescriptor("allowed", Types.BOOLEAN()))

    def process_element1(self, value: Evaluated, ctx: Any) -> Iterator[Any]:
        allowed = self.allowed.value()
        if allowed is None:
            allowed = value.team in self.initial_allowed
        if allowed:
            return
        yield ALL_TWEETS_TAG, orjson.dumps(evaluated_doc(value)).decode()
        yield value

    def process_element2(self, value: tuple[str, bool], ctx: Any) -> Iterator[Any]:
        self.allowed.update(bool(value[1]))
        yield from ()


class EventTime(TimestampAssigner):
    """Event time of an evaluated item (``event_time`` ms, else ``created_at``)."""

    def extract_timestamp(self, value: Evaluated, record_timestamp: int) -> int:
        return int(value.event_ms)


_EMITTED = ValueStateDescriptor("emitted", Types.PICKLED_BYTE_ARRAY())


class AlertWindowFunction(ProcessWindowFunction):
    """The window function: an alert when the window holds ``min_count`` or more
    cross-team posts. Per-window state remembers the last emitted count and version, so
    a re-firing (allowed lateness) emits an update with the same alert id."""

    def __init__(self, min_count: int) -> None:
        self.min_count = min_count

    def process(
        self, key: tuple[str, str], context: Any, elements: Iterable[Evaluated]
    ) -> Iterator[str]:
        total, players = summarise(elements)
        state = context.window_state().get_state(_EMITTED)
        emitted_total, version = state.value() or (0, 0)
        if total < self.min_count or total == emitted_total:
            return
        version += 1
        state.update((total, version))
        window = context.window()
        alert = build_alert(
            key[0], key[1], window.start, window.end - window.start, total, players, version
        )
        yield orjson.dumps(alert).decode()

    def clear(self, context: Any) -> None:
        context.window_state().get_state(_EMITTED).clear()


def make_env(
    parallelism: int = 1, config: dict[str, str] | None = None
) -> StreamExecutionEnvironment:
    """A streaming environment (a local mini-cluster unless run by ``flink run``) whose
    Python workers use this interpreter."""
    conf = Configuration()
    conf.set_string("python.executable", sys.executable)
    conf.set_string("python.client.executable", sys.executable)
    for key, value in (config or {}).items():
        conf.set_string(key, value)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_runtime_mode(RuntimeExecutionMode.STREAMING)
    env.set_parallelism(parallelism)
    return env


def _file_source(path: str, monitor_ms: int | None) -> FileSource:
    builder = FileSource.for_record_stream_format(StreamFormat.text_line_format(), path)
    if monitor_ms is None:
        builder = builder.process_static_file_set()
    else:
        builder = builder.monitor_continuously(Duration.of_millis(monitor_ms))
    return builder.build()


def build_job(
    env: StreamExecutionEnvironment,
    tweets: DataStream,
    control: DataStream,
    cfg: DetectSettings,
    players_csv: str,
    initial_allowed: Iterable[str] = (),
) -> DataStream:
    """Wire the detector on two streams of JSON lines.

    Returns:
        One stream of ``"<tag>\\t<json>"`` strings, tag ``alert``, ``late``, ``all`` or
        ``error``: the alerts, both side outputs and the bad records, for a sink to split.
    """
    window_ms = cfg.window_ms
    enriched = tweets.process(EnrichTweets(players_csv)).name("enrich tweets").uid("enrich-tweets")
    changes = control.process(ParseControl()).name("parse control").uid("parse-control")
    filtered = (
        enriched.connect(changes)
        .key_by(lambda item: item.team, lambda change: change[0])
        .process(ControlFilter(initial_allowed))
        .name("control filter")
        .uid("control-filter")
    )
    strategy = (
        WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(cfg.out_of_orderness_ms))
        .with_idleness(Duration.of_millis(cfg.idleness_ms))
        .with_timestamp_assigner(EventTime())
    )
    timed = filtered.assign_timestamps_and_watermarks(strategy).name("event time").uid("event-time")
    alerts = (
        timed.key_by(lambda item: (item.team, item.target))
        .window(TumblingEventTimeWindows.of(Time.milliseconds(window_ms)))
        .allowed_lateness(cfg.lateness_ms)
        .side_output_late_data(LATE_TAG)
        .process(AlertWindowFunction(cfg.min_count), Types.STRING())
        .name("tampering windows")
        .uid("tampering-windows")
    )
    late = (
        alerts.get_side_output(LATE_TAG)
        .map(
            lambda item: LATE + "\t" + orjson.dumps(late_doc(item, window_ms)).decode(),
            Types.STRING(),
        )
        .name("late events")
        .uid("late-events")
    )
    every = (
        filtered.get_side_output(ALL_TWEETS_TAG)
        .map(lambda line: ALL + "\t" + line, Types.STRING())
        .name("all tweets")
        .uid("all-tweets")
    )
    errors = (
        enriched.get_side_output(ERRORS_TAG)
        .union(changes.get_side_output(ERRORS_TAG))
        .map(lambda line: ERROR + "\t" + line, Types.STRING())
        .name("bad records")
        .uid("bad-records")
    )
    tagged_alerts = (
        alerts.map(lambda line: ALERT + "\t" + line, Types.STRING()).name("alerts").uid("alerts")
    )
    return tagged_alerts.union(late, every, errors)


def file_job(
    env: StreamExecutionEnvironment,
    tweets_path: str,
    control_path: str,
    cfg: DetectSettings,
    players_csv: str,
    initial_allowed: Iterable[str] = (),
    monitor_ms: int | None = None,
) -> DataStream:
    """:func:`build_job` on JSON-lines files (a directory each), bounded or, with
    ``monitor_ms``, continuously monitored for new files."""
    tweets = env.from_source(
        _file_source(tweets_path, monitor_ms), WatermarkStrategy.no_watermarks(), "tweets"
    ).uid("tweets-source")
    control = env.from_source(
        _file_source(control_path, monitor_ms), WatermarkStrategy.no_watermarks(), "control"
    ).uid("control-source")
    return build_job(env, tweets, control, cfg, players_csv, initial_allowed)


def tagged(line: str) -> tuple[str, dict[str, Any]]:
    """Split a collected ``"<tag>\\t<json>"`` line."""
    tag, _, doc = line.partition("\t")
    return tag, orjson.loads(doc)
