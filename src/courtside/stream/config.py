"""Configuration of the durable local stream."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from courtside._model import Section


class StreamSettings(Section):
    """Durable local stream settings.

    Attributes:
        max_record_mib: Largest record ``append`` accepts.
        retention_hours: Records older than this are trimmed (``"none"``: keep forever).
        retention_mib: Per-stream size cap in MiB, oldest trimmed first (``"none"``: no
            cap).
        synchronous: ``full`` fsyncs every commit (survives power loss); ``normal`` survives
            process crashes (kill -9) but not power loss.
        busy_timeout_s: How long a writer waits for another process's lock.
        backend: ``local`` (the SQLite log in the home folder) or ``kinesis``.
        kinesis_prefix: Kinesis stream names are this prefix plus the stream's name.
        kinesis_lease_table: The DynamoDB table of consumer-group leases and checkpoints.
        kinesis_lease_timeout_s: A consumer's lease expires this long after its last
            heartbeat (then another consumer of the group may take over).
    """

    max_record_mib: float = Field(default=10.0, gt=0, le=256)
    retention_hours: float | None = Field(default=168.0, gt=0, le=87_600)
    retention_mib: float | None = Field(default=None, gt=0, le=1_048_576)
    synchronous: Literal["full", "normal"] = "full"
    busy_timeout_s: float = Field(default=30.0, gt=0, le=3600)
    backend: Literal["local", "kinesis"] = "local"
    kinesis_prefix: str = Field(default="courtside-", pattern=r"^[A-Za-z0-9_.-]{0,64}$")
    kinesis_lease_table: str = Field(default="courtside-leases", pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    kinesis_lease_timeout_s: float = Field(default=30.0, ge=1, le=3600)
