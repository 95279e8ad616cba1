"""Running the configured checks and recording their results.

Each checked table is one run record (kind ``quality``, name ``database.table``) whose
details hold every check's result and failing examples, so the dashboard can show the
results over time (:func:`check_history`). A run whose ``error`` checks failed is
recorded as ``failed`` with the failures in its error; the report is returned either way
and :meth:`QualityReport.raise_for_failures` stops a caller such as the nightly pipeline.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from courtside.catalog.store import Catalog
from courtside.places import Places
from courtside.quality.checks import CheckContext, evaluate, latest_day
from courtside.quality.config import QualitySettings
from courtside.quality.engine import DuckDBEngine, QueryEngine
from courtside.quality.errors import QualityCheckError, QualityError
from courtside.quality.report import FAILED, PASSED, WARNED, CheckResult, QualityReport
from courtside.quality.validate import validate_checks
from courtside.runs import RunRecorder

__all__ = ["RUN_KIND", "check_history", "run_checks"]

RUN_KIND = "quality"


def run_checks(
    places: Places,
    catalog: Catalog,
    cfg: QualitySettings,
    *,
    table: str | None = None,
    day: date | None = None,
    engine: QueryEngine | None = None,
    recorder: RunRecorder | None = None,
    parent: str | None = None,
    now: datetime | None = None,
) -> QualityReport:
    """Validate the checks against the catalog, evaluate them and record the results.

    Args:
        places: Where the lake and the run records are.
        catalog: The catalog of the checked tables.
        cfg: The ``[quality]`` checks.
        table: Check only this table (``table`` or ``database.table``).
        day: Check this day's rows (row checks) and this day's counts (row-count checks);
            without it row checks cover the whole table and row-count checks its newest day.
        engine: Where the SQL runs (default: DuckDB over the catalog).
        recorder: Where runs are recorded (default: the home's run records).
        parent: The enclosing run's id (the nightly pipeline's step).
        now: The time freshness is measured against (default: now).

    Raises:
        QualityConfigError: at start-up, for a table or column that is not in the catalog.
        QualityError: when a check's SQL cannot run.
    """
    tables = validate_checks(cfg, catalog, table, strict=True)
    recorder = recorder or RunRecorder(path=places.state("runs.db"))
    at = (now or datetime.now(UTC)).astimezone(UTC)
    own_engine = engine is None
    engine = engine or DuckDBEngine(places)
    report = QualityReport()
    try:
        for name, tbl in tables:
            params = {
                "table": tbl.qualified_name,
                "date": day.isoformat() if day else None,
                "engine": engine.dialect,
            }
            try:
                with recorder.run(RUN_KIND, tbl.qualified_name, params, parent=parent) as run:
                    report.run_ids[tbl.qualified_name] = run.id
                    results = _check_table(engine, tbl, cfg, name, day, at)
                    report.results += results
                    for status in (PASSED, FAILED, WARNED):
                        run.set_count(status, sum(r.status == status for r in results))
                    run.detail("results", [r.as_dict() for r in results])
                    failed = [r.describe() for r in results if r.status == FAILED]
                    if failed:
                        raise QualityCheckError(failed)
            except QualityCheckError:
                continue  # recorded as failed; the report carries the failures
    finally:
        if own_engine:
            engine.close()
    return report


def _check_table(
    engine: QueryEngine,
    table: Any,
    cfg: QualitySettings,
    name: str,
    day: date | None,
    now: datetime,
) -> list[CheckResult]:
    relation = engine.relation(table)
    try:
        latest = latest_day(engine, table, relation) if day is None else None
        ctx = CheckContext(engine, table, relation, day, latest, cfg.examples, now)
        return [evaluate(ctx, check) for check in cfg.tables[name]]
    except QualityCheckError:
        raise
    except Exception as exc:  # noqa: BLE001 - engine errors differ per engine; name the table
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise QualityError(f"cannot check {table.qualified_name}: {message[:500]}") from exc


def check_history(
    recorder: RunRecorder, *, table: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Check results over time, newest run first: one row per check and run with
    ``run_id``, ``started_at``, ``table``, ``day``, ``check``, ``kind``, ``severity``,
    ``status``, ``failing``, ``message`` (the dashboard's "check results over time")."""
    out = []
    for run in recorder.list(kind=RUN_KIND, name=table, limit=limit):
        for result in run.details.get("results", []):
            out.append(
                {
                    "run_id": run.id,
                    "started_at": run.started_at,
                    "run_status": run.status,
                    **{
                        k: result.get(k)
                        for k in (
                            "table",
                            "day",
                            "check",
                            "kind",
                            "severity",
                            "status",
                            "failing",
                            "message",
                        )
                    },
                }
            )
    return out
