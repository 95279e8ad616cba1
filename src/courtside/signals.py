"""One way for long-running commands to stop cleanly on SIGINT and SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["stop_on_signals"]

log = logging.getLogger(__name__)


@contextmanager
def stop_on_signals(
    stop: Callable[[], None],
    *,
    enabled: bool = True,
    signals: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM),
) -> Iterator[None]:
    """Call ``stop`` when one of ``signals`` arrives, inside the ``with`` block.

    The previous handlers come back when the block ends. Outside the main thread (where
    Python cannot install handlers) or with ``enabled=False`` this does nothing, so a
    library caller running in a worker thread keeps its own stop mechanism.

    Args:
        stop: Asks the running work to flush, commit and return (must be quick).
        enabled: Install the handlers at all.
        signals: Which signals mean "stop".
    """
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Any] = {}

    def _handler(signum: int, frame: FrameType | None) -> None:
        log.warning("signal %d: flushing and stopping", signum)
        stop()

    for sig in signals:
        previous[sig] = signal.signal(sig, _handler)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
