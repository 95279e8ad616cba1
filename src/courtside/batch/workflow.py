"""The workflow (the Glue workflow): de-duplicate, then crawl only if that succeeded.

The workflow, each of its steps and every stand-alone crawl are recorded as runs; the
steps point at the workflow run (``parent_id``) and the workflow keeps the transitions
(``dedupe: succeeded``, ``crawl: skipped``, ...), so ``courtside runs`` shows which step
failed. When dedupe rejected rows or quarantined files, both it and the workflow end
``succeeded_with_rejects`` (the crawl still runs: the good rows are there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from courtside.batch.dedupe import OUTPUT_ZONE, DedupeResult, run_dedupe
from courtside.batch.engine import DedupeEngine
from courtside.batch.errors import BatchError
from courtside.catalog.crawler import CrawlResult, crawl
from courtside.config import Settings
from courtside.errors import CourtsideError
from courtside.runs import FAILED, SKIPPED, SUCCEEDED, Run, RunRecorder

__all__ = ["WorkflowError", "WorkflowResult", "run_crawl", "run_workflow"]

WORKFLOW = "dedupe-then-crawl"


class WorkflowError(BatchError):
    """A workflow step failed; later steps were skipped.

    Attributes:
        step: The failed step's name.
        run_id: The workflow run's id.
    """

    def __init__(self, step: str, run_id: str, cause: BaseException) -> None:
        super().__init__(f"workflow step {step} failed: {cause}")
        self.step = step
        self.run_id = run_id


@dataclass
class WorkflowResult:
    """The workflow run and the results of its steps."""

    run_id: str
    dedupe: DedupeResult
    crawl: CrawlResult


def run_crawl(
    settings: Settings,
    prefix: str = OUTPUT_ZONE,
    *,
    table: str | None = None,
    database: str | None = None,
    policy: str | None = None,
    recorder: RunRecorder | None = None,
    parent: Run | None = None,
) -> CrawlResult:
    """Crawl ``prefix`` into the catalog, recorded as a ``crawler`` run."""
    recorder = recorder or RunRecorder(settings)
    params: dict[str, Any] = {"prefix": prefix, "table": table, "database": database}
    params["policy"] = policy
    with recorder.run(
        "crawler", table or prefix.strip("/").rsplit("/", 1)[-1], params, parent=parent
    ) as run:
        result = crawl(settings, prefix, table=table, database=database, policy=policy)
        for name, value in result.counts().items():
            run.set_count(name, value)
        run.detail("table", f"{result.database}.{result.table}")
        run.detail("created", result.created)
        run.detail("changed", result.changed)
        if result.replaced:
            run.detail("replaced", True)
        if result.schema_diff:
            run.detail("schema_diff", result.schema_diff)
            run.detail("schema_applied", result.schema_applied)
        if result.format is None:
            run.detail("note", "no data files: table not created or changed")
    return result


def run_workflow(
    settings: Settings,
    *,
    engine: str | DedupeEngine | None = None,
    format: str | None = None,
    reset_bookmark: bool = False,
    policy: str | None = None,
    recorder: RunRecorder | None = None,
    enrich: bool | None = None,
) -> WorkflowResult:
    """Run dedupe, then the crawler over ``tweets/`` if dedupe succeeded.

    Raises:
        WorkflowError: naming the failed step (the step's own run holds the details).
    """
    recorder = recorder or RunRecorder(settings)
    engine_name = engine if isinstance(engine, str) or engine is None else engine.name
    params = {"engine": engine_name, "format": format, "reset_bookmark": reset_bookmark}
    params["policy"] = policy
    with recorder.run("workflow", WORKFLOW, params) as wf:
        try:
            dd = run_dedupe(
                settings,
                engine=engine,
                format=format,
                reset_bookmark=reset_bookmark,
                recorder=recorder,
                parent=wf,
                enrich=enrich,
            )
        except CourtsideError as exc:
            wf.transition("dedupe", FAILED, error=str(exc)[:500])
            with recorder.run("crawler", OUTPUT_ZONE, {"prefix": OUTPUT_ZONE}, parent=wf) as skip:
                skip.skip("dedupe failed")
            wf.transition("crawl", SKIPPED)
            raise WorkflowError("dedupe", wf.id, exc) from exc
        wf.transition(
            "dedupe",
            dd.status,
            run_id=dd.run_id,
            rows_rejected=dd.rows_rejected,
            files_quarantined=len(dd.quarantined),
        )
        if dd.status != SUCCEEDED:
            wf.reject()  # the workflow ends succeeded_with_rejects, never plain succeeded
        try:
            cr = run_crawl(settings, OUTPUT_ZONE, policy=policy, recorder=recorder, parent=wf)
        except CourtsideError as exc:
            wf.transition("crawl", FAILED, error=str(exc)[:500])
            raise WorkflowError("crawl", wf.id, exc) from exc
        wf.transition("crawl", SUCCEEDED)
        wf.set_count("rows_out", dd.rows_out)
        wf.set_count("rows_rejected", dd.rows_rejected)
        wf.set_count("files_quarantined", len(dd.quarantined))
        wf.set_count("partitions_added", cr.partitions_added)
    return WorkflowResult(wf.id, dd, cr)
