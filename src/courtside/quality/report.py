"""Results of data-quality checks and the report of one run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from courtside.quality.errors import QualityCheckError

__all__ = ["FAILED", "PASSED", "WARNED", "CheckResult", "QualityReport"]

PASSED, FAILED, WARNED = "passed", "failed", "warned"


@dataclass
class CheckResult:
    """The outcome of one check on one table (and day).

    Attributes:
        table: ``database.table``.
        day: The day checked (None: the whole table).
        check: The check's name (``not_null:id`` or the configured name).
        kind: The check type (``not_null``, ``unique``...).
        severity: ``error`` or ``warn``.
        status: ``passed``, ``failed`` (an ``error`` check) or ``warned`` (a ``warn`` check
            that did not pass).
        failing: Failing rows (or values, for ``unique``; 1 for table-level checks).
        rows: Rows evaluated, when known.
        message: One line saying what was found.
        examples: Some failing rows (values shortened).
    """

    table: str
    day: date | None
    check: str
    kind: str
    severity: str
    status: str
    failing: int = 0
    rows: int | None = None
    message: str = ""
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when the check passed."""
        return self.status == PASSED

    def describe(self) -> str:
        """``table day check: message`` on one line."""
        when = f" {self.day.isoformat()}" if self.day else ""
        return f"{self.table}{when} {self.check}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (also what run records keep)."""
        return {
            "table": self.table,
            "day": self.day.isoformat() if self.day else None,
            "check": self.check,
            "kind": self.kind,
            "severity": self.severity,
            "status": self.status,
            "failing": self.failing,
            "rows": self.rows,
            "message": self.message,
            "examples": self.examples,
        }


@dataclass
class QualityReport:
    """Every check result of one ``quality check`` run.

    Attributes:
        results: Results in table, then configuration order.
        run_ids: The run record of each table (``database.table`` -> run id).
    """

    results: list[CheckResult] = field(default_factory=list)
    run_ids: dict[str, str] = field(default_factory=dict)

    @property
    def failures(self) -> list[CheckResult]:
        """The results that fail the run (``error`` checks that did not pass)."""
        return [r for r in self.results if r.status == FAILED]

    @property
    def ok(self) -> bool:
        """True when no ``error`` check failed."""
        return not self.failures

    def raise_for_failures(self) -> None:
        """Raise when an ``error`` check failed (the nightly pipeline's stop).

        Raises:
            QualityCheckError: naming each failed check, its table, day and count.
        """
        if self.failures:
            raise QualityCheckError([r.describe() for r in self.failures])

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return {
            "ok": self.ok,
            "passed": sum(r.status == PASSED for r in self.results),
            "failed": sum(r.status == FAILED for r in self.results),
            "warned": sum(r.status == WARNED for r in self.results),
            "results": [r.as_dict() for r in self.results],
            "run_ids": self.run_ids,
        }
