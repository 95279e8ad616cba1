"""Consumer groups: one active consumer per group (a lease that dies with its process),
read/committed/buffered positions, group reset and stream deletion."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from courtside.errors import StreamError
from courtside.stream import local_consumer
from courtside.stream.errors import ConsumerBusyError, UnknownStreamError
from courtside.stream.local import LocalStream

_HOLDER = """
import sys, time
from courtside.stream.local import LocalStream
backend = LocalStream(sys.argv[1])
consumer = backend.consumer(sys.argv[2], sys.argv[3])
consumer.poll(int(sys.argv[4]))
print("ready", flush=True)
time.sleep(float(sys.argv[5]))
"""


@contextmanager
def holder(
    path: Path, stream: str, group: str, *, read: int = 0, hold_s: float = 60.0
) -> Iterator[subprocess.Popen[bytes]]:
    """Another process holding a consumer of ``group`` (having polled ``read`` records)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), stream, group, str(read), str(hold_s)],
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "s.db"
    with LocalStream(p) as backend:
        backend.append_many("tweets", [b"%d" % i for i in range(10)])
    return p


def test_a_second_consumer_of_a_group_is_refused_naming_the_holder(path: Path) -> None:
    with holder(path, "tweets", "deliver") as proc, LocalStream(path) as backend:
        started = time.monotonic()
        with pytest.raises(ConsumerBusyError) as caught:
            backend.consumer("tweets", "deliver")
        assert time.monotonic() - started < 5
        message = str(caught.value)
        assert f"pid {proc.pid} since" in message
        assert "'deliver'" in message and "'tweets'" in message and "\n" not in message
        # Other groups, and the same group on another stream, are independent.
        backend.consumer("tweets", "detect").close()
        backend.consumer("control", "deliver").close()


def test_a_killed_holder_frees_its_group_at_once(path: Path) -> None:
    with holder(path, "tweets", "deliver") as proc, LocalStream(path) as backend:
        with pytest.raises(ConsumerBusyError):
            backend.consumer("tweets", "deliver")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        consumer = backend.consumer("tweets", "deliver")
        assert [r.data for r in consumer.poll(3)] == [b"0", b"1", b"2"]


def test_a_consumer_can_wait_for_the_group(path: Path) -> None:
    with holder(path, "tweets", "deliver", hold_s=1.0), LocalStream(path) as backend:
        started = time.monotonic()
        consumer = backend.consumer("tweets", "deliver", wait_s=30)
        assert 0.3 < time.monotonic() - started < 20
        assert consumer.active


def test_close_backend_close_and_garbage_collection_release_the_group(path: Path) -> None:
    backend = LocalStream(path)
    first = backend.consumer("tweets", "g")
    with pytest.raises(ConsumerBusyError):
        backend.consumer("tweets", "g")  # one process, two consumers: refused too
    first.close()
    second = backend.consumer("tweets", "g")
    backend.close()  # closes its consumers
    assert not second.active
    with LocalStream(path) as other:
        third = other.consumer("tweets", "g")
        del third
        gc.collect()
        other.consumer("tweets", "g").close()


def test_groups_show_read_buffered_and_committed(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_consumer, "HEARTBEAT_EVERY_S", 0.0)
    with LocalStream(path) as backend:
        consumer = backend.consumer("tweets", "deliver")
        consumer.poll(8)
        # Not committed yet (a delivery buffer): the group is listed with what it read.
        (g,) = backend.groups()
        assert (g.group, g.active, g.read_seq, g.committed_seq) == ("deliver", True, 8, 0)
        assert (g.buffered, g.lag, g.unread) == (8, 10, 2)
        assert g.holder.startswith(f"pid {os.getpid()} since") and g.heartbeat_ms
        consumer.commit(5)
        (g,) = backend.groups()
        assert (g.read_seq, g.committed_seq, g.buffered, g.lag) == (8, 5, 3, 5)
        consumer.close()
        (g,) = backend.groups()
        assert (g.active, g.read_seq, g.committed_seq, g.buffered, g.lag) == (False, 5, 5, 0, 5)
        assert g.holder == "" and g.heartbeat_ms is None


def test_another_process_sees_a_consumer_that_never_committed(path: Path) -> None:
    with holder(path, "tweets", "deliver", read=7) as proc, LocalStream(path) as backend:
        (g,) = backend.groups()
        assert g.active and g.holder.startswith(f"pid {proc.pid} ")
        assert (g.read_seq, g.committed_seq, g.buffered, g.lag) == (7, 0, 7, 10)
    with LocalStream(path) as backend:  # the holder was killed: nothing stays "active"
        assert [(g.group, g.active, g.buffered) for g in backend.groups()] == [
            ("deliver", False, 0)
        ]


def test_reset_group_is_refused_while_the_consumer_is_active(path: Path) -> None:
    with LocalStream(path) as backend:
        backend.commit("tweets", "deliver", 10)
        with holder(path, "tweets", "deliver"):
            with pytest.raises(ConsumerBusyError, match="cannot reset group 'deliver'"):
                backend.reset_group("tweets", "deliver", 0)
            assert backend.committed("tweets", "deliver") == 10
        backend.reset_group("tweets", "deliver", 3)
        assert backend.committed("tweets", "deliver") == 3
        with pytest.raises(StreamError, match="negative"):
            backend.reset_group("tweets", "deliver", -1)


def test_delete_stream_is_refused_while_a_consumer_is_active(path: Path) -> None:
    with LocalStream(path) as backend:
        backend.append_many("mine", [b"a", b"b"])
        backend.commit("mine", "g", 1)
        with holder(path, "mine", "g"):
            with pytest.raises(ConsumerBusyError, match="cannot delete stream 'mine'"):
                backend.delete_stream("mine")
            assert backend.has_stream("mine")
        assert backend.delete_stream("mine") == 2
        assert not backend.has_stream("mine")
        assert all(g.stream != "mine" for g in backend.groups())
        with pytest.raises(UnknownStreamError, match="no stream named 'mine'"):
            backend.read("mine")
        with pytest.raises(UnknownStreamError):
            backend.delete_stream("mine")
        # Sequence numbers are never reused, even by a stream created again.
        assert backend.append("mine", b"c") == 3


def test_a_deleted_known_stream_comes_back_empty_and_other_handles_follow(path: Path) -> None:
    with LocalStream(path) as stale, LocalStream(path) as admin:
        assert stale.last_seq("tweets") == 10
        assert admin.delete_stream("tweets") == 10
        assert stale.read("tweets") == []  # re-created on demand, not an error
        assert stale.append("tweets", b"x") == 11
        admin.append_many("custom", [b"1"])
        assert stale.append("custom", b"2") == 2
        assert admin.delete_stream("custom") == 2
        assert stale.append("custom", b"3") == 3  # the stale handle notices the deletion


def test_unknown_streams_are_errors_for_readers(path: Path) -> None:
    with LocalStream(path) as backend:
        for action in (
            lambda: backend.read("nosuch"),
            lambda: backend.last_seq("nosuch"),
            lambda: backend.consumer("nosuch", "g"),
            lambda: backend.trim("nosuch", max_age_s=1),
        ):
            with pytest.raises(UnknownStreamError, match="streams: alerts, control, tweets"):
                action()
        assert not backend.has_stream("nosuch")
        assert backend.create_stream("nosuch") and not backend.create_stream("nosuch")


@pytest.mark.parametrize(
    "limits",
    [{"max_age_s": -1.0}, {"max_bytes": -1}, {"max_age_s": float("nan")}, {"max_age_s": 1e400}],
    ids=["negative-age", "negative-size", "nan", "infinite"],
)
def test_trim_refuses_bad_limits(path: Path, limits: dict[str, float]) -> None:
    with LocalStream(path) as backend:
        with pytest.raises(StreamError, match="non-negative"):
            backend.trim("tweets", **limits)  # type: ignore[arg-type]
        assert backend.last_seq("tweets") == 10 and len(backend.read("tweets")) == 10
