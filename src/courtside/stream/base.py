"""The durable stream contract (the role Kinesis Data Streams plays in the original).

A *stream backend* holds named, append-only streams of opaque byte records. Producers
``append``; consumers belong to *consumer groups* that read independently and commit
positions. Backends (``local`` today; Kinesis or Kafka later) implement this shape, so
producers and consumers never change when the backend does.

Guarantees every backend must give:

* ``append``/``append_many`` return only once the records are durable: a crash of the
  producer (kill -9) after the call returns loses nothing. Sequence numbers are strictly
  increasing within one stream, and never reused (not necessarily contiguous).
* ``Consumer.poll`` returns records after the consumer's *read position*, in sequence
  order. Polling moves only the in-memory read position.
* ``Consumer.commit(seq)`` durably records that everything up to and including ``seq`` has
  been processed *and its output is durable*. After a restart a consumer of the same
  group resumes right after its last commit, so records polled but not committed are
  delivered again (at-least-once).
* A consumer group has **at most one active consumer**: ``consumer()`` takes the group's
  exclusive lease and holds it for the consumer's lifetime (until ``Consumer.close``, the
  backend's ``close`` or the process's death, kill -9 included, which frees it at once).
  A second consumer of the same group waits up to ``wait_s`` and then raises
  :class:`~courtside.stream.errors.ConsumerBusyError` naming the holder (its pid), so two
  copies of one stage never process (and write) every record twice. Kinesis backends
  implement the lease with KCL-style leases; ``reset_group`` and ``delete_stream`` are
  refused while a group's lease is held.
* While it runs, a consumer records its read position, pid and a heartbeat in the store
  (at most about once a second), so ``groups()`` shows what each group has *read*,
  *committed* and *buffered* (read, not yet committed), not only its commits.
* Reading an unknown stream raises :class:`~courtside.stream.errors.UnknownStreamError`
  (the known streams ``tweets``, ``control`` and ``alerts`` always exist); ``append``
  creates a stream on first use, ``create_stream`` does so explicitly.
* :class:`~courtside.errors.StreamBusyError` (transient) means "retry later"; other
  :class:`~courtside.errors.StreamError` are terminal.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Self

from courtside.errors import StreamError

STREAM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
KNOWN_STREAMS = ("tweets", "control", "alerts")


class Record(NamedTuple):
    """One stream record: its sequence number, append time (epoch ms) and bytes."""

    seq: int
    ts_ms: int
    data: bytes


@dataclass(frozen=True)
class StreamInfo:
    """Length and bounds of one stream (``None`` where the backend cannot tell, e.g. the
    length of a Kinesis stream), and its shards and retention where it has them."""

    name: str
    length: int | None
    first_seq: int | None
    last_seq: int | None
    bytes: int | None
    shards: int | None = None
    retention_hours: float | None = None


@dataclass(frozen=True)
class GroupInfo:
    """A consumer group's positions on one stream.

    Attributes:
        stream: The stream.
        group: The consumer group.
        committed_seq: The last durably committed sequence number (0: none yet).
        lag: Records after the commit: not yet durably processed (``None`` where the
            backend cannot count them, e.g. Kinesis).
        updated_ms: When the group last committed (epoch ms; 0: never).
        read_seq: The active consumer's read position (the commit when none is active).
        buffered: Records read but not committed yet (0 when no consumer is active).
        active: True while a consumer holds the group's lease.
        holder: The active consumer's ``pid N since <time>`` ("" when none).
        heartbeat_ms: When the active consumer last polled (epoch ms), if known.
        shards: Shards the group reads (sharded backends such as Kinesis).
        lag_ms: How far behind the newest record the group is, in time (Kinesis).
    """

    stream: str
    group: str
    committed_seq: int
    lag: int | None
    updated_ms: int
    read_seq: int = 0
    buffered: int = 0
    active: bool = False
    holder: str = ""
    heartbeat_ms: int | None = None
    shards: int | None = None
    lag_ms: int | None = None

    @property
    def unread(self) -> int | None:
        """Records not read yet by the group (``None`` when the lag is unknown)."""
        return None if self.lag is None else self.lag - self.buffered


def check_stream_name(name: str) -> str:
    """Return ``name`` if it is a valid stream name, else raise StreamError."""
    if not STREAM_NAME.match(name):
        raise StreamError(
            f"invalid stream name {name!r}: use lowercase letters, digits and '_' "
            "(starting with a letter, at most 63 characters)"
        )
    return name


def check_group_name(name: str) -> str:
    """Return ``name`` if it is a valid consumer group name, else raise StreamError."""
    if not GROUP_NAME.match(name):
        raise StreamError(f"invalid consumer group name {name!r}")
    return name


class Consumer(ABC):
    """A member of a consumer group reading one stream."""

    stream: str
    group: str
    _position: int = 0
    _committed: int = 0

    @property
    def position(self) -> int:
        """The in-memory read position: the last sequence number handed out by ``poll``."""
        return self._position

    @property
    def committed(self) -> int:
        """The group's last durably committed sequence number (0 when none)."""
        return self._committed

    @abstractmethod
    def poll(self, max_records: int = 1000, timeout_s: float = 0.0) -> list[Record]:
        """Return up to ``max_records`` after the read position, waiting up to
        ``timeout_s`` for at least one; an empty list means nothing arrived in time."""

    @abstractmethod
    def commit(self, seq: int | None = None) -> None:
        """Durably commit ``seq`` (default: the read position). Never moves backwards."""

    @abstractmethod
    def seek(self, seq: int) -> None:
        """Move the in-memory read position so the next poll starts after ``seq``."""

    def snapshot(self, seq: int | None = None) -> dict[str, Any]:
        """A JSON-ready position meaning "every record up to ``seq`` (default: the read
        position) is consumed", valid in another process: a stateful reader keeps it in its
        own checkpoint, then :meth:`restore` resumes exactly there after a crash, and
        :meth:`commit_snapshot` commits it. On the local log it is the global ``seq``."""
        return {"seq": self._position if seq is None else seq}

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Resume right after a :meth:`snapshot` (before the first poll)."""
        self.seek(int(snapshot["seq"]))

    def commit_snapshot(self, snapshot: Mapping[str, Any]) -> None:
        """Durably commit a :meth:`snapshot` (of this consumer or of an earlier process)."""
        self.commit(int(snapshot["seq"]))

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources held by this consumer."""


class StreamBackend(ABC):
    """A store of named durable streams. See the module docstring for the contract.

    Attributes:
        max_record_bytes: The largest record ``append`` accepts.
    """

    max_record_bytes: int

    @abstractmethod
    def append(self, stream: str, data: bytes) -> int:
        """Durably append one record and return its sequence number."""

    @abstractmethod
    def append_many(self, stream: str, records: Iterable[bytes]) -> list[int]:
        """Durably append records atomically (all or none); return their sequence numbers."""

    @abstractmethod
    def read(self, stream: str, after_seq: int = 0, limit: int = 1000) -> list[Record]:
        """Read up to ``limit`` records with sequence numbers greater than ``after_seq``."""

    def read_all(self, stream: str, after_seq: int = 0, batch: int = 1000) -> Iterator[Record]:
        """Every record after ``after_seq``, read ``batch`` at a time with :meth:`read`
        until a read comes back empty (records appended meanwhile are included)."""
        while records := self.read(stream, after_seq, batch):
            yield from records
            after_seq = records[-1].seq

    @abstractmethod
    def consumer(self, stream: str, group: str, *, wait_s: float = 0.0) -> Consumer:
        """A consumer of ``stream`` in ``group``, starting after the group's commit, holding
        the group's exclusive lease until it is closed.

        Raises:
            ConsumerBusyError: another consumer still holds the lease after ``wait_s``.
            UnknownStreamError: ``stream`` does not exist.
        """

    @abstractmethod
    def committed(self, stream: str, group: str) -> int:
        """The committed position of ``group`` on ``stream`` (0 when it never committed)."""

    @abstractmethod
    def last_seq(self, stream: str) -> int:
        """The newest sequence number of ``stream`` (0 when empty)."""

    @abstractmethod
    def streams(self) -> list[StreamInfo]:
        """Every stream with its length and bounds."""

    @abstractmethod
    def groups(self) -> list[GroupInfo]:
        """Every consumer group with its committed position and lag."""

    @abstractmethod
    def trim(
        self, stream: str, *, max_age_s: float | None = None, max_bytes: int | None = None
    ) -> int:
        """Delete the oldest records beyond the retention limits; return how many.

        Raises:
            StreamError: for a negative or non-finite limit.
        """

    @abstractmethod
    def has_stream(self, stream: str) -> bool:
        """True when ``stream`` exists."""

    @abstractmethod
    def create_stream(self, stream: str) -> bool:
        """Create ``stream`` when missing; True when it was created."""

    @abstractmethod
    def delete_stream(self, stream: str) -> int:
        """Delete ``stream``, its records and its groups' positions; return how many
        records were deleted. Sequence numbers of a stream re-created later continue
        after the deleted ones (never reused).

        Raises:
            ConsumerBusyError: a consumer of the stream is active (nothing deleted).
            UnknownStreamError: no such stream.
        """

    @abstractmethod
    def reset_group(self, stream: str, group: str, seq: int | None = 0) -> None:
        """Set ``group``'s committed position to ``seq``, backwards too (0: replay
        everything retained; ``None``: the newest record, skipping everything).

        Raises:
            ConsumerBusyError: the group's consumer is active (nothing changed).
            StreamError: ``seq`` is negative.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
