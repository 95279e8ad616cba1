"""Errors of the dashboard's data access: each tells the user what to run next."""

from __future__ import annotations

from courtside.errors import CourtsideError, TerminalError, TransientError

__all__ = ["DashboardError", "NoDataError", "SourceUnavailableError", "SourceError"]


class DashboardError(CourtsideError):
    """A dashboard data problem (the root of this stage's errors).

    Attributes:
        hint: What the user can run or do about it (plain text, may name commands).
    """

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class NoDataError(DashboardError, TerminalError):
    """A source does not exist yet or holds nothing: the empty state, with a hint."""


class SourceUnavailableError(DashboardError, TransientError):
    """A source is locked by a writer (a warehouse load) or cannot be reached: retry shortly."""


class SourceError(DashboardError, TerminalError):
    """A source exists but cannot be read (bad schema, bad URL, refused connection)."""
