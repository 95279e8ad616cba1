"""Errors of the warehouse loader and its backends."""

from __future__ import annotations

from courtside.errors import CourtsideError, TerminalError, TransientError


class WarehouseError(CourtsideError):
    """A warehouse problem (the root of this stage's errors)."""


class WarehouseUnavailableError(WarehouseError, TransientError):
    """The warehouse cannot be reached or is busy; nothing was changed. Retry later."""


class WarehouseConfigError(WarehouseError, TerminalError):
    """A bad target: an unsupported URL scheme, a missing file, a bad table name."""


class SchemaMismatchError(WarehouseError, TerminalError):
    """The warehouse table exists with a different schema than the one courtside loads.

    Attributes:
        table: The table name.
        expected: The expected columns, ``name type [not null]``.
        found: The columns found.
    """

    def __init__(self, table: str, expected: list[str], found: list[str]) -> None:
        super().__init__(
            f"warehouse table {table} has a different schema: expected ({', '.join(expected)})"
            f", found ({', '.join(found)}); drop or rename it, or load into another table"
        )
        self.table = table
        self.expected = expected
        self.found = found


class LoadError(WarehouseError, TerminalError):
    """A load failed and was rolled back: the table is as it was before."""


class QueryError(WarehouseError, TerminalError):
    """A ``courtside warehouse query`` statement failed."""
