"""Durable, atomic writes of delivery buffers into the lake zones, and the clean-up of
what a killed delivery left behind.

A file is written under a hidden temporary name that carries the writer's process id,
``.<final name>.<pid>.tmp``, fsynced, then renamed to its final name (and the directory
fsynced), so readers never see a partial file. A ``kill -9`` between the two leaves the
temporary file behind; :meth:`LakeWriter.remove_leftovers` deletes such files at the next
start, and only those: names made by this writer (its prefix, its time stamp and random
suffix) whose process is gone, or that nothing has touched for an hour (no write takes
that long; this also covers a process id reused since, and names from before process ids
were added). Another writer's file, or one a running delivery is writing, is never
touched.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from courtside._process import pid_alive
from courtside.lake.layout import date_partition, fsync_dir, object_name, within

log = logging.getLogger(__name__)

ERROR_PARTITION = "error=processing-failed"
ZONES = ("raw", "original-data", "errors")
#: A temporary file nothing has touched for this long is a leftover whatever its name
#: says: a write takes seconds.
STALE_S = 3600.0


class PartitionKey(NamedTuple):
    """Where a buffer goes: a zone and a date partition (a tuple: cheap to hash)."""

    zone: str
    year: int
    month: int
    day: int

    def relative(self) -> str:
        base = f"{self.zone}/{date_partition(self.year, self.month, self.day)}"
        return f"{base}/{ERROR_PARTITION}" if self.zone == "errors" else base


_DAY_MS = 86_400_000
_arrival_cache: dict[tuple[str, int], PartitionKey] = {}


def arrival_key(zone: str, ts_ms: int) -> PartitionKey:
    """Partition by arrival time (the stream's append time), cached per UTC day."""
    cache_key = (zone, ts_ms // _DAY_MS)
    key = _arrival_cache.get(cache_key)
    if key is None:
        dt = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
        key = _arrival_cache[cache_key] = PartitionKey(zone, dt.year, dt.month, dt.day)
    return key


class LakeWriter:
    """Writes complete files into the lake; each file is fsynced and renamed into place."""

    def __init__(self, lake: Path, gzip_level: int = 3, prefix: str = "courtside-deliver") -> None:
        self.lake = lake
        self.gzip_level = gzip_level
        self.prefix = prefix
        self.files = 0
        self.bytes = 0
        self._pid = os.getpid()
        self._own_tmp = re.compile(
            rf"^\.{re.escape(prefix)}-\d{{8}}T\d{{12}}Z-[0-9a-f]{{10}}\.json(?:\.gz)?"
            r"(?:\.(?P<pid>\d{1,10}))?\.tmp$"
        )

    def write(self, key: PartitionKey, lines: list[bytes]) -> Path:
        """Write ``lines`` (each ending in a newline) as one file of ``key``'s partition."""
        directory = within(self.lake, key.relative())
        if key.zone == "original-data":
            name = object_name(self.prefix, ".json.gz")
            payload = gzip.compress(b"".join(lines), compresslevel=self.gzip_level, mtime=0)
        else:
            name = object_name(self.prefix, ".json")
            payload = b"".join(lines)
        self._write_atomic(directory, name, payload)
        self.files += 1
        self.bytes += len(payload)
        return directory / name

    def _write_atomic(self, directory: Path, name: str, payload: bytes) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".{name}.{self._pid}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, directory / name)
        fsync_dir(directory)

    def remove_leftovers(self) -> int:
        """Delete temporary files a killed delivery left in its zones (call at start).

        A file is deleted when its name is one this writer makes and the process named in
        it is gone, or when nothing touched it for :data:`STALE_S`. Returns how many
        were deleted.
        """
        removed = 0
        now = time.time()
        for zone in ZONES:
            for dirpath, _dirs, names in os.walk(self.lake / zone):
                for name in names:
                    match = self._own_tmp.match(name)
                    if match is None:
                        continue
                    path = Path(dirpath) / name
                    pid = match.group("pid")
                    gone = pid is not None and int(pid) != self._pid and not pid_alive(int(pid))
                    try:
                        stale = gone or now - path.stat().st_mtime >= STALE_S
                    except FileNotFoundError:
                        continue  # renamed into place meanwhile
                    if stale:
                        path.unlink(missing_ok=True)
                        removed += 1
        if removed:
            log.warning("removed %d temporary file(s) left by an interrupted delivery", removed)
        return removed
