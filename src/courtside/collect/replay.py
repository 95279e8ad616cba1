"""Replay archives: JSON lines files, plain or gzipped, onto the ``tweets`` stream.

Each line is one record in either incoming shape (``data`` an object, or the legacy
one-element array with ``event_time``); a delivered record from the lake's ``raw/`` zone
(a post with ``users``, ``year``, ``month``, ``day``) is turned back into the incoming
shape. Gzip is recognised by its magic bytes, whatever the file is called.

Without ``speed`` records go out as fast as possible. With it they keep the original
spacing of their event times divided by ``speed`` (2.0: twice as fast); records that go
back in time are sent at once. Lines that are not JSON, not a usable record (including
values out of range, such as a date that leaves the calendar once made UTC) or longer
than 1 MiB are rejected and counted; a corrupt gzip stream ends that file only.
"""

from __future__ import annotations

import gzip
import logging
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from courtside.collect.base import MAX_RECORD_BYTES, Output, Stopper
from courtside.errors import ConfigError, RecordError
from courtside.records import event_time_ms, loads

log = logging.getLogger(__name__)

_GZIP_MAGIC = b"\x1f\x8b"
_DELIVERED_EXTRA = ("users", "year", "month", "day")


def _open(path: Path) -> IO[bytes]:
    fh: IO[bytes] = open(path, "rb")  # noqa: SIM115 - returned to the caller
    if fh.read(2) == _GZIP_MAGIC:
        fh.close()
        zipped: IO[bytes] = gzip.open(path, "rb")  # type: ignore[assignment]
        return zipped
    fh.seek(0)
    return fh


def _lines(fh: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """Lines without their terminator; ``None`` for a line longer than ``limit``."""
    while True:
        line = fh.readline(limit + 2)
        if not line:
            return
        if len(line) == limit + 2 and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = fh.readline(1024 * 1024)
            yield None
            continue
        content = line.rstrip(b"\r\n")
        yield None if len(content) > limit else content


def incoming(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` in an incoming shape: as it is, or rebuilt from a delivered record."""
    if "data" in doc or "id" not in doc:
        return doc
    post = {k: v for k, v in doc.items() if k not in _DELIVERED_EXTRA}
    users = doc.get("users")
    return {"data": post, "includes": {"users": users if isinstance(users, list) else []}}


class ReplayCollector:
    """Replays JSONL (or gzipped JSONL) files.

    Args:
        files: The archives, replayed in order.
        speed: ``None`` for as fast as possible, else the pace factor (> 0).
        sleep: Called with pacing delays (default: an interruptible wait).
        clock: Monotonic clock for pacing (injectable).
        max_line_bytes: Longest accepted line.

    Raises:
        ConfigError: when a file does not exist or ``speed`` is not positive.
    """

    name = "replay"

    def __init__(
        self,
        files: list[Path],
        *,
        speed: float | None = None,
        sleep: Callable[[float], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_line_bytes: int = MAX_RECORD_BYTES,
    ) -> None:
        if not files:
            raise ConfigError("replay needs at least one FILE (JSONL or gzipped JSONL)")
        missing = [str(f) for f in files if not Path(f).is_file()]
        if missing:
            raise ConfigError(f"replay file(s) not found: {', '.join(missing)}")
        if speed is not None and speed <= 0:
            raise ConfigError(f"--speed must be > 0, got {speed}")
        self.files = [Path(f) for f in files]
        self.speed = speed
        self._sleep = sleep
        self._clock = clock
        self.max_line_bytes = max_line_bytes
        self._origin: tuple[float, int] | None = None  # (wall start, first event ms)

    def run(self, output: Output, stopper: Stopper) -> None:
        """Replay every file, or until stopped or ``output`` is full."""
        for path in self.files:
            if stopper.requested or output.full:
                return
            self._file(path, output, stopper)

    def _file(self, path: Path, output: Output, stopper: Stopper) -> None:
        report = output.report
        report.count("files")
        try:
            with _open(path) as fh:
                for line in _lines(fh, self.max_line_bytes):
                    if line is None:
                        output.reject(
                            "LineTooLarge",
                            f"{path.name}: line over {self.max_line_bytes} bytes skipped",
                            None,
                        )
                    elif line.strip():
                        with output.guarded(f"{path.name} line", line):
                            self._line(line, path, output, stopper)
                    else:
                        report.count("blank_lines")
                    output.sink.maybe_flush()
                    if stopper.requested or output.full:
                        return
        except (OSError, EOFError, zlib.error) as exc:
            output.reject("BadArchive", f"{path}: {type(exc).__name__}: {exc}", None)

    def _line(self, line: bytes, path: Path, output: Output, stopper: Stopper) -> None:
        try:
            doc = incoming(loads(line))
        except RecordError as exc:
            output.reject(exc.code, f"{path.name}: {exc}", line)
            return
        if self.speed is not None:
            self._pace(doc, output, stopper)
        output.post(doc)

    def _pace(self, doc: dict[str, Any], output: Output, stopper: Stopper) -> None:
        assert self.speed is not None
        try:
            event_ms = event_time_ms(doc)
        except RecordError:
            return  # rejected by output.post right after
        now = self._clock()
        if self._origin is None:
            self._origin = (now, event_ms)
            return
        start, first_ms = self._origin
        delay = start + (event_ms - first_ms) / 1000 / self.speed - now
        if delay > 0:
            output.sink.pace(delay, stopper, self._sleep)
