"""The de-duplication job (the Glue job): ``raw/`` to ``tweets/``, one row per post id.

The job, whatever the engine and wherever the lake (a folder or ``s3://bucket/prefix``:
it touches the lake only through :class:`courtside.lake.base.Lake`):

1. takes the job lock (a second run refuses, or waits ``lock_wait_s``);
2. lists the complete raw objects and keeps those not in the bookmark (all of them with
   ``reset_bookmark``); bookmarks hold keys relative to the lake and stay in the local
   state folder;
3. plans the output partitions those files touch; their current rows (the partitions'
   committed objects, :func:`courtside.lake.tables.committed_files`) are merged with the
   new ones (existing rows win, then the earliest delivery);
4. lets the engine write the partitions into the run's local workspace
   (:func:`courtside.batch.lakefiles.open_workspace`: a folder lake is read in place, any
   other lake has the run's inputs downloaded first). A raw file the engine
   cannot read whole is split row by row (:mod:`courtside.batch.rows`): its readable rows
   are processed, the others are written with their reason to
   ``errors/year=/month=/day=/error=dedupe-rejected/<raw file name>`` (the raw
   file's partition). Only a file that cannot be read at all is quarantined whole (moved
   to ``quarantine/<its key>`` with the reason);
5. publishes each written partition with :func:`courtside.lake.tables.publish` (data
   objects ``part-<run>-<n>``, then the ``_committed-<run>`` marker, then deletion of the
   old objects), then records the bookmark, so a crash at any point leaves readers the
   old or the new partition and reprocesses at most the files of this run (which the
   merge makes harmless; reject files are rewritten under the same names).

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
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from courtside._duckdb import connect as duckdb_connect
from courtside.batch.engine import DedupeEngine, DedupePlan, EngineResult, make_engine
from courtside.batch.errors import BatchError
from courtside.batch.lakefiles import (
    RawFile,
    list_raw,
    open_workspace,
    output_partitions,
    quarantine,
    staged_partitions,
)
from courtside.batch.rows import RowSplitter
from courtside.batch.state import Bookmarks, job_lock
from courtside.config import Settings
from courtside.lake.base import Lake, LakeObject, join_key
from courtside.lake.tables import new_run_id, publish
from courtside.runs import SUCCEEDED, SUCCEEDED_WITH_REJECTS, Run, RunRecorder

if TYPE_CHECKING:
    from courtside.batch.config import BatchSettings
    from courtside.engines.config import SparkSettings
    from courtside.places import Places

__all__ = ["DedupeResult", "run_dedupe"]

log = logging.getLogger(__name__)
JOB = "dedupe"
OUTPUT_ZONE = "tweets"
_SUFFIX = {"parquet": ".parquet", "json": ".json"}
_PUBLISH_THREADS = 8


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


def _output_format(current: dict[str, list[LakeObject]]) -> str | None:
    for files in current.values():
        for fmt, suffix in _SUFFIX.items():
            if any(f.name.endswith(suffix) for f in files):
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
        settings: The configuration (the job reads its places, ``[batch]`` and ``[spark]``).
        engine: ``duckdb`` (default), ``spark`` or an engine object.
        format: Output format, ``parquet`` (default) or ``json``.
        reset_bookmark: Reprocess every raw file and rebuild their partitions.
        wait_s: Wait this long for another run's lock (default from settings).
        recorder: Where the run is recorded (default: the home folder's run records).
        parent: The workflow run this job is a step of.
        enrich: Add the enrichment columns (default ``[batch] enrich``).

    Raises:
        JobBusyError: another run holds the lock.
        LakeError: the lake does not exist (or its bucket), or cannot be reached.
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
            places = settings.places
            with job_lock(places, JOB, cfg.lock_wait_s if wait_s is None else wait_s):
                _dedupe(places, cfg, settings.spark, engine, fmt, reset_bookmark, run, result)
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
    places: Places,
    batch: BatchSettings,
    spark: SparkSettings,
    engine_spec: str | DedupeEngine,
    fmt: str,
    reset: bool,
    run: Run,
    result: DedupeResult,
) -> None:
    lake = places.lake
    workspace = open_workspace(lake, places.state_dir, run.id)
    workspace.clean_leftovers()
    bookmarks = Bookmarks(places, JOB)
    seen = {} if reset else bookmarks.processed()
    new, result.misplaced = list_raw(lake, workspace, done=seen)
    result.files_new = len(new)
    if not new:
        log.info("nothing new in %s/raw", lake.describe())
        if reset:
            bookmarks.reset()
        return

    touched = sorted({f.partition for f in new})
    live = output_partitions(lake, OUTPUT_ZONE)
    current = _output_format(live)
    if current is not None and current != fmt:
        uncovered = set(live) - set(touched)
        if not reset or uncovered:
            raise BatchError(
                f"{lake.describe()}/{OUTPUT_ZONE} holds {current} files; run with --format"
                f" {current}, or with --reset-bookmark while every partition still has its"
                " raw files"
            )
    suffix = _SUFFIX[fmt]
    existing = (
        []
        if reset
        else [o.key for t in touched for o in live.get(t, ()) if o.name.endswith(suffix)]
    )
    other_suffix = _SUFFIX[current or fmt]
    other = [
        o.key
        for part, objects in live.items()
        if part not in touched
        for o in objects
        if o.name.endswith(other_suffix)
    ]

    workspace.create()
    splitter = RowSplitter(workspace.rows, new)
    engine: DedupeEngine | None = None
    try:
        gone = set(workspace.fetch([f.relative for f in new]))
        result.missing.extend(f.relative for f in new if f.relative in gone)
        # Only the ids of the other partitions are read (the plan's contract).
        vanished = workspace.fetch(existing) + workspace.fetch(other, columns=["id"])
        if vanished:
            raise BatchError(
                f"{len(vanished)} object(s) of {OUTPUT_ZONE}/ vanished while the job held its"
                f" lock (e.g. {vanished[0][:200]}): another writer? run the job again"
            )
        result.rows_existing = _rows_in([workspace.path(k) for k in existing], fmt)
        readable = [f for f in new if f.relative not in gone]

        line_counts: dict[str, int] = {}
        counter = threading.Thread(
            target=lambda: line_counts.update({f.relative: _count_lines(f.path) for f in readable}),
            name="count-lines",
            daemon=True,
        )
        counter.start()
        outcome = EngineResult()
        if readable:
            engine = (
                make_engine(engine_spec, places, batch, spark)
                if isinstance(engine_spec, str)
                else engine_spec
            )
            plan = DedupePlan(
                new_files=tuple(str(f.path) for f in readable),
                existing_files=tuple(str(workspace.path(k)) for k in existing),
                other_files=tuple(str(workspace.path(k)) for k in other),
                staging=str(workspace.staging),
                format=fmt,
                enrich=result.enrich,
            )
            outcome = engine.run(plan, splitter)
        counter.join()
        outcome.bad_files.update(splitter.unreadable)
        outcome.missing_files.extend(splitter.missing)
        _set_aside(lake, readable, outcome, run, result, bookmarks)
        result.rejected = splitter.write_rejects(lake, skip=set(outcome.bad_files), run_id=run.id)
        staged = staged_partitions(workspace.staging, suffix)
        unexpected = set(staged) - set(touched)
        if unexpected:
            raise BatchError(f"engine wrote partitions it was not asked for: {sorted(unexpected)}")
        _publish(lake, staged, live, fmt, run, result)
        done = [f for f in new if f.relative not in result.quarantined]
        done = [f for f in done if f.relative not in result.missing]
        result.files_processed = len(done)
        result.lines_in = sum(line_counts.get(f.relative, 0) for f in done)
        bookmarks.commit([(f.relative, f.size) for f in done], run.id, reset=reset)
    finally:
        if engine is not None and isinstance(engine_spec, str):
            engine.close()
        splitter.close()
        workspace.remove()


def _publish(
    lake: Lake,
    staged: dict[str, list[Path]],
    live: dict[str, list[LakeObject]],
    fmt: str,
    run: Run,
    result: DedupeResult,
) -> None:
    """Publish each staged partition as the new version of its partition of ``tweets/``
    (:func:`courtside.lake.tables.publish`; partitions in parallel, each one a unit).

    A partition that does not exist yet is first published empty, so that a crash after
    some of its new data objects leaves readers an empty partition (as before the run),
    never a part of the new one. (A partition written before commit markers existed has
    its old objects and the new ones both current between the first data object and the
    marker: a crash there shows duplicates until the next run rewrites it.)
    """
    suffix = _SUFFIX[fmt]
    now = datetime.now(UTC)
    version, placeholder = new_run_id(now), new_run_id(now - timedelta(milliseconds=1))
    rows = {part: _rows_in(paths, fmt) for part, paths in staged.items()}
    result.rows_out = sum(rows.values())
    if result.enrich:
        result.enrichment = _enrich_summary([p for paths in staged.values() for p in paths], fmt)
    meta: dict[str, object] = {"job": JOB, "job_run_id": run.id}

    def one(part: str) -> str:
        key = join_key(OUTPUT_ZONE, part)
        if part not in live:
            publish(lake, key, [], ext=suffix, run_id=placeholder, meta={**meta, "rows": 0})
        publish(
            lake, key, staged[part], ext=suffix, run_id=version, meta={**meta, "rows": rows[part]}
        )
        return part

    if staged:
        with ThreadPoolExecutor(min(_PUBLISH_THREADS, len(staged))) as pool:
            result.partitions.extend(pool.map(one, sorted(staged)))


def _set_aside(
    lake: Lake,
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
        moved = quarantine(lake, raw, reason)
        if moved is None:
            result.missing.append(raw.relative)
            continue
        bookmarks.add_quarantined(raw.relative, reason, moved, run.id)
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
