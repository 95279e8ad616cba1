"""The Python functions of the detector's Flink job (wired by :mod:`courtside.detect.flink_job`).

* :class:`ParseEnrichFilter`: parse, enrich and control-filter tweets in one operator
  (the control table is broadcast state);
* :class:`WindowCounts` and :class:`AlertWindowFunction`: the incremental window state and
  the window function that emits alerts and their updates.

They write ``"<tag>\\t<json>"`` lines (:func:`line`) and call the shared detector logic
(:mod:`courtside.detect.logic`). PyFlink is imported at module level.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from pyflink.common import Row, Types
from pyflink.datastream import OutputTag
from pyflink.datastream.functions import (
    AggregateFunction,
    BroadcastProcessFunction,
    ProcessWindowFunction,
    RuntimeContext,
)
from pyflink.datastream.state import MapStateDescriptor, ValueStateDescriptor

from courtside.detect.flink_export import MARK_PREFIX
from courtside.detect.logic import (
    Evaluated,
    PlayerLookup,
    build_alert,
    evaluated_doc,
    parse_control,
    try_enrich,
)
from courtside.detect.report import SKIP_CODES
from courtside.errors import RecordError
from courtside.reference.players import PlayersTable

__all__ = [
    "CONTROL_STATE",
    "ITEM_TYPE",
    "KEYED_TYPE",
    "KEY_TYPE",
    "OUT_TAG",
    "TIMED_TYPE",
    "AlertWindowFunction",
    "ParseEnrichFilter",
    "WindowCounts",
    "item_type",
    "line",
]

# Tags of the output lines: "<tag>\t<json>".
ALERT, LATE, ALL, ERROR, MARK, COUNTS = "alert", "late", "all", "error", "mark", "counts"

OUT_TAG = OutputTag("detector-out", Types.STRING())
CONTROL_STATE = MapStateDescriptor("control", Types.STRING(), Types.BOOLEAN())
KEY_TYPE = Types.TUPLE([Types.STRING(), Types.STRING()])


def item_type() -> Any:
    # A new object per use: a type converted to Java once can no longer be pickled, and
    # the window operator pickles the late-data tag with its type.
    return Types.ROW_NAMED(
        list(Evaluated._fields), [Types.STRING(), Types.LONG()] + [Types.STRING()] * 5
    )


ITEM_TYPE = item_type()
KEYED_TYPE = Types.ROW([KEY_TYPE, ITEM_TYPE])
TIMED_TYPE = Types.TUPLE([KEYED_TYPE, Types.LONG()])
_COUNTS_EVERY = 10_000
_EMITTED = ValueStateDescriptor("emitted", Types.PICKLED_BYTE_ARRAY())


def line(tag: str, doc: Any) -> str:
    return tag + "\t" + orjson.dumps(doc).decode()


def _error_line(exc: RecordError, where: str) -> str:
    return line(ERROR, {"code": exc.code, "message": str(exc)[:300], "where": where})


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
            yield OUT_TAG, line(COUNTS, self.counts)
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
            yield OUT_TAG, line(ALL, evaluated_doc(item))
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
            yield OUT_TAG, line(COUNTS, {"control_events": 1})


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
            yield line(ALERT, alert)

    def clear(self, context: Any) -> None:
        context.window_state().get_state(_EMITTED).clear()
