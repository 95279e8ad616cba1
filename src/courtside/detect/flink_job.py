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
from collections.abc import Iterable
from typing import Any

import orjson
from pyflink.common import Configuration, Duration, Types, WatermarkStrategy
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
from pyflink.datastream.window import Time, TumblingEventTimeWindows
from pyflink.java_gateway import get_gateway

from courtside.detect.config import DetectSettings
from courtside.detect.flink_env import python_path
from courtside.detect.flink_functions import (
    CONTROL_STATE,
    ITEM_TYPE,
    KEY_TYPE,
    KEYED_TYPE,
    LATE,
    OUT_TAG,
    TIMED_TYPE,
    AlertWindowFunction,
    ParseEnrichFilter,
    WindowCounts,
    item_type,
    line,
)
from courtside.detect.logic import (
    Evaluated,
    late_doc,
)

__all__ = [
    "OPERATORS",
    "build_job",
    "file_job",
    "make_env",
    "output_sink",
    "tagged",
]

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


def make_env(parallelism: int = 1, config: dict[str, str] | None = None) -> Env:
    """A streaming environment (a local mini-cluster unless run by ``flink run``) whose
    Python functions run in thread mode with this interpreter's packages; ``config``
    adds or overrides Flink options.

    (In process mode a local job runs its Python functions in this very process and
    leaves ``PYFLINK_GATEWAY_DISABLED`` set in its environment, which stops any later
    PyFlink client started from it.)"""
    conf = Configuration()
    defaults = {
        "python.executable": sys.executable,
        "python.client.executable": sys.executable,
        "python.execution-mode": "thread",
        "python.pythonpath": python_path(),
    }
    for key, value in (defaults | (config or {})).items():
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
    late_tag = OutputTag("late-events", item_type())
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
            lambda row: line(LATE, late_doc(Evaluated(*row), window_ms)), Types.STRING()
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
