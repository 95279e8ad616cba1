"""Running a collector: stream, sink, annotator, reject log and signal handling."""

from __future__ import annotations

import logging
import time
from contextlib import ExitStack
from pathlib import Path

from courtside.collect.annotate import Annotator
from courtside.collect.base import (
    Collector,
    CollectReport,
    Output,
    RejectLog,
    StopCollecting,
    Stopper,
    StreamSink,
)
from courtside.config import Settings
from courtside.home import open_stream
from courtside.reference.players import PlayersTable, load_players
from courtside.signals import stop_on_signals
from courtside.stream.base import StreamBackend

log = logging.getLogger(__name__)

SOURCES = ("x", "bluesky", "replay", "synthetic")


def reject_log_path(settings: Settings) -> Path:
    """Where rejected input is kept."""
    return settings.state_dir / "collect" / "rejected.jsonl"


def run_collector(
    settings: Settings,
    collector: Collector,
    *,
    stream: str = "tweets",
    limit: int | None = None,
    annotate: bool = True,
    players: PlayersTable | None = None,
    handle_signals: bool = False,
    stopper: Stopper | None = None,
    backend: StreamBackend | None = None,
    max_delay_s: float = 0.5,
) -> CollectReport:
    """Run ``collector`` until it ends, is stopped or has put ``limit`` records.

    Everything queued is flushed (and the source cursor saved) before returning, also
    when the run ends with an error.

    Args:
        settings: Loaded settings (home, stream, state folder).
        collector: The source.
        stream: Target stream.
        limit: Stop after this many records.
        annotate: Add Athlete annotations to posts that carry none.
        players: Roster for the annotator (default: the home's players table).
        handle_signals: Stop cleanly on SIGINT/SIGTERM.
        stopper: A stopper to share (e.g. to stop the run from another thread).
        backend: A stream backend (default: the home's stream, closed afterwards).
        max_delay_s: Longest time a record waits in the sink before being appended.

    Raises:
        TerminalError: e.g. ``XAuthError`` for a rejected token; queued records are
            still flushed first.
    """
    stopper = stopper or Stopper()
    report = CollectReport(collector.name)
    own_backend = backend is None
    stream_backend = backend if backend is not None else open_stream(settings)
    sink = StreamSink(stream_backend, stream, stopper=stopper, max_delay_s=max_delay_s)
    annotator = Annotator(players or load_players(settings.home)) if annotate else None
    output = Output(
        sink,
        report,
        annotator=annotator,
        rejects=RejectLog(reject_log_path(settings)),
        limit=limit,
    )
    signals = ExitStack()
    signals.enter_context(stop_on_signals(stopper.interrupt, enabled=handle_signals))
    started = time.monotonic()
    try:
        stopper.armed = True
        collector.run(output, stopper)
    except StopCollecting:
        report.count("stopped_by_signal")
    finally:
        stopper.armed = False  # a signal now only asks to stop; it never breaks the flush
        try:
            sink.flush()
        finally:
            signals.close()
            if own_backend:
                stream_backend.close()
            report.seconds = time.monotonic() - started
    log.info("collect finished: %s", report.as_dict())
    return report
