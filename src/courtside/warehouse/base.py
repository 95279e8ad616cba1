"""The warehouse contract: a table, ``playerstotaltweets`` (or ``playersdailysentiment``),
loaded atomically.

A backend object serves one table of one shape (:class:`TableSpec`): :data:`TOTALS`,
the original's ``playerstotaltweets``, or :data:`SENTIMENT`, the per-player daily
sentiment with the player's ``team`` (NULL for an athlete who is not on the roster).

A *warehouse backend* (``duckdb.py``: a DuckDB file, the embedded default;
``postgres.py``: PostgreSQL by URL) implements :class:`Warehouse`. Every backend gives
the same guarantees:

* :meth:`Warehouse.load` runs in **one transaction**: it creates the table when it is
  missing, checks its schema, deletes what the insert mode replaces (``truncate``: every
  row; ``replace-days``: exactly the rows of the days being loaded) and inserts the new
  rows, then commits. If anything fails, the transaction is rolled back and the table is
  exactly as it was: never half loaded, never emptied. Loading the same rows twice gives
  the same table (idempotent).
* A table that exists with other columns, types or nullability raises
  :class:`~courtside.warehouse.errors.SchemaMismatchError` before anything changes.
* :class:`~courtside.warehouse.errors.WarehouseUnavailableError` (transient) means the
  server could not be reached or was busy: nothing changed, retry later. Other
  :class:`~courtside.warehouse.errors.WarehouseError` are terminal.
* :meth:`Warehouse.query` runs **one read-only statement** by default, enforced by the
  engine (DuckDB: a read-only connection with file access off and its configuration
  locked, queries only; PostgreSQL: a read-only transaction and a prepared statement,
  which the server allows to hold only one command), and returns at most ``max_rows``
  rows. ``write=True`` runs anything (several statements too) and commits. Values reach
  the statement as bound parameters, written ``$1``, ``$2``, ... on every backend (a
  list is one parameter: ``player = ANY($3)``).
* Errors are the backend's, mapped once: the DuckDB file is missing
  (:class:`~courtside.warehouse.errors.NoWarehouseError`), a table is missing
  (:class:`~courtside.warehouse.errors.NoTableError`), busy or unreachable (transient
  :class:`~courtside.warehouse.errors.WarehouseUnavailableError`), other failures
  (:class:`~courtside.warehouse.errors.QueryError`), each one line.
* Nothing a backend raises or logs contains a password: :meth:`Warehouse.describe` is
  the safe way to name the target.
* Capability flags say what a backend can do: :attr:`Warehouse.can_load` and
  :attr:`Warehouse.can_query`. Redshift (``redshift.py``) has neither: courtside writes
  its statements (statements only), and its :meth:`~Warehouse.query` and
  :meth:`~Warehouse.load` raise :class:`~courtside.warehouse.errors.StatementsOnlyError`.

Callers get a backend from :func:`courtside.warehouse.open_warehouse`, the one place that
decides the default location and the URL forms
(:func:`courtside.warehouse.config.warehouse_target`).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from types import TracebackType
from typing import Any, ClassVar

import pyarrow as pa

from courtside.warehouse.config import IDENTIFIER_PATTERN, LoadMode
from courtside.warehouse.errors import SchemaMismatchError, WarehouseConfigError

__all__ = [
    "COLUMNS",
    "MODES",
    "PLAYER_MAX_CHARS",
    "ROWS_SCHEMA",
    "SENTIMENT",
    "SENTIMENT_COLUMNS",
    "SENTIMENT_ROWS_SCHEMA",
    "TOTALS",
    "Column",
    "LoadStats",
    "QueryResult",
    "TableSpec",
    "Warehouse",
    "check_schema",
    "check_table_name",
    "create_table_sql",
]

MODES: tuple[LoadMode, ...] = ("truncate", "replace-days")
PLAYER_MAX_CHARS = 255
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN.strip("^$"))
#: The Arrow type of each SQL type of the columns (``varchar(n)`` is a string).
_ARROW_TYPES = {"integer": pa.int32(), "double precision": pa.float64()}


@dataclass(frozen=True)
class Column:
    """One warehouse column: its name, SQL type and whether it is ``not null``."""

    name: str
    sql_type: str
    not_null: bool = True

    def __str__(self) -> str:
        return f"{self.name} {self.sql_type}{' not null' if self.not_null else ''}"


def rows_schema(columns: Sequence[Column]) -> pa.Schema:
    """The Arrow schema of rows for ``columns`` (``not null`` columns are not nullable),
    so that a table's columns and the rows it takes cannot disagree."""
    fields = []
    for c in columns:
        if c.sql_type.startswith("varchar"):
            arrow = pa.string()
        else:
            arrow = _ARROW_TYPES[c.sql_type]
        fields.append(pa.field(c.name, arrow, nullable=not c.not_null))
    return pa.schema(fields)


COLUMNS: tuple[Column, ...] = (
    Column("year", "integer"),
    Column("month", "integer"),
    Column("day", "integer"),
    Column("player", f"varchar({PLAYER_MAX_CHARS})"),
    Column("total", "integer"),
)
ROWS_SCHEMA = rows_schema(COLUMNS)


#: ``playersdailysentiment``: the lake's ``players_daily_sentiment`` rows plus ``team``
#: (the roster team from the players table at load time, NULL for other athletes).
SENTIMENT_COLUMNS: tuple[Column, ...] = (
    Column("year", "integer"),
    Column("month", "integer"),
    Column("day", "integer"),
    Column("player", f"varchar({PLAYER_MAX_CHARS})"),
    Column("posts", "integer"),
    Column("positive", "integer"),
    Column("negative", "integer"),
    Column("neutral", "integer"),
    Column("avg_score", "double precision", not_null=False),
    Column("team", f"varchar({PLAYER_MAX_CHARS})", not_null=False),
)
SENTIMENT_ROWS_SCHEMA = rows_schema(SENTIMENT_COLUMNS)


@dataclass(frozen=True)
class TableSpec:
    """The shape of one warehouse table.

    Attributes:
        kind: ``totals`` or ``sentiment``.
        default_name: The table's default name.
        columns: Its columns, in order (what :func:`check_schema` compares).
        rows_schema: The Arrow schema of the rows :meth:`Warehouse.load` takes.
    """

    kind: str
    default_name: str
    columns: tuple[Column, ...]
    rows_schema: pa.Schema

    @property
    def names(self) -> list[str]:
        """The column names, in order."""
        return [c.name for c in self.columns]


TOTALS = TableSpec("totals", "playerstotaltweets", COLUMNS, ROWS_SCHEMA)
SENTIMENT = TableSpec(
    "sentiment", "playersdailysentiment", SENTIMENT_COLUMNS, SENTIMENT_ROWS_SCHEMA
)


def check_table_name(name: str) -> str:
    """Return ``name`` if it is a plain lowercase SQL identifier.

    Raises:
        WarehouseConfigError: for anything else (quotes, dots, spaces, ...).
    """
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise WarehouseConfigError(
            f"invalid warehouse table name {name[:80]!r}: use lowercase letters, digits "
            "and '_' (starting with a letter or '_')"
        )
    return name


def create_table_sql(table: str, spec: TableSpec = TOTALS) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for the warehouse table (same text on every backend)."""
    cols = ",\n    ".join(str(c) for c in spec.columns)
    return f"CREATE TABLE IF NOT EXISTS {check_table_name(table)} (\n    {cols}\n)"


def check_schema(table: str, found: Sequence[Column], spec: TableSpec = TOTALS) -> None:
    """Compare a table's columns (in order, types normalised by the backend) with the
    spec's (default :data:`COLUMNS`).

    Raises:
        SchemaMismatchError: naming both schemas when they differ.
    """
    if tuple(found) != spec.columns:
        raise SchemaMismatchError(table, [str(c) for c in spec.columns], [str(c) for c in found])


@dataclass(frozen=True)
class LoadStats:
    """What one load did.

    Attributes:
        target: The backend's safe description (no password).
        table: The table loaded.
        mode: The insert mode.
        days: The days loaded (replaced in ``replace-days`` mode).
        rows_deleted: Rows removed by the insert mode.
        rows_inserted: Rows inserted.
        seconds: Wall time of the transaction.
    """

    target: str
    table: str
    mode: LoadMode
    days: tuple[date, ...]
    rows_deleted: int
    rows_inserted: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return {
            "target": self.target,
            "table": self.table,
            "mode": self.mode,
            "days": [d.isoformat() for d in self.days],
            "rows_deleted": self.rows_deleted,
            "rows_inserted": self.rows_inserted,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class QueryResult:
    """Rows of a read-only query: column names, rows, and whether ``max_rows`` cut them."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
    notes: list[str] = field(default_factory=list)


class Warehouse(ABC):
    """A warehouse backend (see the module docstring for the contract).

    Use as a context manager; :meth:`close` releases the connection.
    """

    kind: ClassVar[str]
    #: :meth:`load` writes the table (False: statements only).
    can_load: ClassVar[bool] = True
    #: :meth:`query` runs statements (False: statements only).
    can_query: ClassVar[bool] = True

    def __init__(self, table: str = "playerstotaltweets", spec: TableSpec = TOTALS) -> None:
        self.table = check_table_name(table)
        self.spec = spec

    @abstractmethod
    def describe(self) -> str:
        """The target, safe to print and record (never a password)."""

    @abstractmethod
    def load(self, rows: pa.Table, days: Sequence[date], mode: LoadMode) -> LoadStats:
        """Load ``rows`` (schema ``self.spec.rows_schema``) in one transaction.

        Args:
            rows: The rows to insert; every row's day must be in ``days``.
            days: The days being loaded (deleted first in ``replace-days`` mode).
            mode: ``truncate`` or ``replace-days``.

        Raises:
            SchemaMismatchError: the table exists with another schema (nothing changed).
            WarehouseUnavailableError: the target cannot be reached (nothing changed).
            LoadError: the load failed and was rolled back.
        """

    def query(
        self,
        sql: str,
        params: Sequence[Any] | None = None,
        *,
        max_rows: int | None = 1000,
        write: bool = False,
    ) -> QueryResult:
        """Run one read-only statement (anything with ``write``) and return at most
        ``max_rows`` rows of the last result.

        Args:
            sql: The statement; ``$1``, ``$2``, ... mark the parameters.
            params: Their values, in order (a list is one array parameter).
            max_rows: At most this many rows (``None``: all of them).
            write: Run anything (several statements too, without ``params``) and commit.

        Raises:
            NoWarehouseError: the DuckDB file does not exist yet.
            NoTableError: the statement reads a table that does not exist.
            QueryError: the statement failed, or was refused in read-only mode.
            WarehouseUnavailableError: the target cannot be reached or is busy.
            StatementsOnlyError: the backend cannot query (:attr:`can_query` is False).
        """
        limit = None if max_rows is None else max_rows + 1
        fetched = self._run(sql, list(params or ()), limit, write)
        rows = [tuple(r) for r in fetched.rows[:max_rows]]
        truncated = max_rows is not None and len(fetched.rows) > max_rows
        return QueryResult(fetched.columns, rows, truncated, fetched.notes)

    @abstractmethod
    def _run(self, sql: str, params: list[Any], limit: int | None, write: bool) -> QueryResult:
        """Run ``sql`` for :meth:`query` and fetch at most ``limit`` rows (``None``: all),
        mapping the engine's errors as :meth:`query` documents."""

    @abstractmethod
    def columns(self) -> list[Column] | None:
        """The table's columns (types normalised like :data:`COLUMNS`), ``None`` when the
        table does not exist."""

    def close(self) -> None:  # noqa: B027 - backends without a connection keep this no-op
        """Release the connection (idempotent)."""

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
