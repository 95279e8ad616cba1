"""Read-only access to the warehouse table ``playerstotaltweets`` for the dashboard.

Everything goes through the warehouse seam (:func:`courtside.warehouse.open_warehouse`):
the same default location and URL forms as ``courtside load`` (``duckdb:<path>``,
``postgresql://...``, Redshift), the same read-only queries (DuckDB: a read-only,
locked-down connection per query, so ``courtside load`` is never blocked for long;
PostgreSQL: a read-only transaction holding one prepared statement), bound parameters
for every value, and the backends' error mapping and password redaction. This module only
turns those errors into the dashboard's empty states and problems. Redshift is
statements only (:attr:`~courtside.warehouse.base.Warehouse.can_query` is False): every
read is an empty state that says so, never a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import SecretStr

from courtside.config import Settings
from courtside.dashboard.errors import NoDataError, SourceError, SourceUnavailableError
from courtside.warehouse import open_warehouse
from courtside.warehouse.base import check_table_name
from courtside.warehouse.errors import (
    NoTableError,
    NoWarehouseError,
    WarehouseConfigError,
    WarehouseError,
    WarehouseUnavailableError,
)

__all__ = [
    "DayTotal",
    "PlayerTotal",
    "WarehouseSummary",
    "WarehouseView",
    "HINT_NO_WAREHOUSE",
    "HINT_STATEMENTS_ONLY",
]

HINT_NO_WAREHOUSE = (
    "Run `courtside demo` for sample data, or `courtside pipeline nightly` (dedupe, daily "
    "job, then `courtside load`) to fill the warehouse from your lake."
)
HINT_STATEMENTS_ONLY = (
    "courtside writes the Redshift statements (`courtside load --dry-run --target "
    "redshift`) but cannot query Redshift: point the dashboard at the DuckDB file or a "
    "PostgreSQL copy (--warehouse-url duckdb:<path> or postgresql://...)."
)
_HINT_BAD_URL = "Fix --warehouse-url or warehouse.url (COURTSIDE_WAREHOUSE__URL)."
_HINT_BUSY = {
    "duckdb": "A `courtside load` is probably writing it: this refreshes by itself.",
    "postgres": "Is PostgreSQL running and the URL right? This refreshes by itself.",
}
_DAY_KEY = "(year * 10000 + month * 100 + day)"


@dataclass(frozen=True, slots=True)
class DayTotal:
    """One warehouse row: a player's total on one day."""

    day: date
    player: str
    total: int


@dataclass(frozen=True, slots=True)
class PlayerTotal:
    """A player's figures over a date range."""

    player: str
    total: int
    days_with_posts: int
    best_day: int


@dataclass(frozen=True, slots=True)
class WarehouseSummary:
    """What the warehouse holds: its first and last day, rows and distinct players."""

    first_day: date
    last_day: date
    rows: int
    players: int


def _key(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _day(year: Any, month: Any, day: Any) -> date:
    return date(int(year), int(month), int(day))


class WarehouseView:
    """The warehouse as the dashboard reads it.

    Args:
        settings: The configuration (``warehouse.url``, ``warehouse.duckdb_file``,
            ``warehouse.table``).
        url: Overrides ``warehouse.url``: ``postgresql://...``, ``duckdb:<path>`` or a
            Redshift URL (statements only: every read is an empty state).

    Raises:
        SourceError: for a URL of another form, or one that does not parse (the message
            never quotes it).
    """

    def __init__(self, settings: Settings, url: SecretStr | str | None = None) -> None:
        self.table = check_table_name(settings.warehouse.table)
        try:
            self._warehouse = open_warehouse(settings.warehouse, settings.home, url=url)
        except WarehouseConfigError as exc:
            raise SourceError(str(exc), hint=_HINT_BAD_URL) from None
        self.kind = self._warehouse.kind
        self.can_query = self._warehouse.can_query

    def describe(self) -> str:
        """The warehouse, safe to show (never a password)."""
        return self._warehouse.describe()

    def fetch(
        self, sql: str, params: Sequence[Any], *, no_table_hint: str = HINT_NO_WAREHOUSE
    ) -> list[tuple[Any, ...]]:
        """Run one query read-only and return all its rows.

        Args:
            sql: The statement; ``$1``, ``$2``, ... mark the parameters (a list is one
                parameter: ``player = ANY($3)``).
            params: The parameters, in order.
            no_table_hint: What to run when the table the query reads does not exist.

        Raises:
            NoDataError: no warehouse file or no table yet, or a statements-only
                warehouse (Redshift).
            SourceUnavailableError: the warehouse is busy or cannot be reached.
            SourceError: the query failed (a statement that writes always does).
        """
        if not self.can_query:
            raise NoDataError(
                f"statements only: courtside cannot query the warehouse {self.describe()}",
                hint=HINT_STATEMENTS_ONLY,
            )
        try:
            return self._warehouse.query(sql, params, max_rows=None).rows
        except NoWarehouseError:
            raise NoDataError(
                f"no warehouse yet ({self.describe()} does not exist)", hint=HINT_NO_WAREHOUSE
            ) from None
        except NoTableError as exc:
            raise NoDataError(
                f"the warehouse has no {exc.table or 'such'} table yet", hint=no_table_hint
            ) from None
        except WarehouseUnavailableError as exc:
            raise SourceUnavailableError(str(exc), hint=_HINT_BUSY.get(self.kind, "")) from None
        except WarehouseError as exc:
            raise SourceError(str(exc)) from None

    # -- queries ---------------------------------------------------------------------------
    def summary(self) -> WarehouseSummary:
        """First and last day, rows and players of the whole table.

        Raises:
            NoDataError: no warehouse, no table, or an empty table (with a hint).
        """
        rows = self.fetch(
            f"SELECT min({_DAY_KEY}), max({_DAY_KEY}), count(*), count(DISTINCT player)"
            f" FROM {self.table}",
            [],
        )
        first, last, count, players = rows[0]
        if not count:
            raise NoDataError(f"the warehouse table {self.table} is empty", hint=HINT_NO_WAREHOUSE)
        first_i, last_i = int(first), int(last)
        return WarehouseSummary(
            _day(first_i // 10000, first_i // 100 % 100, first_i % 100),
            _day(last_i // 10000, last_i // 100 % 100, last_i % 100),
            int(count),
            int(players),
        )

    @staticmethod
    def where(
        start: date, end: date, players: Sequence[str] | None = None
    ) -> tuple[str, list[Any]]:
        """A ``WHERE`` condition on the days ``[start, end]`` (and ``players`` when not
        ``None``) of a warehouse table with ``year``, ``month``, ``day`` and ``player``,
        and its parameters (``$1`` to ``$3``)."""
        where = f"{_DAY_KEY} BETWEEN $1 AND $2"
        params: list[Any] = [_key(start), _key(end)]
        if players is not None:
            where += " AND player = ANY($3)"
            params.append(list(players))
        return where, params

    def days(self, start: date, end: date) -> list[date]:
        """The days in ``[start, end]`` that the warehouse has rows for (the days the
        pipeline covered), in order."""
        where, params = self.where(start, end, None)
        rows = self.fetch(
            f"SELECT DISTINCT year, month, day FROM {self.table} WHERE {where}"
            " ORDER BY year, month, day",
            params,
        )
        return [_day(*r) for r in rows]

    def player_totals(
        self,
        start: date,
        end: date,
        players: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[PlayerTotal]:
        """Players by total posts in ``[start, end]``, largest first (ties by name).

        Args:
            start: First day (inclusive).
            end: Last day (inclusive).
            players: Only these players (exact names); ``None``: every player.
            limit: At most this many (``None``: all).
        """
        where, params = self.where(start, end, players)
        sql = (
            f"SELECT player, sum(total), count(*), max(total) FROM {self.table}"
            f" WHERE {where} GROUP BY player ORDER BY sum(total) DESC, player"
        )
        if limit is not None:
            params.append(int(limit))
            sql += f" LIMIT ${len(params)}"
        return [
            PlayerTotal(str(p), int(t), int(d), int(b)) for p, t, d, b in self.fetch(sql, params)
        ]

    def daily(self, start: date, end: date, players: Sequence[str]) -> list[DayTotal]:
        """Daily totals of ``players`` in ``[start, end]``, by day then player (days
        without a row are missing, not zero)."""
        if not players:
            return []
        where, params = self.where(start, end, players)
        rows = self.fetch(
            f"SELECT year, month, day, player, sum(total) FROM {self.table} WHERE {where}"
            " GROUP BY year, month, day, player ORDER BY year, month, day, player",
            params,
        )
        return [DayTotal(_day(y, m, d), str(p), int(t)) for y, m, d, p, t in rows]

    def players(self, start: date | None = None, end: date | None = None) -> list[str]:
        """Distinct player names (in ``[start, end]`` when given), sorted."""
        if start is None or end is None:
            rows = self.fetch(f"SELECT DISTINCT player FROM {self.table} ORDER BY player", [])
        else:
            where, params = self.where(start, end, None)
            rows = self.fetch(
                f"SELECT DISTINCT player FROM {self.table} WHERE {where} ORDER BY player", params
            )
        return [str(r[0]) for r in rows]
