"""The engine contract of the de-duplication job.

An engine evaluates :func:`courtside.batch.dedupe_sql.dedupe_query` over a
:class:`DedupePlan` and writes the resulting partitions under the plan's staging folder
(``year=YYYY/month=MM/day=DD/`` sub-folders in the plan's format). It never touches the
live output: listing, bookmarks, quarantine moves, partition swaps and run records are
the job's (:mod:`courtside.batch.dedupe`), written once for all engines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["DedupeEngine", "DedupePlan", "EngineResult"]


@dataclass(frozen=True)
class DedupePlan:
    """What one run reads and where it writes.

    Attributes:
        new_files: Raw files to process (paths or URIs), oldest first.
        existing_files: Output files of the partitions the new files touch.
        other_files: Output files of every other partition (only their ``id`` is read).
        staging: Folder (path or URI) to write the new partitions into.
        format: ``parquet`` or ``json`` (of the output, existing files included).
    """

    new_files: tuple[str, ...]
    existing_files: tuple[str, ...]
    other_files: tuple[str, ...]
    staging: str
    format: str


@dataclass
class EngineResult:
    """What an engine reports besides the staged partitions.

    Attributes:
        bad_files: Raw files that could not be read (truncated or invalid JSON, invalid
            UTF-8, values of the wrong type), with the reason; none of their rows were
            written.
        missing_files: Raw files that disappeared before they could be read.
    """

    bad_files: dict[str, str] = field(default_factory=dict)
    missing_files: list[str] = field(default_factory=list)


class DedupeEngine(Protocol):
    """A de-duplication engine (DuckDB, Spark)."""

    name: str

    def run(self, plan: DedupePlan) -> EngineResult:
        """Write the de-duplicated partitions of ``plan`` under ``plan.staging``.

        Bad raw files are reported in the result and left out; any other failure
        raises, and the staging folder must then be discarded.
        """
        ...

    def close(self) -> None:
        """Release the engine's resources (connections, sessions it started)."""
        ...
