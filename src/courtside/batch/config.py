"""Configuration of the batch jobs (the ``[batch]`` section)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from courtside._model import Section


class BatchSettings(Section):
    """Batch job settings: de-duplication, and DuckDB's limits of the daily job too
    (Spark's are in ``[spark]``).

    Attributes:
        engine: Default engine, ``duckdb`` or ``spark``.
        format: Default output format of ``tweets/``, ``parquet`` or ``json``.
        duckdb_memory_mib: DuckDB's memory limit of the dedupe and daily jobs; beyond it
            DuckDB spills to disk.
        duckdb_threads: DuckDB worker threads of those jobs (unset: one per core).
        lock_wait_s: How long a run waits for another run's lock before refusing.
    """

    engine: Literal["duckdb", "spark"] = "duckdb"
    format: Literal["parquet", "json"] = "parquet"
    duckdb_memory_mib: int = Field(default=1024, ge=128, le=1_048_576)
    duckdb_threads: int | None = Field(default=None, ge=1, le=256)
    lock_wait_s: float = Field(default=0.0, ge=0, le=86400)
