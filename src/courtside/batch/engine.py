"""The engine contract of the de-duplication job.

An engine evaluates :func:`courtside.batch.dedupe_sql.dedupe_query` over a
:class:`DedupePlan` and writes the resulting partitions under the plan's staging folder
(``year=YYYY/month=MM/day=DD/`` sub-folders in the plan's format). It reads and writes
local files only (the run's workspace, :mod:`courtside.batch.lakefiles`: the objects
themselves on a folder lake, downloaded copies otherwise) and never touches the lake:
listing, bookmarks, row isolation, quarantine, publishing the partitions and run records
are the job's (:mod:`courtside.batch.dedupe`), written once for all engines and lakes.

Bad records are isolated row by row: when an engine finds a raw file it cannot read
whole, it calls the job's :data:`Splitter` with it and reads the file the splitter returns
instead (the file's readable rows, same name, same partition folders, so the partition
values and the delivery order are unchanged). Only a file the splitter cannot serve, or
whose readable rows the engine still cannot read, is reported as bad.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from courtside.batch.config import BatchSettings
    from courtside.engines.config import SparkSettings
    from courtside.places import Places

__all__ = [
    "ENGINES",
    "DedupeEngine",
    "DedupePlan",
    "EngineResult",
    "Splitter",
    "make_engine",
    "split_in_place",
]

#: The engines' names, as ``make_engine`` and ``--engine`` take them.
ENGINES = ("duckdb", "spark")

#: ``split(path, reason)``: called with a raw file an engine cannot read whole and the
#: engine's reason; returns the path of a file holding its readable rows, to be read in
#: its place, or ``None`` when no row of it is left to read.
Splitter = Callable[[str, str], str | None]


def split_in_place(
    files: list[str], culprit: str, reason: str, split: Splitter, origin: dict[str, str]
) -> None:
    """Put the splitter's answer for ``culprit`` in its place in ``files``: the file of
    its readable rows (recorded in ``origin`` as standing for the raw file ``culprit``
    stands for), or nothing when no row of it is left."""
    index = files.index(culprit)
    replacement = split(culprit, reason)
    if replacement is None:
        files.pop(index)
    else:
        files[index] = replacement
        origin[replacement] = origin.get(culprit, culprit)


@dataclass(frozen=True)
class DedupePlan:
    """What one run reads and where it writes.

    Attributes:
        new_files: Raw files to process (paths or URIs), oldest first.
        existing_files: Output files of the partitions the new files touch.
        other_files: Output files of every other partition (only their ``id`` is read).
        staging: Local folder (path or ``file:`` URI) to write the new partitions into.
        format: ``parquet`` or ``json`` (of the output, existing files included).
        enrich: Append the enrichment columns (:data:`courtside.enrich.ENRICH_SCHEMA`) to
            every written row, existing rows of the rewritten partitions included (they
            are enriched again: the values are a pure function of the post).
    """

    new_files: tuple[str, ...]
    existing_files: tuple[str, ...]
    other_files: tuple[str, ...]
    staging: str
    format: str
    enrich: bool = False


@dataclass
class EngineResult:
    """What an engine reports besides the staged partitions.

    Attributes:
        bad_files: Raw files that could not be read, with the reason, and that the
            splitter could not serve (or no splitter was given); none of their rows were
            written.
        missing_files: Raw files that disappeared before they could be read.
        rejected_rows: Lines left out one by one, per raw file, when no splitter was
            given (the standalone Spark script); with a splitter the job counts them.
    """

    bad_files: dict[str, str] = field(default_factory=dict)
    missing_files: list[str] = field(default_factory=list)
    rejected_rows: dict[str, int] = field(default_factory=dict)


class DedupeEngine(Protocol):
    """A de-duplication engine (DuckDB, Spark)."""

    name: str

    def run(self, plan: DedupePlan, split: Splitter | None = None) -> EngineResult:
        """Write the de-duplicated partitions of ``plan`` under ``plan.staging``.

        A raw file the engine cannot read whole is passed to ``split`` and replaced by
        the file it returns; without ``split``, or when the replacement cannot be read
        either, the file is reported in the result and left out. Any other failure
        raises, and the staging folder must then be discarded.
        """
        ...

    def close(self) -> None:
        """Release the engine's resources (connections, sessions it started)."""
        ...


def make_engine(
    name: str, places: Places, batch: BatchSettings, spark: SparkSettings
) -> DedupeEngine:
    """The engine called ``name`` (``duckdb`` or ``spark``), configured from the
    ``[batch]`` (DuckDB's memory and threads) and ``[spark]`` sections.

    The same signature as :func:`courtside.job.engines.make_engine`.

    Raises:
        BatchError: for an unknown name.
    """
    if name == "duckdb":
        from courtside.batch.duckdb_engine import DuckDBEngine

        return DuckDBEngine(
            memory_limit_mib=batch.duckdb_memory_mib,
            threads=batch.duckdb_threads,
            temp_dir=places.state("duckdb-tmp"),
        )
    if name == "spark":
        from courtside.batch.spark_dedupe import SparkEngine

        return SparkEngine(settings=spark, home=places.home)
    from courtside.batch.errors import BatchError

    raise BatchError(f"unknown engine {name[:40]!r} (use {' or '.join(ENGINES)})")
