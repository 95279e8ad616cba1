"""Exclusive leases on consumer groups: an ``flock`` on one small file per group.

A lease is held for the lifetime of a consumer. The kernel drops an ``flock`` when its
file descriptor closes, so a consumer that crashes (even with ``kill -9``) frees its group
at once: there is nothing stale to clean up. The holder writes ``pid N since <time>`` into
the file, which is what another process quotes when it is refused.

:func:`probe` tells whether a lease is held without taking it for longer than a moment
(a shared lock, released at once); :meth:`FileLease.acquire` retries briefly so that a
probe never makes a starting consumer fail.
"""

from __future__ import annotations

import fcntl
import os
import time
import weakref
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["FileLease", "probe"]

# A probe holds a shared lock for microseconds; acquiring retries at least this long so
# that a concurrent probe is never mistaken for another consumer.
_MIN_WAIT_S = 0.3
_HOLDER_BYTES = 200


def _read_holder(fd: int) -> str:
    return os.pread(fd, _HOLDER_BYTES, 0).decode("utf-8", "replace").strip()


class FileLease:
    """An exclusive ``flock`` on ``path``, held until :meth:`release` (or the process
    ends, or the object is garbage collected).

    Args:
        path: The lease file (created with its folder when missing).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._finalizer: weakref.finalize | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lease."""
        return self._fd is not None

    def acquire(self, wait_s: float = 0.0) -> str | None:
        """Take the lease, waiting up to ``wait_s`` for another holder.

        Returns:
            ``None`` once the lease is held; the other holder's description (``pid N
            since ...``, or ``""`` when unknown) when it is still held after ``wait_s``.
        """
        if self._fd is not None:
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + max(wait_s, _MIN_WAIT_S)
        delay = 0.01
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    os.close(fd)
                    return holder
                time.sleep(delay)
                delay = min(delay * 2, 0.2)
        since = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {since}".encode(), 0)
        self._fd = fd
        self._finalizer = weakref.finalize(self, os.close, fd)
        return None

    def release(self) -> None:
        """Give the lease up (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        os.close(fd)  # closing the descriptor drops the flock


def probe(path: Path) -> str | None:
    """Who holds the lease at ``path``: ``None`` when nobody does, else the holder's
    description (``""`` when it wrote none). Never creates the file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
