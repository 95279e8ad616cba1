"""Read-only access to the warehouse table ``playerstotaltweets`` for the dashboard.

The DuckDB file is opened ``read_only=True`` for each query and closed right after, so
``courtside load`` (which needs the file to itself for a moment) is never blocked for
long; a load in progress shows as :class:`SourceUnavailableError` ("retry shortly").
PostgreSQL connections run every statement in a read-only transaction
(``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY``), so nothing the dashboard
sends can change the warehouse. Every value reaches SQL as a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

from courtside._duckdb import connect as duckdb_connect
from courtside.config import Settings
from courtside.dashboard.errors import NoDataError, SourceError, SourceUnavailableError
from courtside.runs import scrub
from courtside.warehouse.base import check_table_name

__all__ = [
    "DayTotal",
    "PlayerTotal",
    "WarehouseSummary",
    "WarehouseView",
    "HINT_NO_WAREHOUSE",
]

HINT_NO_WAREHOUSE = (
    "Run `courtside demo` for sample data, or `courtside pipeline nightly` (dedupe, daily "
    "job, then `courtside load`) to fill the warehouse from your lake."
)
_DUCKDB_PREFIX = "duckdb:"
_PG_SCHEMES = ("postgresql://", "postgres://")
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
        url: Overrides ``warehouse.url``: ``postgresql://...`` or ``duckdb:<path>``.

    Raises:
        SourceError: for a URL that is neither.
    """

    def __init__(self, settings: Settings, url: SecretStr | str | None = None) -> None:
        cfg = settings.warehouse
        self.table = check_table_name(cfg.table)
        self.connect_timeout_s = cfg.connect_timeout_s
        secret = url if isinstance(url, SecretStr) or url is None else SecretStr(url)
        secret = secret if secret is not None else cfg.url
        raw = secret.get_secret_value().strip() if secret is not None else ""
        self._url: SecretStr | None = None
        self.path: Path | None = None
        self.kind: Literal["duckdb", "postgres"]
        if not raw:
            self.kind = "duckdb"
            self.path = (cfg.duckdb_file or settings.home / "warehouse.duckdb").resolve()
        elif raw.startswith(_DUCKDB_PREFIX):
            self.kind = "duckdb"
            self.path = Path(raw[len(_DUCKDB_PREFIX) :].removeprefix("//")).resolve()
        elif raw.startswith(_PG_SCHEMES):
            self.kind = "postgres"
            self._url = SecretStr(raw)
        else:
            raise SourceError(
                "the warehouse URL must be postgresql://... or duckdb:<path>",
                hint="Fix --warehouse-url or warehouse.url (COURTSIDE_WAREHOUSE__URL).",
            )

    # -- connection ------------------------------------------------------------------------
    def describe(self) -> str:
        """The warehouse, safe to show (never a password)."""
        if self.kind == "duckdb":
            return f"duckdb:{self.path}"
        from courtside.warehouse.postgres import PostgresWarehouse

        assert self._url is not None
        try:
            return PostgresWarehouse(self._url, self.table).describe()
        except Exception:  # a URL psycopg cannot parse: name no part of it
            return "postgresql://<unparsable url>"

    def _safe(self, text: str) -> str:
        if self._url is not None:
            from psycopg.conninfo import conninfo_to_dict

            try:
                password = conninfo_to_dict(self._url.get_secret_value()).get("password")
            except Exception:
                password = None
            if password:
                text = text.replace(str(password), "<redacted>")
        return scrub(" ".join(text.split()))[:300]

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Run one query read-only and return its rows.

        Args:
            sql: The statement; ``?`` marks a parameter and ``{in_players}`` a filter on
                a list of player names (its parameter is the list).
            params: The parameters, in order.

        Raises:
            NoDataError: no warehouse file or no table yet.
            SourceUnavailableError: the warehouse is busy or cannot be reached.
            SourceError: the query failed (a statement that writes always does).
        """
        if self.kind == "duckdb":
            return self._fetch_duckdb(
                sql.replace("{in_players}", "list_contains(?, player)"), params
            )
        pg_sql = sql.replace("{in_players}", "player = ANY(?)").replace("?", "%s")
        return self._fetch_postgres(pg_sql, params)

    def _fetch_duckdb(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        import duckdb

        assert self.path is not None
        if not self.path.is_file():
            raise NoDataError(
                f"no warehouse yet ({self.path} does not exist)", hint=HINT_NO_WAREHOUSE
            )
        try:
            con = duckdb_connect(str(self.path), read_only=True)
        except duckdb.IOException as exc:
            raise SourceUnavailableError(
                f"the warehouse {self.path} is busy ({self._safe(str(exc))})",
                hint="A `courtside load` is probably writing it: this refreshes by itself.",
            ) from None
        except duckdb.Error as exc:
            raise SourceError(
                f"cannot open the warehouse {self.path}: {self._safe(str(exc))}",
                hint="Is it a DuckDB file written by `courtside load`?",
            ) from None
        try:
            return [tuple(r) for r in con.execute(sql, list(params)).fetchall()]
        except duckdb.CatalogException:
            raise NoDataError(
                f"the warehouse has no table {self.table} yet", hint=HINT_NO_WAREHOUSE
            ) from None
        except duckdb.Error as exc:
            raise SourceError(f"warehouse query failed: {self._safe(str(exc))}") from None
        finally:
            con.close()

    def _fetch_postgres(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        import psycopg
        from psycopg import errors as pg_errors

        assert self._url is not None
        try:
            conn = psycopg.connect(
                self._url.get_secret_value(),
                connect_timeout=max(1, round(self.connect_timeout_s)),
                application_name="courtside-dashboard",
                autocommit=True,
            )
        except psycopg.Error as exc:
            raise SourceUnavailableError(
                f"cannot reach the warehouse {self.describe()}: {self._safe(str(exc))}",
                hint="Is PostgreSQL running and the URL right?",
            ) from None
        try:
            # Every later statement runs in its own read-only transaction.
            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            with conn.cursor() as cur:
                cur.execute(sql, list(params) or None)
                return [tuple(r) for r in cur.fetchall()]
        except pg_errors.UndefinedTable:
            raise NoDataError(
                f"the warehouse has no table {self.table} yet", hint=HINT_NO_WAREHOUSE
            ) from None
        except psycopg.OperationalError as exc:
            raise SourceUnavailableError(
                f"lost the warehouse {self.describe()}: {self._safe(str(exc))}"
            ) from None
        except psycopg.Error as exc:
            raise SourceError(f"warehouse query failed: {self._safe(str(exc))}") from None
        finally:
            conn.close()

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

    def _where(
        self, start: date, end: date, players: Sequence[str] | None
    ) -> tuple[str, list[Any]]:
        where = f"{_DAY_KEY} BETWEEN ? AND ?"
        params: list[Any] = [_key(start), _key(end)]
        if players is not None:
            where += " AND {in_players}"
            params.append(list(players))
        return where, params

    def days(self, start: date, end: date) -> list[date]:
        """The days in ``[start, end]`` that the warehouse has rows for (the days the
        pipeline covered), in order."""
        where, params = self._where(start, end, None)
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
        where, params = self._where(start, end, players)
        sql = (
            f"SELECT player, sum(total), count(*), max(total) FROM {self.table}"
            f" WHERE {where} GROUP BY player ORDER BY sum(total) DESC, player"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [
            PlayerTotal(str(p), int(t), int(d), int(b)) for p, t, d, b in self.fetch(sql, params)
        ]

    def daily(self, start: date, end: date, players: Sequence[str]) -> list[DayTotal]:
        """Daily totals of ``players`` in ``[start, end]``, by day then player (days
        without a row are missing, not zero)."""
        if not players:
            return []
        where, params = self._where(start, end, players)
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
            where, params = self._where(start, end, None)
            rows = self.fetch(
                f"SELECT DISTINCT player FROM {self.table} WHERE {where} ORDER BY player", params
            )
        return [str(r[0]) for r in rows]
