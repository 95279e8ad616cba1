"""The service loop every consumer shares, and its per-partition buffers."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from courtside.service import PartitionBuffers, ServiceLoop


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _buffers(
    written: list[tuple[str, list[bytes]]], clock: _Clock, **kw: int
) -> PartitionBuffers[str]:
    opts = {"buffer_bytes": 10, "interval_s": 5.0, "total_bytes": 25, **kw}
    return PartitionBuffers(
        lambda key, lines: written.append((key, list(lines))),
        buffer_bytes=int(opts["buffer_bytes"]),
        interval_s=float(opts["interval_s"]),
        total_bytes=int(opts["total_bytes"]),
        clock=clock,
    )


def test_a_full_buffer_is_written_at_once_and_the_position_stays_below_the_rest() -> None:
    written: list[tuple[str, list[bytes]]] = []
    bufs = _buffers(written, _Clock())
    bufs.add("a", b"1234", 1)
    bufs.add("b", b"12", 2)
    assert bufs.safe_position(read=2) == 0  # record 1 is only in memory
    bufs.add("a", b"123456", 3)  # a reaches 10 bytes
    assert written == [("a", [b"1234", b"123456"])]
    assert "a" not in bufs and "b" in bufs
    assert bufs.safe_position(read=3) == 1  # b still holds record 2
    bufs.flush_due(force=True)
    assert bufs.safe_position(read=3) == 3
    assert len(bufs) == 0 and bufs.buffered == 0


def test_old_buffers_are_due_by_the_injected_clock() -> None:
    written: list[tuple[str, list[bytes]]] = []
    clock = _Clock()
    bufs = _buffers(written, clock)
    bufs.add("a", b"x", 1)
    clock.now += 4.9
    bufs.add("b", b"y", 2)
    bufs.flush_due()
    assert written == []
    clock.now += 0.2  # a is 5.1 s old, b 0.2 s
    bufs.flush_due()
    assert [k for k, _ in written] == ["a"]


def test_the_total_cap_writes_the_largest_buffer() -> None:
    written: list[tuple[str, list[bytes]]] = []
    bufs = _buffers(written, _Clock(), buffer_bytes=100, total_bytes=10)
    bufs.add("small", b"123", 1)
    bufs.add("large", b"123456", 2)
    bufs.add("small", b"12", 3)  # 11 bytes in all: the largest goes
    assert [k for k, _ in written] == ["large"]


def test_a_failed_write_keeps_the_buffer_and_the_position() -> None:
    def failing(key: str, lines: list[bytes]) -> None:
        raise OSError("disk full")

    bufs: PartitionBuffers[str] = PartitionBuffers(
        failing, buffer_bytes=100, interval_s=1.0, total_bytes=1000
    )
    bufs.add("a", b"x", 7)
    with pytest.raises(OSError):
        bufs.flush_due(force=True)
    assert "a" in bufs and bufs.safe_position(read=9) == 6


class _Counting(ServiceLoop):
    """Reads numbers from a list; 'durable' is what make_durable has seen."""

    def __init__(self, items: list[int], *, stop_after: int | None = None) -> None:
        super().__init__()
        self.items, self.handled, self.durable = items, [], []  # type: ignore[var-annotated]
        self.finals = 0
        self.idles = 0
        self.closed = False
        self.stop_after = stop_after

    def poll_once(self, timeout_s: float) -> int:
        batch, self.items = self.items[:2], self.items[2:]
        self.handled += batch
        if self.stop_after is not None and len(self.handled) >= self.stop_after:
            os.kill(os.getpid(), signal.SIGTERM)
        if not batch and not self.stopping:
            self.pause(timeout_s)
        return len(batch)

    def on_idle(self) -> None:
        self.idles += 1

    def make_durable(self, *, final: bool) -> None:
        self.durable = list(self.handled)
        self.finals += final

    def close(self) -> None:
        self.closed = True


def test_once_drains_then_makes_everything_durable_and_closes() -> None:
    svc = _Counting([1, 2, 3, 4, 5])
    progress: list[int] = []
    svc.loop(once=True, on_progress=progress.append)
    assert svc.durable == [1, 2, 3, 4, 5] and svc.finals == 1 and svc.closed
    assert progress == [2, 2, 1] and svc.idles == 0


def test_sigterm_stops_cleanly_with_a_final_commit() -> None:
    svc = _Counting(list(range(10)), stop_after=4)
    before = signal.getsignal(signal.SIGTERM)
    svc.serve(handle_signals=True, poll_timeout_s=0.01)
    assert svc.stopping and svc.finals == 1 and svc.closed
    assert svc.durable == svc.handled and len(svc.handled) == 4
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is restored


def test_stop_from_another_thread_ends_a_following_loop() -> None:
    svc = _Counting([1, 2])
    timer = threading.Timer(0.2, svc.stop)
    timer.start()
    svc.loop(poll_timeout_s=0.05)  # follows the stream until stopped
    timer.join()
    assert svc.durable == [1, 2] and svc.idles >= 1 and svc.closed


def test_close_runs_after_an_error() -> None:
    class Broken(_Counting):
        def poll_once(self, timeout_s: float) -> int:
            raise RuntimeError("boom")

    svc = Broken([1])
    with pytest.raises(RuntimeError):
        svc.loop(once=True)
    assert svc.closed and svc.finals == 0
