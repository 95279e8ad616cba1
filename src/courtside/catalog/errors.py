"""Errors of the catalog and the crawler."""

from __future__ import annotations

from courtside.errors import TerminalError


class CatalogError(TerminalError):
    """A catalog problem: an unknown or invalid database/table name, a bad type."""


class NoSuchTableError(CatalogError):
    """The table (or database) is not in the catalog.

    Attributes:
        database: The database looked in.
        table: The table name asked for.
    """

    def __init__(self, database: str, table: str) -> None:
        super().__init__(
            f"table {database}.{table} is not in the catalog (run courtside etl crawl)"
        )
        self.database = database
        self.table = table
