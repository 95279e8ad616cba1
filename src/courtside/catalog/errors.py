"""Errors of the catalog and the crawler."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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


class SchemaRefusedError(CatalogError):
    """The crawler inferred a schema the table's registry subject refuses (an incompatible
    change); the crawl wrote nothing to the catalog.

    Attributes:
        database: The table's database.
        table: The table.
        subject: The schema registry subject (``database.table``).
        problems: The incompatibilities (:class:`courtside.schemas.Problem`).
    """

    def __init__(
        self, database: str, table: str, subject: str, reason: str, problems: Sequence[Any]
    ) -> None:
        super().__init__(
            f"crawl of {database}.{table} refused, catalog left unchanged: {reason}. Fix the "
            f"source, or accept the change on purpose: courtside schemas compatibility "
            f"{subject} NONE, crawl, then set the mode back"
        )
        self.database = database
        self.table = table
        self.subject = subject
        self.problems = list(problems)
