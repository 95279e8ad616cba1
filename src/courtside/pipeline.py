"""The nightly pipeline: the workflow (dedupe, then crawl), a data-quality gate, the
daily job for every pending day, a second data-quality gate, then the warehouse load.

Steps, in order (:data:`STEPS`):

* ``validate``: the ``[quality]`` checks against the catalog, before anything runs (a
  check on a column that does not exist stops the pipeline here, not at 3 a.m.);
* ``workflow``: dedupe, then crawl;
* ``quality``: profile each new (pending) day of ``tweets`` and evaluate the checks of
  every configured table that is not a daily output, for those days;
* ``daily``: the daily job for every pending day;
* ``daily_quality``: profile the daily outputs for the days just computed and evaluate
  their checks;
* ``load``: the warehouse load.

A failing ``error`` check stops the pipeline before the load, with the check, the day and
example rows in the error and in the step's run record (``details.failures``). Profiles
and checks always run on DuckDB over the lake, whatever the jobs' engine.

The pipeline is recorded as a run (kind ``pipeline``, name ``nightly``) whose
transitions name each step's outcome; each step is a child run (kind ``step``) under
which the step's own runs hang (the daily executions, the load). A failed step stops the
rest: the later steps are recorded as skipped, and :class:`PipelineError` says which
step failed, why, and what did not run. Every step is idempotent, so running the
pipeline again after a fix picks up where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from courtside.catalog.store import Catalog
from courtside.config import Settings
from courtside.errors import CourtsideError, TerminalError
from courtside.job.daily import INPUT_TABLE, OUTPUT_TABLE, DailyBatch, run_days
from courtside.job.pending import pending_days
from courtside.quality.nightly import GateResult, run_gate, split_checks, validate_at_startup
from courtside.runs import FAILED, SKIPPED, SUCCEEDED, Run, RunRecorder, scrub
from courtside.warehouse.config import LoadMode
from courtside.warehouse.loader import LoadOutcome, load

__all__ = ["STEPS", "NightlyResult", "PipelineError", "run_nightly"]

log = logging.getLogger(__name__)
STEPS = ("validate", "workflow", "quality", "daily", "daily_quality", "load")
#: The daily job's outputs: profiled and checked after the daily step (the sentiment
#: table when a daily job writes it).
DAILY_TABLES = (OUTPUT_TABLE, "players_daily_sentiment")


class PipelineError(TerminalError):
    """A step of the nightly pipeline failed; the later steps did not run.

    Attributes:
        step: The failed step.
        run_id: The pipeline run's id.
        skipped: The steps that did not run.
    """

    def __init__(self, step: str, run_id: str, cause: BaseException, skipped: list[str]) -> None:
        later = f"; not run: {', '.join(skipped)}" if skipped else ""
        super().__init__(f"nightly pipeline stopped at step {step}: {cause}{later} (run {run_id})")
        self.step = step
        self.run_id = run_id
        self.skipped = skipped
        self.cause = cause


class _DailyStepError(CourtsideError):
    """Some days of the daily step failed (the message names them)."""


@dataclass
class NightlyResult:
    """What the nightly pipeline did.

    Attributes:
        run_id: The pipeline run.
        workflow_run_id: The workflow's own run.
        pending: The days the daily step ran, with why they were pending.
        daily: The daily executions.
        quality: The gate after the workflow (profiles, check results).
        daily_quality: The gate after the daily job.
        load: The load's outcome.
    """

    run_id: str
    workflow_run_id: str | None = None
    pending: dict[str, str] = field(default_factory=dict)
    daily: DailyBatch = field(default_factory=DailyBatch)
    quality: GateResult = field(default_factory=GateResult)
    daily_quality: GateResult = field(default_factory=GateResult)
    load: LoadOutcome | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return {
            "run_id": self.run_id,
            "workflow_run_id": self.workflow_run_id,
            "pending": self.pending,
            "daily": [r.as_dict() for r in self.daily.results],
            "quality": self.quality.as_dict(),
            "daily_quality": self.daily_quality.as_dict(),
            "load": self.load.as_dict() if self.load else None,
        }


def run_nightly(
    settings: Settings,
    *,
    engine: str = "duckdb",
    target: str | None = None,
    url: SecretStr | str | None = None,
    mode: LoadMode | None = None,
    recorder: RunRecorder | None = None,
) -> NightlyResult:
    """Validate the quality checks, run the workflow, the first quality gate, the daily
    job for every pending day, the second quality gate, then the load.

    Args:
        settings: The home folder.
        engine: Engine of the workflow's dedupe job and of the daily job.
        target: Warehouse target (``duckdb`` or ``postgres``; default from settings).
        url: PostgreSQL URL overriding ``warehouse.url``.
        mode: Insert mode of the load (default from settings).
        recorder: Where runs are recorded (default: the home's run records).

    Raises:
        PipelineError: naming the failed step and the steps that did not run (a failed
            check: its name, day and example rows).
    """
    from courtside.batch.workflow import run_workflow

    recorder = recorder or RunRecorder(settings)
    params = {"engine": engine, "target": target, "mode": mode}
    checks = settings.quality
    database = settings.catalog.database
    catalog = Catalog.open(settings)
    with recorder.run("pipeline", "nightly", params) as pipeline:
        result = NightlyResult(pipeline.id)
        steps = _Steps(recorder, pipeline)

        with steps.step("validate", {}) as step:
            validate_at_startup(checks, catalog, database)
            step.set_count("tables_with_checks", len(checks.tables))
        workflow_checks, daily_checks = split_checks(checks, DAILY_TABLES)

        with steps.step("workflow", {"engine": engine}) as step:
            workflow = run_workflow(settings, engine=engine, recorder=recorder)
            result.workflow_run_id = workflow.run_id
            step.detail("workflow_run_id", workflow.run_id)
            step.set_count("rows_out", workflow.dedupe.rows_out)
            if workflow.dedupe.status != SUCCEEDED:
                step.set_count("rows_rejected", workflow.dedupe.rows_rejected)
                step.set_count("files_quarantined", len(workflow.dedupe.quarantined))
                step.reject()

        with steps.step("quality", {"tables": workflow_checks}) as step:
            pending = pending_days(settings, recorder=recorder)
            result.pending = {p.day.isoformat(): p.reason for p in pending}
            step.set_count("days_pending", len(pending))
            result.quality = run_gate(
                settings.places,
                catalog,
                checks,
                database=database,
                profile_tables=[INPUT_TABLE],
                check_names=workflow_checks,
                days=[p.day for p in pending],
                recorder=recorder,
                step=step,
            )

        with steps.step("daily", {"engine": engine}) as step:
            step.set_count("days_pending", len(pending))
            if not pending:
                step.detail("note", "no pending day")
            result.daily = run_days(
                settings, [p.day for p in pending], engine=engine, recorder=recorder, parent=step
            )
            step.set_count(
                "days_succeeded", sum(r.status == SUCCEEDED for r in result.daily.results)
            )
            step.set_count("rows", result.daily.rows)
            if not result.daily.ok:
                failed = [r for r in result.daily.results if r.status != SUCCEEDED]
                first = failed[0]
                unrun = (
                    f", not run: {len(result.daily.not_run)} day(s)" if result.daily.not_run else ""
                )
                raise _DailyStepError(
                    f"day {first.day} failed in state {first.failed_state}: {first.error}"
                    f" (run {first.run_id}){unrun}"
                )

        with steps.step("daily_quality", {"tables": daily_checks}) as step:
            result.daily_quality = run_gate(
                settings.places,
                catalog,
                checks,
                database=database,
                profile_tables=DAILY_TABLES,
                check_names=daily_checks,
                days=[r.day for r in result.daily.results],
                recorder=recorder,
                step=step,
            )

        with steps.step("load", {"target": target, "mode": mode}) as step:
            result.load = load(
                settings, target=target, url=url, mode=mode, recorder=recorder, parent=step
            )
            step.set_count("rows", result.load.rows)
            step.set_count("days", len(result.load.days))
    return result


class _Steps:
    """Runs the steps in order; after a failure, the remaining ones are skipped."""

    def __init__(self, recorder: RunRecorder, pipeline: Run) -> None:
        self.recorder = recorder
        self.pipeline = pipeline

    @contextmanager
    def step(self, name: str, params: dict[str, Any]) -> Iterator[Run]:
        try:
            with self.recorder.run("step", name, params, parent=self.pipeline) as step:
                yield step
        except CourtsideError as exc:
            self.pipeline.transition(name, FAILED, error=scrub(str(exc))[:500])
            skipped = list(STEPS[STEPS.index(name) + 1 :])
            for later in skipped:
                with self.recorder.run("step", later, {}, parent=self.pipeline) as run:
                    run.skip(f"step {name} failed")
                self.pipeline.transition(later, SKIPPED)
            log.error("nightly pipeline: step %s failed: %s", name, exc)
            raise PipelineError(name, self.pipeline.id, exc, skipped) from exc
        self.pipeline.transition(name, step.status, run_id=step.id)
        if step.rejects:  # input left out in a step: the pipeline says so too
            self.pipeline.reject()
