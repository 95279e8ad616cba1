"""Atomic writes of delivery buffers into the lake zones, and the clean-up of what a
killed delivery left behind.

Each buffer becomes one object, put through the lake seam (:meth:`Lake.put`): whole or
not at all, durable when the put returns. On a folder lake a ``kill -9`` mid-put leaves a
hidden temporary (``.<final name>.<pid>.tmp``); :meth:`LakeWriter.remove_leftovers`
deletes such files at the next start, and only those: names made by this writer (its
prefix, its time stamp and random suffix) whose process is gone, or that nothing has
touched for an hour (no write takes that long; this also covers a process id reused
since, and names from before process ids were added). Another writer's file, or one a
running delivery is writing, is never touched. An object store leaves nothing behind.
"""

from __future__ import annotations

import gzip
import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from courtside.lake.base import join_key
from courtside.lake.layout import date_partition, object_name

if TYPE_CHECKING:
    from courtside.lake.base import Lake

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
    """Writes complete objects into the lake's delivery zones."""

    def __init__(self, lake: Lake, gzip_level: int = 3, prefix: str = "courtside-deliver") -> None:
        self.lake = lake
        self.gzip_level = gzip_level
        self.prefix = prefix
        self.files = 0
        self.bytes = 0
        self._own = re.compile(
            rf"^{re.escape(prefix)}-\d{{8}}T\d{{12}}Z-[0-9a-f]{{10}}\.json(?:\.gz)?$"
        )

    def write(self, key: PartitionKey, lines: list[bytes]) -> str:
        """Write ``lines`` (each ending in a newline) as one object of ``key``'s partition;
        return its key."""
        if key.zone == "original-data":
            name = object_name(self.prefix, ".json.gz")
            payload = gzip.compress(b"".join(lines), compresslevel=self.gzip_level, mtime=0)
        else:
            name = object_name(self.prefix, ".json")
            payload = b"".join(lines)
        target = join_key(key.relative(), name)
        self.lake.put(target, payload)
        self.files += 1
        self.bytes += len(payload)
        return target

    def remove_leftovers(self) -> int:
        """Delete temporaries a killed delivery left in its zones (call at start).

        A temporary is deleted when its name is one this writer makes and the process
        named in it is gone, or when nothing touched it for :data:`STALE_S`. Returns how
        many were deleted.
        """
        removed = sum(
            self.lake.remove_leftovers(zone, self._own.match, stale_s=STALE_S) for zone in ZONES
        )
        if removed:
            log.warning("removed %d temporary file(s) left by an interrupted delivery", removed)
        return removed
