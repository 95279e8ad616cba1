"""Configuration of the delivery stream (the Firehose equivalent)."""

from __future__ import annotations

from pydantic import Field

from courtside._model import Section


class DeliverSettings(Section):
    """Delivery stream settings; names follow Firehose's buffering hints.

    Attributes:
        group: Consumer group on the ``tweets`` stream.
        buffer_mib: Flush a partition's buffer once it holds this much.
        buffer_interval_s: Flush a partition's buffer once its oldest record is this old.
        max_buffered_mib: Cap on all buffers together; the largest is flushed beyond it.
        max_record_kib: Records larger than this go to the error output.
        max_open_partitions: Active-partition limit; records for more partitions fail.
        gzip_level: Compression level of the ``original-data/`` backup (3: about 1.7x the
            speed of level 6 for a slightly larger file).
        transform: Optional user transform ``module:function``.
    """

    group: str = "deliver"
    buffer_mib: float = Field(default=5.0, gt=0, le=128)
    buffer_interval_s: float = Field(default=60.0, gt=0, le=900)
    max_buffered_mib: float = Field(default=128.0, gt=0, le=16_384)
    max_record_kib: int = Field(default=1024, gt=0, le=262_144)
    max_open_partitions: int = Field(default=500, gt=0, le=10_000)
    gzip_level: int = Field(default=3, ge=1, le=9)
    transform: str | None = Field(default=None, pattern=r"^[\w.]+:[\w]+$")
