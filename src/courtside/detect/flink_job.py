"""The detector as a PyFlink DataStream job (the original's Flink application).

The same logic as the embedded engine (:mod:`courtside.detect.logic`), wired the Flink
way, with as few Python operators as the semantics allow::

    tweets (JSON lines) ----------------------------\\
                                                     connect -> parse, enrich, control filter
    control (DynamoDB stream records) -> broadcast -/     (broadcast state: team -> allowed)
        -> [side output: all-tweets, bad records, marks, counts]
        -> event time: bounded out-of-orderness + idleness      (Java)
        -> key by (team, destination player)                     (Java)
        -> TumblingEventTimeWindows + allowed_lateness + side_output_late_data
        -> aggregate (count, players) + AlertWindowFunction      -> alerts
                                                                  -> [late events]

Parsing, enrichment and the control filter are one Python operator: the control table is
broadcast state, so a tweet meets its team's flag in the operator that parsed it. As in
the original, the filter runs *before* event time is assigned, so tweets of an allowed
team neither count nor move the watermark. The fused operator emits each evaluated item
with its event time, so timestamps, watermarks and the key are set by Flink's own Java
operators; only the window function is Python again.

Every output is a ``"<tag>\\t<json>"`` line on one stream for one sink (a ``FileSink``,
committed on checkpoints). Besides the alerts and the two side outputs the job writes
*marks* (an input file's end, see :mod:`courtside.detect.flink_export`) and *counts*
(records skipped by reason), so whoever reads the committed output knows how far the
input is covered.

Flink gives no order between the two inputs, so "allowed from the start" cannot rely on
the control record arriving first: the control table's state when the input starts is
passed as ``initial_allowed`` (a team without broadcast state falls back to it) and the
control stream carries the changes after it.

Every operator has a readable name and a stable uid (:data:`OPERATORS`), so savepoints
survive restarts and changes of parallelism. PyFlink is imported at module level: import
this module only where PyFlink is wanted.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from pyflink.common import Configuration, Duration, Row, Types, WatermarkStrategy
from pyflink.common.serialization import Encoder
from pyflink.datastream import DataStream, OutputTag, RuntimeExecutionMode
from pyflink.datastream import StreamExecutionEnvironment as Env
from pyflink.datastream.connectors.file_system import (
    BucketAssigner,
    FileSink,
    FileSource,
    OutputFileConfig,
    RollingPolicy,
    StreamFormat,
)
from pyflink.datastream.data_stream import KeyedStream
from pyflink.datastream.functions import (
    AggregateFunction,
    BroadcastProcessFunction,
    ProcessWindowFunction,
    RuntimeContext,
)
from pyflink.datastream.state import MapStateDescriptor, ValueStateDescriptor
from pyflink.datastream.window import Time, TumblingEventTimeWindows
from pyflink.java_gateway import get_gateway

from courtside.detect.config import DetectSettings
from courtside.detect.flink_export import MARK_PREFIX
from courtside.detect.logic import (
    Evaluated,
    PlayerLookup,
    build_alert,
    evaluated_doc,
    late_doc,
    parse_control,
    try_enrich,
)
from courtside.detect.report import SKIP_CODES
from courtside.errors import RecordError
from courtside.reference.players import PlayersTable

__all__ = [
    "OPERATORS",
    "AlertWindowFunction",
    "ParseEnrichFilter",
    "build_job",
    "file_job",
    "make_env",
    "output_sink",
    "tagged",
]

# Tags of the output lines: "<tag>\t<json>".
ALERT, LATE, ALL, ERROR, MARK, COUNTS = "alert", "late", "all", "error", "mark", "counts"

# uid -> readable name of every operator; uids never change (savepoint compatibility).
OPERATORS = {
    "tweets-source": "tweets",
    "control-source": "control",
    "parse-enrich-control": "parse, enrich, control filter",
    "event-time": "event time (bounded out-of-orderness)",
    "strip-event-time": "strip event time",
    "tampering-windows": "tampering windows",
    "late-events": "late events",
    "detector-output": "detector output",
}

OUT_TAG = OutputTag("detector-out", Types.STRING())
CONTROL_STATE = MapStateDescriptor("control", Types.STRING(), Types.BOOLEAN())
KEY_TYPE = Types.TUPLE([Types.STRING(), Types.STRING()])


def _item_type() -> Any:
    # A new object per use: a type converted to Java once can no longer be pickled, and
    # the window operator pickles the late-data tag with its type.
    return Types.ROW_NAMED(
        list(Evaluated._fields), [Types.STRING(), Types.LONG()] + [Types.STRING()] * 5
    )


ITEM_TYPE = _item_type()
KEYED_TYPE = Types.ROW([KEY_TYPE, ITEM_TYPE])
TIMED_TYPE = Types.TUPLE([KEYED_TYPE, Types.LONG()])
_COUNTS_EVERY = 10_000
_EMITTED = ValueStateDescriptor("emitted", Types.PICKLED_BYTE_ARRAY())


def _line(tag: str, doc: Any) -> str:
    return tag + "\t" + orjson.dumps(doc).decode()


def _error_line(exc: RecordError, where: str) -> str:
    return _line(ERROR, {"code": exc.code, "message": str(exc)[:300], "where": where})


def _subtask_index(runtime_context: RuntimeContext) -> int:
    try:
        return int(runtime_context.get_index_of_this_subtask())
    except AttributeError:  # PyFlink 2 thread mode calls a Java method Flink 2 removed
        java = runtime_context._runtime_context
        return int(java.getTaskInfo().getIndexOfThisSubtask())


def _parse(value: str) -> dict[str, Any] | RecordError:
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        return RecordError("NotJson", f"record is not JSON: {exc}")
    if type(doc) is not dict:
        return RecordError("NotObject", f"record is a JSON {type(doc).__name__}, not an object")
    return doc


class ParseEnrichFilter(BroadcastProcessFunction):
    """Parse, enrich and control-filter tweets in one operator.

    Input 1 is tweets as JSON lines, input 2 the control change events (broadcast, so the
    control table is broadcast state: team -> allowed). Outputs: evaluated items with their
    event time for the windows; all-tweets documents, bad records, marks and counts on the
    side output.

    Args:
        players_csv: The players table as CSV text.
        initial_allowed: Teams allowed when the input starts (module docstring).
    """

    def __init__(self, players_csv: str, initial_allowed: Iterable[str] = ()) -> None:
        self.players_csv = players_csv
        self.initial_allowed = frozenset(initial_allowed)
        self.lookup: PlayerLookup | None = None
        self.allowed: dict[str, bool] | None = None
        self.first = True
        self.counts: dict[str, int] = {}
        self.since_counts = 0

    def open(self, runtime_context: RuntimeContext) -> None:
        self.lookup = PlayerLookup(PlayersTable.from_csv_text(self.players_csv, source="players"))
        self.first = _subtask_index(runtime_context) == 0
        self.allowed, self.counts, self.since_counts = None, {}, 0

    def _count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def _flush_counts(self) -> Iterator[Any]:
        if self.counts:
            yield OUT_TAG, _line(COUNTS, self.counts)
            self.counts = {}
        self.since_counts = 0

    def process_element(self, value: str, ctx: Any) -> Iterator[Any]:
        if value.startswith(MARK_PREFIX):
            yield from self._flush_counts()
            yield OUT_TAG, MARK + "\t" + value[len(MARK_PREFIX) :]
            return
        self._count("tweets")
        self.since_counts += 1
        if self.since_counts >= _COUNTS_EVERY:
            yield from self._flush_counts()
        doc = _parse(value)
        assert self.lookup is not None
        result = doc if isinstance(doc, RecordError) else try_enrich(doc, self.lookup)
        if isinstance(result, RecordError):
            if result.code in SKIP_CODES:  # not about players: counted, not listed
                self._count("code:" + result.code)
            else:
                yield OUT_TAG, _error_line(result, "tweet")
            return
        items, unknown = result
        if unknown:
            self._count("unknown_destinations", unknown)
        if self.allowed is None:  # first tweet since (re)start: mirror the broadcast state
            self.allowed = dict(ctx.get_broadcast_state(CONTROL_STATE).items())
        team = items[0].team
        allowed = self.allowed.get(team)
        if allowed if allowed is not None else team in self.initial_allowed:
            self._count("allowed_skipped")
            return
        for item in items:
            yield OUT_TAG, _line(ALL, evaluated_doc(item))
            yield Row((item.team, item.target), Row(*item)), item.event_ms

    def process_broadcast_element(self, value: str, ctx: Any) -> Iterator[Any]:
        if value.startswith(MARK_PREFIX):
            if self.first:  # every subtask sees the broadcast; one reports it
                yield OUT_TAG, MARK + "\t" + value[len(MARK_PREFIX) :]
            return
        doc = _parse(value)
        try:
            if isinstance(doc, RecordError):
                raise doc
            change = parse_control(doc)
        except RecordError as exc:
            if self.first:
                yield OUT_TAG, _error_line(exc, "control")
            return
        ctx.get_broadcast_state(CONTROL_STATE).put(change.team, change.allowed)
        if self.allowed is not None:
            self.allowed[change.team] = change.allowed
        if self.first:
            yield OUT_TAG, _line(COUNTS, {"control_events": 1})


class WindowCounts(AggregateFunction):
    """Incremental window state: cross-team posts and their distinct source players."""

    def create_accumulator(self) -> list[Any]:
        return [0, []]

    def add(self, value: Row, accumulator: list[Any]) -> list[Any]:
        # value is an Evaluated row: 2 = team, 3 = player, 6 = target_team.
        if value[2] != value[6]:
            accumulator[0] += 1
            if value[3] not in accumulator[1]:
                accumulator[1].append(value[3])
        return accumulator

    def get_result(self, accumulator: list[Any]) -> list[Any]:
        return accumulator

    def merge(self, a: list[Any], b: list[Any]) -> list[Any]:
        return [a[0] + b[0], sorted(set(a[1]) | set(b[1]))]


class AlertWindowFunction(ProcessWindowFunction):
    """The window function: an alert when the window holds ``min_count`` or more
    cross-team posts. Per-window state remembers the last emitted count and version, so
    a re-firing (allowed lateness) emits an update with the same alert id."""

    def __init__(self, min_count: int) -> None:
        self.min_count = min_count

    def process(self, key: tuple[str, str], context: Any, elements: Iterable[Any]) -> Iterator[str]:
        for total, players in elements:
            state = context.window_state().get_state(_EMITTED)
            emitted_total, version = state.value() or (0, 0)
            if total < self.min_count or total == emitted_total:
                continue
            version += 1
            state.update((total, version))
            start, end = context.window().start, context.window().end
            alert = build_alert(key[0], key[1], start, end - start, total, players, version)
            yield _line(ALERT, alert)

    def clear(self, context: Any) -> None:
        context.window_state().get_state(_EMITTED).clear()


def make_env(parallelism: int = 1, config: dict[str, str] | None = None) -> Env:
    """A streaming environment (a local mini-cluster unless run by ``flink run``) whose
    Python functions use this interpreter; ``config`` adds Flink options."""
    conf = Configuration()
    conf.set_string("python.executable", sys.executable)
    conf.set_string("python.client.executable", sys.executable)
    for key, value in (config or {}).items():
        conf.set_string(key, value)
    env = Env.get_execution_environment(conf)
    env.set_runtime_mode(RuntimeExecutionMode.STREAMING)
    env.set_parallelism(parallelism)
    return env


def _named(stream: Any, uid: str) -> Any:
    return stream.name(OPERATORS[uid]).uid(uid)


def _event_time(fused: DataStream, cfg: DetectSettings) -> KeyedStream:
    """Timestamps, watermarks and the key by Flink's Java operators: the fused operator
    already emitted ``((key, item), event time)`` (what PyFlink's own timestamp assigner
    and ``key_by`` would compute in two more Python operators)."""
    jvm = get_gateway().jvm
    eventtime = jvm.org.apache.flink.streaming.api.functions.python.eventtime
    strategy = WatermarkStrategy.for_bounded_out_of_orderness(
        Duration.of_millis(cfg.out_of_orderness_ms)
    ).with_idleness(Duration.of_millis(cfg.idleness_ms))
    j_timed = fused._j_data_stream.assignTimestampsAndWatermarks(
        strategy._j_watermark_strategy.withTimestampAssigner(eventtime.CustomTimestampAssigner())
    )
    _named(j_timed, "event-time")
    j_keyed_items = j_timed.map(
        eventtime.RemoveTimestampMapFunction(), KEYED_TYPE.get_java_type_info()
    )
    _named(j_keyed_items, "strip-event-time")
    j_keyed = j_keyed_items.keyBy(
        jvm.KeyByKeySelector(), Types.ROW([KEY_TYPE]).get_java_type_info()
    )
    return KeyedStream(j_keyed, ITEM_TYPE, DataStream(j_keyed_items))


def build_job(
    tweets: DataStream,
    control: DataStream,
    cfg: DetectSettings,
    players_csv: str,
    initial_allowed: Iterable[str] = (),
) -> DataStream:
    """Wire the detector on two streams of JSON lines.

    Returns:
        One stream of ``"<tag>\\t<json>"`` lines: alerts, late events, all-tweets, bad
        records, marks and counts, for one sink.
    """
    window_ms = cfg.window_ms
    late_tag = OutputTag("late-events", _item_type())
    fused = _named(
        tweets.connect(control.broadcast(CONTROL_STATE)).process(
            ParseEnrichFilter(players_csv, initial_allowed), TIMED_TYPE
        ),
        "parse-enrich-control",
    )
    alerts = _named(
        _event_time(fused, cfg)
        .window(TumblingEventTimeWindows.of(Time.milliseconds(window_ms)))
        .allowed_lateness(cfg.lateness_ms)
        .side_output_late_data(late_tag)
        .aggregate(
            WindowCounts(),
            AlertWindowFunction(cfg.min_count),
            output_type=Types.STRING(),
        ),
        "tampering-windows",
    )
    late = _named(
        alerts.get_side_output(late_tag).map(
            lambda row: _line(LATE, late_doc(Evaluated(*row), window_ms)), Types.STRING()
        ),
        "late-events",
    )
    return alerts.union(late, fused.get_side_output(OUT_TAG))


def file_source(path: str, monitor_ms: int | None) -> FileSource:
    """A text-line ``FileSource`` over a folder: bounded, or with ``monitor_ms``
    continuously monitored for new files."""
    builder = FileSource.for_record_stream_format(StreamFormat.text_line_format(), path)
    if monitor_ms is None:
        builder = builder.process_static_file_set()
    else:
        builder = builder.monitor_continuously(Duration.of_millis(monitor_ms))
    return builder.build()


def file_job(
    env: Env,
    tweets_path: str,
    control_path: str,
    cfg: DetectSettings,
    players_csv: str,
    initial_allowed: Iterable[str] = (),
    monitor_ms: int | None = None,
) -> DataStream:
    """:func:`build_job` on two folders of JSON-lines files."""
    no_watermarks = WatermarkStrategy.no_watermarks()
    tweets = _named(
        env.from_source(file_source(tweets_path, monitor_ms), no_watermarks, "tweets"),
        "tweets-source",
    )
    control = _named(
        env.from_source(file_source(control_path, monitor_ms), no_watermarks, "control"),
        "control-source",
    )
    return build_job(tweets, control, cfg, players_csv, initial_allowed)


def output_sink(stream: DataStream, out: str) -> None:
    """Write the job's lines to ``out`` with a ``FileSink``: part files become visible
    (renamed from hidden in-progress names) when the checkpoint that covers them
    completes, so what is visible is exactly once."""
    sink = (
        FileSink.for_row_format(out, Encoder.simple_string_encoder())
        .with_bucket_assigner(BucketAssigner.base_path_bucket_assigner())
        .with_rolling_policy(RollingPolicy.on_checkpoint_rolling_policy())
        .with_output_file_config(
            OutputFileConfig.builder().with_part_prefix("part").with_part_suffix(".lines").build()
        )
        .build()
    )
    _named(stream.sink_to(sink), "detector-output")


def tagged(line: str) -> tuple[str, dict[str, Any]]:
    """Split an output ``"<tag>\\t<json>"`` line."""
    tag, _, doc = line.partition("\t")
    return tag, orjson.loads(doc)
