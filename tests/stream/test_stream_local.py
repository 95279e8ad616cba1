"""The durable local stream: append/read, consumer groups, commits, processes, retention."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import time
from pathlib import Path

import pytest

from clock_helpers import FakeClock
from courtside.errors import StreamError
from courtside.stream.config import StreamSettings
from courtside.stream.local import LocalStream


@pytest.fixture
def backend(tmp_path: Path) -> LocalStream:
    b = LocalStream(tmp_path / "s.db")
    yield b
    b.close()


def test_append_returns_increasing_sequence_numbers(backend: LocalStream) -> None:
    first = backend.append("tweets", b"a")
    more = backend.append_many("tweets", [b"b", b"c"])
    assert more == [first + 1, first + 2]
    assert [r.data for r in backend.read("tweets")] == [b"a", b"b", b"c"]
    assert backend.last_seq("tweets") == first + 2


def test_read_all_pages_through_every_record_after_a_position(backend: LocalStream) -> None:
    seqs = backend.append_many("tweets", [str(i).encode() for i in range(7)])
    assert [r.data for r in backend.read_all("tweets", batch=3)] == [
        str(i).encode() for i in range(7)
    ]
    assert [r.seq for r in backend.read_all("tweets", seqs[4], batch=2)] == seqs[5:]
    assert list(backend.read_all("tweets", seqs[-1])) == []


def test_records_are_kept_byte_for_byte(backend: LocalStream) -> None:
    odd = [b"", b"\x00\xff\xfe not utf8", b'{"x": 1}\r', "é".encode()]
    backend.append_many("tweets", odd)
    assert [r.data for r in backend.read("tweets")] == odd


def test_consumer_groups_read_independently(backend: LocalStream) -> None:
    backend.append_many("tweets", [b"1", b"2", b"3"])
    a, b = backend.consumer("tweets", "a"), backend.consumer("tweets", "b")
    assert [r.data for r in a.poll(2)] == [b"1", b"2"]
    assert [r.data for r in b.poll(10)] == [b"1", b"2", b"3"]
    assert [r.data for r in a.poll(10)] == [b"3"]
    assert a.poll(10) == []


def test_uncommitted_records_are_redelivered_after_restart(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with LocalStream(path) as backend:
        backend.append_many("tweets", [b"1", b"2", b"3", b"4"])
        consumer = backend.consumer("tweets", "g")
        records = consumer.poll(3)
        consumer.commit(records[1].seq)  # processed 1 and 2 only
    with LocalStream(path) as backend:
        consumer = backend.consumer("tweets", "g")
        assert consumer.committed == records[1].seq
        assert [r.data for r in consumer.poll(10)] == [b"3", b"4"]


def test_commit_never_moves_backwards(backend: LocalStream) -> None:
    backend.append_many("tweets", [b"1", b"2"])
    backend.commit("tweets", "g", 2)
    backend.commit("tweets", "g", 1)
    assert backend.committed("tweets", "g") == 2
    backend.reset_group("tweets", "g", 0)
    assert backend.committed("tweets", "g") == 0


def test_poll_waits_for_new_records(backend: LocalStream) -> None:
    consumer = backend.consumer("tweets", "g")
    started = time.monotonic()
    assert consumer.poll(10, timeout_s=0.2) == []
    assert time.monotonic() - started >= 0.19


def test_groups_report_lag(backend: LocalStream) -> None:
    backend.append_many("tweets", [b"1", b"2", b"3"])
    backend.commit("tweets", "g", 1)
    (group,) = backend.groups()
    assert (group.stream, group.group, group.committed_seq, group.lag) == ("tweets", "g", 1, 2)
    info = {s.name: s for s in backend.streams()}
    assert info["tweets"].length == 3 and info["tweets"].bytes == 3
    assert {"tweets", "control", "alerts"} <= set(info)


@pytest.mark.parametrize("name", ["", "Tweets", "a b", "x;drop table offsets", "../x", "a" * 80])
def test_bad_stream_names_are_refused(backend: LocalStream, name: str) -> None:
    with pytest.raises(StreamError, match="invalid stream name"):
        backend.append(name, b"x")


def test_oversize_records_are_refused(tmp_path: Path) -> None:
    with LocalStream(tmp_path / "s.db", StreamSettings(max_record_mib=0.001)) as backend:
        with pytest.raises(StreamError, match="exceeds the stream limit"):
            backend.append("tweets", b"x" * 2000)
        assert backend.read("tweets") == []


def test_retention_by_size_and_age(tmp_path: Path, fake_clock: FakeClock) -> None:
    backend = LocalStream(tmp_path / "s.db", clock=fake_clock)
    backend.append_many("tweets", [b"x" * 100 for _ in range(10)])
    assert backend.trim("tweets", max_bytes=450) == 6
    assert len(backend.read("tweets")) == 4
    # Sequence numbers are never reused after a trim.
    assert backend.append("tweets", b"y") == 11
    assert backend.trim("tweets", max_age_s=0.001) == 0  # nothing is older yet
    fake_clock.advance(0.01)
    assert backend.trim("tweets", max_age_s=0.001) == 5
    assert backend.read("tweets") == []
    backend.close()


def _produce(path: str, worker: int, count: int) -> None:
    with LocalStream(path) as backend:
        for i in range(count):
            backend.append_many("tweets", [f"{worker}:{i}:{j}".encode() for j in range(5)])


def _consume(path: str, group: str, total: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    seen: list[bytes] = []
    deadline = time.monotonic() + 60
    with LocalStream(path) as backend:
        consumer = backend.consumer("tweets", group)
        while len(seen) < total and time.monotonic() < deadline:
            records = consumer.poll(100, timeout_s=0.5)
            seen.extend(r.data for r in records)
            if records:
                consumer.commit()
    out.put(seen)


def test_two_producers_and_two_consumers_in_other_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "s.db")
    LocalStream(path).close()
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    consumers = [ctx.Process(target=_consume, args=(path, g, 1000, queue)) for g in ("a", "b")]
    producers = [ctx.Process(target=_produce, args=(path, w, 100)) for w in (1, 2)]
    for p in consumers + producers:
        p.start()
    results = [queue.get(timeout=90) for _ in consumers]
    for p in consumers + producers:
        p.join(timeout=30)
        assert p.exitcode == 0
    expected = {f"{w}:{i}:{j}".encode() for w in (1, 2) for i in range(100) for j in range(5)}
    for seen in results:
        assert len(seen) == 1000 and set(seen) == expected
        # Each producer's records arrive in its own order.
        for w in (1, 2):
            mine = [s for s in seen if s.startswith(f"{w}:".encode())]
            assert mine == sorted(mine, key=lambda s: tuple(map(int, s.split(b":")[1:])))
    with LocalStream(path) as backend:
        assert {g.group: g.lag for g in backend.groups()} == {"a": 0, "b": 0}


def test_corrupt_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StreamError, match="cannot open stream file"):
        LocalStream(path)
    assert not isinstance(StreamError("x"), sqlite3.Error)
