"""Durable streams: the contract and its backends."""

from courtside.stream.base import Consumer, GroupInfo, Record, StreamBackend, StreamInfo
from courtside.stream.local import LocalConsumer, LocalStream

__all__ = [
    "Consumer",
    "GroupInfo",
    "LocalConsumer",
    "LocalStream",
    "Record",
    "StreamBackend",
    "StreamInfo",
]
