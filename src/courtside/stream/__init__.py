"""Durable streams: the contract and its backends."""

from courtside.stream.base import Consumer, GroupInfo, Record, StreamBackend, StreamInfo
from courtside.stream.errors import ConsumerBusyError, UnknownStreamError
from courtside.stream.local import LocalConsumer, LocalStream

__all__ = [
    "Consumer",
    "ConsumerBusyError",
    "GroupInfo",
    "LocalConsumer",
    "LocalStream",
    "Record",
    "StreamBackend",
    "StreamInfo",
    "UnknownStreamError",
]
