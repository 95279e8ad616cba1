"""Batch jobs on the lake: the de-duplication job (DuckDB or Spark) and the workflow.

Public API::

    run_dedupe(settings, engine="duckdb", format="parquet", reset_bookmark=False)
    run_crawl(settings, "tweets")
    run_workflow(settings)           # dedupe, then crawl if it succeeded
"""

from __future__ import annotations

from courtside._lazy import lazy_getattr

# Imported lazily: courtside.config imports this package's config module while it is
# itself being imported, so this package must not import courtside.config eagerly.
_EXPORTS = {
    "BatchSettings": "courtside.batch.config",
    "batch_settings": "courtside.batch.config",
    "DedupeResult": "courtside.batch.dedupe",
    "make_engine": "courtside.batch.engine",
    "run_dedupe": "courtside.batch.dedupe",
    "DedupeEngine": "courtside.batch.engine",
    "DedupePlan": "courtside.batch.engine",
    "EngineResult": "courtside.batch.engine",
    "BatchError": "courtside.batch.errors",
    "JobBusyError": "courtside.batch.errors",
    "Bookmarks": "courtside.batch.state",
    "job_lock": "courtside.batch.state",
    "WorkflowError": "courtside.batch.workflow",
    "WorkflowResult": "courtside.batch.workflow",
    "run_crawl": "courtside.batch.workflow",
    "run_workflow": "courtside.batch.workflow",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
