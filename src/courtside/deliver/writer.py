"""Durable, atomic writes of delivery buffers into the lake zones."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from courtside.lake.layout import date_partition, object_name, within, write_atomic

ERROR_PARTITION = "error=processing-failed"


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

    def write(self, key: PartitionKey, lines: list[bytes]) -> Path:
        """Write ``lines`` (each ending in a newline) as one file of ``key``'s partition."""
        directory = within(self.lake, key.relative())
        if key.zone == "original-data":
            name = object_name(self.prefix, ".json.gz")
            payload = gzip.compress(b"".join(lines), compresslevel=self.gzip_level, mtime=0)
            size = write_atomic(directory / name, payload)
        else:
            name = object_name(self.prefix, ".json")
            size = write_atomic(directory / name, b"".join(lines))
        self.files += 1
        self.bytes += size
        return directory / name
