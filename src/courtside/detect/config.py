"""Configuration of the tampering detector (the original's Flink application)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from courtside._model import Section


class DetectSettings(Section):
    """Event-time settings; defaults are the original application's.

    Attributes:
        window_s: Tumbling window size, aligned to the epoch.
        lateness_s: Allowed lateness: a fired window re-fires for records arriving until
            the watermark passes its end plus this.
        out_of_orderness_s: Bound of the watermark (largest event time minus this, minus 1 ms).
        idleness_s: After this much wall-clock silence on ``tweets`` the input counts as
            idle and no longer holds the watermark back (see ``detect.embedded``).
        min_count: A window alerts when it holds at least this many cross-team posts.
        group: Consumer group name of the embedded engine (also names its checkpoint).
        checkpoint_interval_s: Longest wall-clock time between two checkpoints.
        checkpoint_records: Most input records between two checkpoints.
        poll_records: Records read from a stream per poll.
        flink_execution_mode: Where the Flink job's Python functions run: ``thread``
            (inside the JVM, through pemja: fast) or ``process`` (separate workers).
        flink_checkpoint_interval_s: Checkpoint interval of the Flink job; its output and
            the consumer group's commit follow completed checkpoints.
        flink_state_backend: State backend of the Flink job: ``hashmap`` (on the heap)
            or ``rocksdb`` (on disk, for state larger than memory).
        flink_rest_port: Port of the Flink REST API and web UI on 127.0.0.1 while the
            job runs (0: any free port); the address is written to ``state/flink.json``.
    """

    window_s: float = Field(default=60.0, ge=0.001, le=7 * 86400)
    lateness_s: float = Field(default=30.0, ge=0, le=7 * 86400)
    out_of_orderness_s: float = Field(default=20.0, ge=0, le=86400)
    idleness_s: float = Field(default=90.0, gt=0, le=86400)
    min_count: int = Field(default=2, ge=1, le=1_000_000)
    group: str = Field(default="detect", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    checkpoint_interval_s: float = Field(default=2.0, gt=0, le=3600)
    checkpoint_records: int = Field(default=50_000, ge=1, le=10_000_000)
    poll_records: int = Field(default=5000, ge=1, le=100_000)
    flink_execution_mode: Literal["thread", "process"] = "thread"
    flink_checkpoint_interval_s: float = Field(default=5.0, ge=0.1, le=3600)
    flink_state_backend: Literal["hashmap", "rocksdb"] = "hashmap"
    flink_rest_port: int = Field(default=8081, ge=0, le=65535)

    @property
    def window_ms(self) -> int:
        """Window size in milliseconds."""
        return int(round(self.window_s * 1000))

    @property
    def lateness_ms(self) -> int:
        """Allowed lateness in milliseconds."""
        return int(round(self.lateness_s * 1000))

    @property
    def out_of_orderness_ms(self) -> int:
        """Out-of-orderness bound in milliseconds."""
        return int(round(self.out_of_orderness_s * 1000))

    @property
    def idleness_ms(self) -> int:
        """Idleness timeout in milliseconds."""
        return int(round(self.idleness_s * 1000))
