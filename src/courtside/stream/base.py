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
* :class:`~courtside.errors.StreamBusyError` (transient) means "retry later"; other
  :class:`~courtside.errors.StreamError` are terminal.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

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
    """A consumer group's committed position and lag on one stream: ``lag`` in records
    (``None`` where the backend cannot count them), ``lag_ms`` in time behind the newest
    record where the backend knows it (Kinesis)."""

    stream: str
    group: str
    committed_seq: int
    lag: int | None
    updated_ms: int
    shards: int | None = None
    lag_ms: int | None = None


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

    @property
    @abstractmethod
    def position(self) -> int:
        """The in-memory read position: the last sequence number handed out by ``poll``."""

    @property
    @abstractmethod
    def committed(self) -> int:
        """The group's last durably committed sequence number (0 when none)."""

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

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources held by this consumer."""


class StreamBackend(ABC):
    """A store of named durable streams. See the module docstring for the contract."""

    @abstractmethod
    def append(self, stream: str, data: bytes) -> int:
        """Durably append one record and return its sequence number."""

    @abstractmethod
    def append_many(self, stream: str, records: Iterable[bytes]) -> list[int]:
        """Durably append records atomically (all or none); return their sequence numbers."""

    @abstractmethod
    def read(self, stream: str, after_seq: int = 0, limit: int = 1000) -> list[Record]:
        """Read up to ``limit`` records with sequence numbers greater than ``after_seq``."""

    @abstractmethod
    def consumer(self, stream: str, group: str) -> Consumer:
        """A consumer of ``stream`` in ``group``, starting after the group's commit."""

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
        """Delete the oldest records beyond the retention limits; return how many."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources."""

    def __enter__(self) -> StreamBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
