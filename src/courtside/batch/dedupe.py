"""The de-duplication job (the Glue job): ``raw/`` to ``tweets/``, one row per post id.

The job, whatever the engine:

1. takes the job lock (a second run refuses, or waits ``lock_wait_s``);
2. lists the complete raw files and keeps those not in the bookmark (all of them with
   ``reset_bookmark``);
3. plans the output partitions those files touch; their current rows are merged with
   the new ones (existing rows win, then the earliest delivery);
4. lets the engine write the partitions into a staging folder. A raw file the engine
   cannot read whole is split row by row (:mod:`courtside.batch.rows`): its readable rows
   are processed, the others are written with their reason to
   ``<lake>/errors/year=/month=/day=/error=dedupe-rejected/<raw file name>`` (the raw
   file's partition). Only a file that cannot be read at all is quarantined whole (moved
   to ``<lake>/quarantine/...`` with the reason);
5. swaps each staged partition in atomically, then records the bookmark, so a crash at
   any point leaves either the old or the new partition and reprocesses at most the
   files of this run (which the merge makes harmless; reject files are rewritten under
   the same names).

With enrichment on (``[batch] enrich``, the default) every row the engine writes gets the
:mod:`courtside.enrich` columns (sentiment, language, entities) on its way to
``tweets/``: DuckDB streams the de-duplicated rows as Arrow batches through
:func:`courtside.enrich.enrich_table`, Spark runs :func:`courtside.enrich.spark.spark_enrich`.
It is a batch step, not a stream transform, because language detection and entity
extraction cost far more than delivery's budget per record, and because it makes
re-enrichment (a new model, a fixed rule) a ``--reset-bookmark`` away rather than a
replay of the stream. On DuckDB an incremental run carries the enrichment of the existing
rows it keeps (Parquet output) and enriches only the others; Spark enriches every row
it writes (the same values). The run record counts the written rows by label and by unscored
reason (``enrich_*`` counts, ``enrichment`` detail).

A run that rejected rows or quarantined files ends ``succeeded_with_rejects``.
"""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from courtside._duckdb import connect as duckdb_connect
from courtside.batch.engine import DedupeEngine, DedupePlan, EngineResult, make_engine
from courtside.batch.errors import BatchError
from courtside.batch.lakefiles import (
    STAGING,
    RawFile,
    clean_staging,
    list_raw,
    output_partitions,
    partition_files,
    quarantine,
    staging_dir,
    swap_partition,
)
from courtside.batch.rows import RowSplitter
from courtside.batch.state import Bookmarks, job_lock
from courtside.config import Settings
from courtside.errors import LakeError
from courtside.runs import SUCCEEDED, SUCCEEDED_WITH_REJECTS, Run, RunRecorder

__all__ = ["DedupeResult", "run_dedupe"]

log = logging.getLogger(__name__)
JOB = "dedupe"
OUTPUT_ZONE = "tweets"
_SUFFIX = {"parquet": ".parquet", "json": ".json"}


@dataclass
class DedupeResult:
    """What a de-duplication run did."""

    run_id: str
    engine: str
    format: str
    files_new: int = 0
    files_processed: int = 0
    quarantined: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    misplaced: list[str] = field(default_factory=list)
    lines_in: int = 0
    rows_existing: int = 0
    rows_out: int = 0
    partitions: list[str] = field(default_factory=list)
    rejected: dict[str, dict[str, Any]] = field(default_factory=dict)
    enrich: bool = False
    enrichment: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        """Lines of the processed files sent to the error zone (not readable posts)."""
        return sum(int(r["rows"]) for r in self.rejected.values())

    @property
    def rows_added(self) -> int:
        """Posts the run added to the partitions it rewrote (all of them on a reset)."""
        return max(0, self.rows_out - self.rows_existing)

    @property
    def rows_dropped(self) -> int:
        """Readable lines left out: duplicates (and rows without an id)."""
        return max(0, self.lines_in - self.rows_rejected - self.rows_added)

    @property
    def status(self) -> str:
        """``succeeded_with_rejects`` when rows were rejected or files quarantined."""
        return SUCCEEDED_WITH_REJECTS if self.rejected or self.quarantined else SUCCEEDED

    def counts(self) -> dict[str, int]:
        """Counters for the run record."""
        return {
            "files_new": self.files_new,
            "files_processed": self.files_processed,
            "files_quarantined": len(self.quarantined),
            "files_missing": len(self.missing),
            "files_misplaced": len(self.misplaced),
            "files_with_rejects": len(self.rejected),
            "lines_in": self.lines_in,
            "rows_rejected": self.rows_rejected,
            "rows_existing": self.rows_existing,
            "rows_added": self.rows_added,
            "rows_out": self.rows_out,
            "rows_dropped": self.rows_dropped,
            "partitions_written": len(self.partitions),
            **self.enrich_counts(),
        }

    def enrich_counts(self) -> dict[str, int]:
        """``enrich_<label>`` and ``enrich_unscored_<reason>`` counts of the written rows
        (empty when enrichment was off)."""
        if not self.enrich:
            return {}
        out = {f"enrich_{label}": n for label, n in self.enrichment.get("labels", {}).items()}
        for reason, n in self.enrichment.get("unscored", {}).items():
            out[f"enrich_unscored_{reason.replace('-', '_')}"] = n
        return out


def _rows_in(files: list[Path], fmt: str) -> int:
    total = 0
    for path in files:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            total += pq.ParquetFile(path).metadata.num_rows
        else:
            total += _count_lines(path)
    return total


def _count_lines(path: Path) -> int:
    count, last = 0, b"\n"
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 22):
                count += chunk.count(b"\n")
                last = chunk[-1:]
    except FileNotFoundError:
        return 0
    return count + (1 if last != b"\n" else 0)


def _enrich_summary(files: list[Path], fmt: str) -> dict[str, dict[str, int]]:
    """The written rows per sentiment label, unscored reason and language source: read
    back from the staged files, so both engines report the same way."""
    summary: dict[str, dict[str, int]] = {"labels": {}, "unscored": {}, "lang_sources": {}}
    if not files:
        return summary

    names = [str(p) for p in files]
    if fmt == "parquet":
        source = "read_parquet(?, union_by_name = true)"
    else:
        source = (
            "read_json(?, format = 'newline_delimited', columns = {'sentiment_label':"
            " 'VARCHAR', 'sentiment_reason': 'VARCHAR', 'lang_source': 'VARCHAR'})"
        )
    con = duckdb_connect()
    try:
        rows = con.execute(
            "SELECT sentiment_label, sentiment_reason, lang_source, count(*)"
            f" FROM {source} GROUP BY ALL",
            [names],
        ).fetchall()
    finally:
        con.close()
    for label, reason, lang_source, count in rows:
        for key, value in (("labels", label), ("unscored", reason), ("lang_sources", lang_source)):
            if value is not None:
                summary[key][value] = summary[key].get(value, 0) + int(count)
    return {key: dict(sorted(values.items())) for key, values in summary.items()}


def _output_format(table_dir: Path) -> str | None:
    for part in output_partitions(table_dir):
        for fmt, suffix in _SUFFIX.items():
            if partition_files(table_dir, part, suffix):
                return fmt
    return None


def run_dedupe(
    settings: Settings,
    *,
    engine: str | DedupeEngine | None = None,
    format: str | None = None,
    reset_bookmark: bool = False,
    wait_s: float | None = None,
    recorder: RunRecorder | None = None,
    parent: Run | None = None,
    enrich: bool | None = None,
) -> DedupeResult:
    """Run the de-duplication job once, recorded as a ``job`` run named ``dedupe``.

    Args:
        settings: The home folder.
        engine: ``duckdb`` (default), ``spark`` or an engine object.
        format: Output format, ``parquet`` (default) or ``json``.
        reset_bookmark: Reprocess every raw file and rebuild their partitions.
        wait_s: Wait this long for another run's lock (default from settings).
        recorder: Where the run is recorded (default: the home folder's run records).
        parent: The workflow run this job is a step of.
        enrich: Add the enrichment columns (default ``[batch] enrich``).

    Raises:
        JobBusyError: another run holds the lock.
        LakeError: the lake does not exist.
        BatchError: the engine failed, or the output holds another format.
    """
    cfg = settings.batch
    fmt = format or cfg.format
    if fmt not in _SUFFIX:
        raise BatchError(f"unknown format {fmt!r} (use parquet or json)")
    engine = engine or cfg.engine
    engine_name = engine if isinstance(engine, str) else engine.name
    recorder = recorder or RunRecorder(settings)
    enrich = cfg.enrich if enrich is None else enrich
    params: dict[str, Any] = {
        "engine": engine_name,
        "format": fmt,
        "reset_bookmark": reset_bookmark,
        "enrich": enrich,
    }
    with recorder.run("job", JOB, params, parent=parent) as run:
        result = DedupeResult(run.id, engine_name, fmt, enrich=enrich)
        try:
            with job_lock(settings, JOB, cfg.lock_wait_s if wait_s is None else wait_s):
                _dedupe(settings, engine, fmt, reset_bookmark, run, result)
        finally:
            for name, value in result.counts().items():
                run.set_count(name, value)
            if result.quarantined:
                run.detail("quarantined", result.quarantined)
            if result.rejected:
                run.detail("rejected", result.rejected)
            if result.rejected or result.quarantined:
                run.reject()
            if result.missing:
                run.detail("missing", result.missing)
            if result.misplaced:
                run.detail("misplaced", result.misplaced)
            run.detail("partitions", result.partitions)
            if result.enrichment:
                run.detail("enrichment", result.enrichment)
    return result


def _dedupe(
    settings: Settings,
    engine_spec: str | DedupeEngine,
    fmt: str,
    reset: bool,
    run: Run,
    result: DedupeResult,
) -> None:
    lake = settings.lake
    if not lake.is_dir():
        raise LakeError(f"the lake {lake} does not exist (run courtside init)")
    clean_staging(lake)
    table_dir = lake / OUTPUT_ZONE
    files, misplaced = list_raw(lake)
    result.misplaced = [str(p.relative_to(lake)) for p in misplaced]
    bookmarks = Bookmarks(settings, JOB)
    seen = {} if reset else bookmarks.processed()
    new = [f for f in files if f.relative not in seen]
    result.files_new = len(new)
    if not new:
        log.info("nothing new in %s/raw", lake)
        if reset:
            bookmarks.reset()
        return

    touched = sorted({f.partition for f in new})
    live = output_partitions(table_dir)
    current = _output_format(table_dir)
    if current is not None and current != fmt:
        uncovered = set(live) - set(touched)
        if not reset or uncovered:
            raise BatchError(
                f"{table_dir} holds {current} files; run with --format {current}, or with"
                f" --reset-bookmark while every partition still has its raw files"
            )
    suffix = _SUFFIX[fmt]
    existing = [] if reset else [p for t in touched for p in partition_files(table_dir, t, suffix)]
    other = [
        p
        for part in live
        if part not in touched
        for p in partition_files(table_dir, part, _SUFFIX[current or fmt])
    ]
    result.rows_existing = _rows_in(existing, fmt)

    line_counts: dict[str, int] = {}
    counter = threading.Thread(
        target=lambda: line_counts.update({f.relative: _count_lines(f.path) for f in new}),
        name="count-lines",
        daemon=True,
    )
    counter.start()
    staging = staging_dir(lake, run.id)
    splitter = RowSplitter(staging.with_name(f"{run.id}.rows"), new)
    engine = (
        make_engine(engine_spec, settings.places, settings.batch, settings.spark)
        if isinstance(engine_spec, str)
        else engine_spec
    )
    try:
        plan = DedupePlan(
            new_files=tuple(str(f.path) for f in new),
            existing_files=tuple(str(p) for p in existing),
            other_files=tuple(str(p) for p in other),
            staging=str(staging),
            format=fmt,
            enrich=result.enrich,
        )
        outcome: EngineResult = engine.run(plan, splitter)
        counter.join()
        outcome.bad_files.update(splitter.unreadable)
        outcome.missing_files.extend(splitter.missing)
        _set_aside(settings, lake, new, outcome, run, result, bookmarks)
        result.rejected = splitter.write_rejects(lake, skip=set(outcome.bad_files), run_id=run.id)
        staged = output_partitions(staging)
        unexpected = set(staged) - set(touched)
        if unexpected:
            raise BatchError(f"engine wrote partitions it was not asked for: {sorted(unexpected)}")
        staged_files = [p for part in staged for p in partition_files(staging, part, suffix)]
        result.rows_out = _rows_in(staged_files, fmt)
        if result.enrich:
            result.enrichment = _enrich_summary(staged_files, fmt)
        for part in staged:
            swap_partition(staging / part, table_dir / part)
            result.partitions.append(part)
        done = [f for f in new if f.relative not in result.quarantined]
        done = [f for f in done if str(f.relative) not in result.missing]
        result.files_processed = len(done)
        result.lines_in = sum(line_counts.get(f.relative, 0) for f in done)
        bookmarks.commit([(f.relative, f.size) for f in done], run.id, reset=reset)
    finally:
        if isinstance(engine_spec, str):
            engine.close()
        splitter.close()
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(splitter.folder, ignore_errors=True)
        try:
            (lake / STAGING).rmdir()
        except OSError:
            pass


def _set_aside(
    settings: Settings,
    lake: Path,
    new: list[RawFile],
    outcome: EngineResult,
    run: Run,
    result: DedupeResult,
    bookmarks: Bookmarks,
) -> None:
    """Quarantine the engine's bad files and note the missing ones."""
    by_path = {str(f.path): f for f in new}
    for path, reason in outcome.bad_files.items():
        raw = by_path.get(path)
        if raw is None:
            raise BatchError(f"engine reported an unknown bad file {path}")
        if not raw.path.exists():
            result.missing.append(raw.relative)
            continue
        moved = quarantine(lake, raw, reason)
        bookmarks.add_quarantined(raw.relative, reason, str(moved.relative_to(lake)), run.id)
        result.quarantined[raw.relative] = reason
        log.warning("quarantined %s: %s", raw.relative, reason)
    reported = set(outcome.bad_files)
    for path in outcome.missing_files:
        raw = by_path.get(path)
        if raw is not None and raw.relative not in result.missing:
            result.missing.append(raw.relative)
    # Spark skips vanished files silently: anything gone now was not read.
    for raw in new:
        if str(raw.path) not in reported and raw.relative not in result.missing:
            if not raw.path.exists():
                result.missing.append(raw.relative)
