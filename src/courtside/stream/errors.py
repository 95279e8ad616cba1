"""Errors of the durable streams (the root, ``StreamError``, is in :mod:`courtside.errors`)."""

from __future__ import annotations

from courtside.errors import StreamBusyError, StreamError

__all__ = ["ConsumerBusyError", "StreamBusyError", "StreamError", "UnknownStreamError"]


def _holder_text(holder: str) -> str:
    return holder or "a process that wrote no details"


class ConsumerBusyError(StreamError):
    """Another consumer holds the group's lease (one active consumer per group).

    Attributes:
        stream: The stream.
        group: The consumer group.
        holder: What the holder wrote about itself (``pid N since ...``), maybe empty.
    """

    def __init__(self, stream: str, group: str, holder: str, *, action: str = "") -> None:
        what = f"cannot {action}: " if action else ""
        super().__init__(
            f"{what}consumer group {group!r} on stream {stream!r} is in use by "
            f"{_holder_text(holder)}; stop that consumer first (one consumer per group)"
        )
        self.stream = stream
        self.group = group
        self.holder = holder


class UnknownStreamError(StreamError):
    """The stream does not exist (and the caller did not ask to create it).

    Attributes:
        stream: The name asked for.
        known: The streams that exist.
    """

    def __init__(self, stream: str, known: list[str], *, hint: str = "") -> None:
        names = ", ".join(known) or "none"
        super().__init__(f"no stream named {stream!r} (streams: {names}){hint}")
        self.stream = stream
        self.known = known
