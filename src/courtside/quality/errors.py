"""Errors of the data-quality checks."""

from __future__ import annotations

from collections.abc import Sequence

from courtside.errors import ConfigError, TerminalError

__all__ = ["QualityCheckError", "QualityConfigError", "QualityError"]


class QualityError(TerminalError):
    """A data-quality problem that stops the command (bad engine, unreadable table)."""


class QualityConfigError(ConfigError):
    """The ``[quality]`` checks do not fit the catalog (unknown table or column, a range
    on a nested column...). Raised at start-up, before anything runs.

    Attributes:
        problems: Every problem found, one line each.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"quality checks: {problems[0]}{more}", key="quality.tables")
        self.problems = list(problems)


class QualityCheckError(TerminalError):
    """Checks of severity ``error`` failed (the nightly pipeline stops before the load).

    Attributes:
        failures: One line per failed check: table, day, check, failing rows.
    """

    def __init__(self, failures: Sequence[str]) -> None:
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        super().__init__(f"data-quality check failed: {failures[0]}{more}")
        self.failures = list(failures)
