"""The exception hierarchy of courtside.

Every error courtside raises on purpose derives from :class:`CourtsideError`. Errors are
either *transient* (worth a retry later: a busy database, a dropped connection) or
*terminal* (retrying cannot help: bad configuration, a malformed record). The CLI prints a
``CourtsideError`` as one line and exits 1; ``--debug`` shows the traceback.
"""

from __future__ import annotations


class CourtsideError(Exception):
    """Root of all courtside errors.

    Attributes:
        transient: True when the same operation may succeed if retried later.
    """

    transient: bool = False


class TransientError(CourtsideError):
    """An error that may go away on retry (busy resource, network hiccup)."""

    transient = True


class TerminalError(CourtsideError):
    """An error that a retry cannot fix."""


class ConfigError(TerminalError):
    """Invalid or missing configuration.

    Attributes:
        key: The configuration key at fault, when known.
    """

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class RecordError(TerminalError):
    """A record that cannot be processed (not JSON, missing fields, hostile values).

    Attributes:
        code: A short machine-readable reason, e.g. ``"NotJson"`` or ``"BadCreatedAt"``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class StreamError(CourtsideError):
    """A problem with a durable stream (unknown name, oversize record, storage)."""


class StreamBusyError(StreamError, TransientError):
    """The stream storage is locked by another process for too long; retry later."""


class LakeError(TerminalError):
    """A problem with the data lake (a path escaping the root, an unreadable file)."""
