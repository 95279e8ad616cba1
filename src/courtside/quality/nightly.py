"""The data-quality gates of the nightly pipeline.

The pipeline calls :func:`validate_at_startup` before any step (a check naming a column a
catalogued table does not have is a clear error then, not at 3 a.m.), and
:func:`run_gate` twice: after the workflow (dedupe + crawl) for the tables it produces,
and after the daily job for the daily outputs. A gate profiles each new day of its
tables (``profiles/`` in the lake, registered in the catalog) and then evaluates the
configured checks for those days; profile and check runs hang under the pipeline step's
run. A failing ``error`` check raises :class:`QualityGateError` naming the check, the day
and example rows, so the pipeline stops before the load.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from courtside.catalog.errors import NoSuchTableError
from courtside.catalog.store import Catalog
from courtside.errors import TerminalError
from courtside.places import Places
from courtside.quality.config import QualitySettings
from courtside.quality.report import CheckResult, QualityReport
from courtside.quality.runner import run_checks
from courtside.quality.validate import validate_checks
from courtside.runs import Run, RunRecorder

__all__ = [
    "GateResult",
    "QualityGateError",
    "split_checks",
    "run_gate",
    "validate_at_startup",
]

_EXAMPLES_SHOWN = 3
_EXAMPLE_CHARS = 300


class QualityGateError(TerminalError):
    """``error`` checks failed in a pipeline gate: the load must not run.

    Attributes:
        failures: The failed checks, with their day and example rows.
    """

    def __init__(self, failures: Sequence[CheckResult]) -> None:
        lines = [_describe(r) for r in failures]
        more = f" (and {len(lines) - 1} more failed check(s))" if len(lines) > 1 else ""
        super().__init__(f"data-quality check failed: {lines[0]}{more}")
        self.failures = list(failures)


def _describe(result: CheckResult) -> str:
    text = result.describe()
    if result.examples:
        shown = json.dumps(result.examples[:_EXAMPLES_SHOWN], default=str, ensure_ascii=False)
        if len(shown) > _EXAMPLE_CHARS:
            shown = shown[: _EXAMPLE_CHARS - 1] + "…"
        text += f"; example rows: {shown}"
    return text


@dataclass
class GateResult:
    """What one gate did.

    Attributes:
        profiles: ``database.table@day`` of each profile written.
        report: The check results of every table and day.
    """

    profiles: list[str] = field(default_factory=list)
    report: QualityReport = field(default_factory=QualityReport)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return {"profiles": self.profiles, "checks": self.report.as_dict()}


def _table_part(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def validate_at_startup(cfg: QualitySettings, catalog: Catalog, database: str) -> None:
    """Check the configured checks against the tables already in the catalog.

    Tables not catalogued yet (a first run) are validated when their gate runs.

    Raises:
        QualityConfigError: listing every check on an unknown column (or a column of the
            wrong type).
    """
    validate_checks(cfg, catalog, strict=False, default_database=database)


def split_checks(cfg: QualitySettings, daily_tables: Sequence[str]) -> tuple[list[str], list[str]]:
    """The configured table names (as configured) checked after the workflow, and those
    checked after the daily job (a table part in ``daily_tables``)."""
    daily = [name for name in cfg.tables if _table_part(name) in set(daily_tables)]
    return [name for name in cfg.tables if name not in daily], daily


def run_gate(
    places: Places,
    catalog: Catalog,
    cfg: QualitySettings,
    *,
    database: str,
    profile_tables: Sequence[str],
    check_names: Sequence[str],
    days: Sequence[date],
    recorder: RunRecorder,
    step: Run,
) -> GateResult:
    """Profile each of ``days`` of ``profile_tables``, then evaluate the checks of the
    configured tables ``check_names`` on each of ``days``.

    A table not in the catalog is not profiled (the step notes it); a day with no rows is
    profiled as empty and its row checks pass (a ``row_count`` check can demand rows).

    Raises:
        QualityGateError: when an ``error`` check failed (after every profile and check
            ran and was recorded).
        QualityConfigError: for a configured check the catalogued table cannot run.
    """
    from courtside.profile import run_profile

    result = GateResult()
    missing: list[str] = []
    for table in profile_tables:
        try:
            catalog.get_table(database, table)
        except NoSuchTableError:
            missing.append(f"{database}.{table}")
            continue
        for day in days:
            run_profile(
                places, catalog, f"{database}.{table}", day=day, recorder=recorder, parent=step.id
            )
            result.profiles.append(f"{database}.{table}@{day.isoformat()}")
    if missing:
        step.detail("not_profiled", {"tables": missing, "reason": "not in the catalog"})
    step.set_count("profiles", len(result.profiles))

    for name in check_names:  # every table's checks are valid before the first one runs
        validate_checks(cfg, catalog, name, strict=True, default_database=database)
    for name in check_names:
        for day in days:
            report = run_checks(
                places, catalog, cfg, table=name, day=day, recorder=recorder, parent=step.id
            )
            result.report.results += report.results
            result.report.run_ids.update(report.run_ids)
    failures = result.report.failures
    step.set_count("checks_passed", sum(r.passed for r in result.report.results))
    step.set_count("checks_failed", len(failures))
    step.set_count("checks_warned", sum(r.status == "warned" for r in result.report.results))
    if failures:
        step.detail("failures", [r.as_dict() for r in failures])
        raise QualityGateError(failures)
    return result
