"""The loop every consuming service shares: delivery, the notifier and the embedded
detector (whose side outputs it commits).

A service reads a batch from its consumer group, handles it, makes durable what is due
(flushes buffers, takes a checkpoint) and commits the stream position of what is
durable; on :meth:`ServiceLoop.stop` (or SIGINT/SIGTERM with ``handle_signals``) it
finishes the batch in hand, makes everything durable, commits once more and returns. The
subclass says *how* to poll, flush and commit; the loop owns *when* (as Quix Streams'
``BatchingSink`` owns batching for every sink), so "stop" means the same everywhere.

:class:`PartitionBuffers` is the buffering half for services that write the lake: lines
grouped per partition, written when a buffer is big or old enough, or when all of them
together pass a cap, with the stream position below which everything is written.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from courtside.signals import stop_on_signals

__all__ = ["PartitionBuffers", "ServiceLoop"]

K = TypeVar("K", bound=Hashable)


class ServiceLoop(ABC):
    """Poll, handle, make durable, commit; stop cleanly.

    Subclasses implement :meth:`poll_once` and :meth:`make_durable`, and may override
    :meth:`on_idle`, :meth:`finish` and :meth:`close`.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()

    # -- what a service says -----------------------------------------------------------------
    @abstractmethod
    def poll_once(self, timeout_s: float) -> int:
        """Read and handle one batch (waiting up to ``timeout_s`` for records); return how
        many records it held."""

    @abstractmethod
    def make_durable(self, *, final: bool) -> None:
        """Write what is due (everything when ``final``) and commit the stream position of
        what is written."""

    def on_idle(self) -> None:  # noqa: B027 - optional hook
        """Called when a poll found nothing and the service keeps following the stream."""

    def finish(self, *, once: bool) -> None:  # noqa: B027 - optional hook
        """Called once after the loop, before the final :meth:`make_durable` (``once``:
        the end of the stream is the end of input)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release streams, files and channels (always called, also after an error)."""

    # -- the loop ----------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask a running :meth:`loop` to make everything durable and return."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stop.is_set()

    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` or until :meth:`stop` is called, whichever comes first."""
        self._stop.wait(seconds)

    def loop(
        self,
        *,
        once: bool = False,
        poll_timeout_s: float = 1.0,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Run until the stream is drained (``once``) or :meth:`stop` is called."""
        try:
            while not self._stop.is_set():
                n = self.poll_once(0.0 if once else poll_timeout_s)
                if on_progress is not None and n:
                    on_progress(n)
                if not n:
                    if once:
                        break
                    self.on_idle()
                self.make_durable(final=False)
            self.finish(once=once)
            self.make_durable(final=True)
        finally:
            self.close()

    def serve(
        self,
        *,
        once: bool = False,
        handle_signals: bool = False,
        poll_timeout_s: float = 1.0,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """:meth:`loop`, stopping cleanly on SIGINT/SIGTERM when ``handle_signals``."""
        with stop_on_signals(self.stop, enabled=handle_signals):
            self.loop(once=once, poll_timeout_s=poll_timeout_s, on_progress=on_progress)


@dataclass(slots=True)
class _Buffer:
    first_seq: int
    opened_at: float
    lines: list[bytes] = field(default_factory=list)
    size: int = 0


class PartitionBuffers(Generic[K]):
    """Lines buffered per partition key, written by ``write(key, lines)`` when due.

    Args:
        write: Writes one partition's lines durably (all or nothing).
        buffer_bytes: A buffer this big is written at once.
        interval_s: A buffer this old is written at the next :meth:`flush_due`.
        total_bytes: When all buffers together pass this, the largest is written.
        clock: Monotonic seconds (tests inject their own).
    """

    def __init__(
        self,
        write: Callable[[K, list[bytes]], object],
        *,
        buffer_bytes: int,
        interval_s: float,
        total_bytes: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write
        self.buffer_bytes = buffer_bytes
        self.interval_s = interval_s
        self.total_bytes = total_bytes
        self.clock = clock
        self.buffers: dict[K, _Buffer] = {}
        self.buffered = 0

    def __contains__(self, key: object) -> bool:
        return key in self.buffers

    def __len__(self) -> int:
        return len(self.buffers)

    def add(self, key: K, line: bytes, seq: int) -> None:
        """Buffer ``line`` (read at stream position ``seq``) for ``key``."""
        buf = self.buffers.get(key)
        if buf is None:
            buf = self.buffers[key] = _Buffer(seq, self.clock())
            self.opened(key)
        buf.lines.append(line)
        buf.size += len(line)
        self.buffered += len(line)
        if buf.size >= self.buffer_bytes:
            self.flush(key)
        elif self.buffered > self.total_bytes:
            self.flush(self._largest())

    def opened(self, key: K) -> None:  # noqa: B027 - optional hook
        """Called when a buffer opens for ``key``."""

    def closed(self, key: K) -> None:  # noqa: B027 - optional hook
        """Called when ``key``'s buffer was written."""

    def _largest(self) -> K:
        return max(self.buffers, key=lambda k: self.buffers[k].size)

    def flush(self, key: K) -> None:
        """Write ``key``'s buffer now."""
        buf = self.buffers[key]
        self._write(key, buf.lines)  # on failure the buffer stays (nothing committed)
        del self.buffers[key]
        self.buffered -= buf.size
        self.closed(key)

    def flush_due(self, *, force: bool = False) -> None:
        """Write every buffer that is big or old enough (every buffer with ``force``)."""
        now = self.clock()
        for key in [
            k
            for k, b in self.buffers.items()
            if force or b.size >= self.buffer_bytes or now - b.opened_at >= self.interval_s
        ]:
            self.flush(key)
        while self.buffered > self.total_bytes and self.buffers:
            self.flush(self._largest())

    def safe_position(self, read: int) -> int:
        """The stream position everything up to which is written: just before the oldest
        record still buffered, or ``read`` (the last position read) when none is."""
        pending = [b.first_seq for b in self.buffers.values()]
        return min(pending) - 1 if pending else read
