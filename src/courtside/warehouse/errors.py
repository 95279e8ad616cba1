"""Errors of the warehouse backends, for every caller (the loader, ``warehouse query``, the
dashboard): each backend maps its engine's errors onto these, with the password already
redacted, so callers never look at a DuckDB or psycopg exception."""

from __future__ import annotations

from courtside.errors import CourtsideError, TerminalError, TransientError


class WarehouseError(CourtsideError):
    """A warehouse problem (the root of this stage's errors)."""


class WarehouseUnavailableError(WarehouseError, TransientError):
    """The warehouse cannot be reached or is busy; nothing was changed. Retry later."""


class WarehouseConfigError(WarehouseError, TerminalError):
    """A bad target: an unsupported URL scheme, a missing file, a bad table name."""


class NoWarehouseError(WarehouseConfigError):
    """The DuckDB warehouse file does not exist yet (nothing was loaded)."""


class StatementsOnlyError(WarehouseConfigError):
    """The target cannot be connected to (Redshift): courtside only writes its statements.

    See :attr:`courtside.warehouse.base.Warehouse.can_query` and ``can_load``.
    """


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
    """A query failed (or was refused in read-only mode)."""


class NoTableError(QueryError):
    """A query read a table that does not exist (yet).

    Attributes:
        table: The missing table as the engine named it (``None`` when it did not).
    """

    def __init__(self, message: str, table: str | None = None) -> None:
        super().__init__(message)
        self.table = table
