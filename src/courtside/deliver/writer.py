"""Durable, atomic writes of delivery buffers into the lake zones."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from courtside.lake.layout import date_partition, object_name, within, write_atomic

ERROR_PARTITION = "error=processing-failed"


@dataclass(frozen=True, slots=True)
class PartitionKey:
    """Where a buffer goes: a zone and a date partition."""

    zone: str
    year: int
    month: int
    day: int

    def relative(self) -> str:
        base = f"{self.zone}/{date_partition(self.year, self.month, self.day)}"
        return f"{base}/{ERROR_PARTITION}" if self.zone == "errors" else base


def arrival_key(zone: str, ts_ms: int) -> PartitionKey:
    """Partition by arrival time (the stream's append time)."""
    dt = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return PartitionKey(zone, dt.year, dt.month, dt.day)


class LakeWriter:
    """Writes complete files into the lake; each file is fsynced and renamed into place."""

    def __init__(self, lake: Path, gzip_level: int = 6, prefix: str = "courtside-deliver") -> None:
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
            size = write_atomic(directory / name, lines)
        self.files += 1
        self.bytes += size
        return directory / name
