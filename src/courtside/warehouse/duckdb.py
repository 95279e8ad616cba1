"""The embedded warehouse: a DuckDB file (default ``<home>/warehouse.duckdb``).

The file is opened per operation (read-write for a load, read-only for a query) so that
other processes (the dashboard) can read it between loads: DuckDB allows one writing
process or several reading ones. A read-only query also runs with DuckDB's file access
switched off and its configuration locked (:mod:`courtside._duckdb_sandbox`): ``COPY ...
TO '/any/path'`` or ``read_text('/etc/passwd')`` cannot reach the file system.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from courtside._duckdb import connect as duckdb_connect
from courtside._duckdb_sandbox import ReadOnlyStatementError, check_read_only, lock_down
from courtside.warehouse.base import (
    PLAYER_MAX_CHARS,
    TOTALS,
    Column,
    LoadStats,
    QueryResult,
    TableSpec,
    Warehouse,
    check_schema,
    create_table_sql,
)
from courtside.warehouse.config import LoadMode
from courtside.warehouse.errors import (
    LoadError,
    NoTableError,
    NoWarehouseError,
    QueryError,
    WarehouseConfigError,
    WarehouseUnavailableError,
)

__all__ = ["DuckDBWarehouse"]

_TYPES = {
    "INTEGER": "integer",
    "VARCHAR": f"varchar({PLAYER_MAX_CHARS})",
    "DOUBLE": "double precision",
}


_MISSING_TABLE = re.compile(r"Table with name (.+?) does not exist")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:  # the transaction is already gone; closing discards it anyway
        pass


def _days_table(days: Sequence[date]) -> pa.Table:
    return pa.table(
        {
            "year": pa.array([d.year for d in days], pa.int32()),
            "month": pa.array([d.month for d in days], pa.int32()),
            "day": pa.array([d.day for d in days], pa.int32()),
        }
    )


class DuckDBWarehouse(Warehouse):
    """A DuckDB file as the warehouse.

    Args:
        path: The database file (created by the first load).
        table: The warehouse table.
        spec: Its shape (default the original's ``playerstotaltweets``).
    """

    kind = "duckdb"

    def __init__(
        self, path: Path, table: str = "playerstotaltweets", spec: TableSpec = TOTALS
    ) -> None:
        super().__init__(table, spec)
        self.path = Path(path)

    def describe(self) -> str:
        """``duckdb:<path>``."""
        return f"duckdb:{self.path}"

    def _connect(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        if read_only and not self.path.exists():
            raise NoWarehouseError(
                f"no DuckDB warehouse at {self.path} yet: run `courtside load` first"
            )
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return duckdb_connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            raise WarehouseUnavailableError(
                f"cannot open the DuckDB warehouse {self.path}: {_one_line(exc)} (another "
                "process may be writing it; retry later)"
            ) from None
        except duckdb.Error as exc:
            raise WarehouseConfigError(
                f"cannot open the DuckDB warehouse {self.path}: {_one_line(exc)} (is it a "
                "DuckDB file written by `courtside load`?)"
            ) from None

    def _columns(self, con: duckdb.DuckDBPyConnection) -> list[Column] | None:
        rows = con.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
            " WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
            [self.table],
        ).fetchall()
        if not rows:
            return None
        return [
            Column(str(name), _TYPES.get(str(dtype), str(dtype).lower()), nullable == "NO")
            for name, dtype, nullable in rows
        ]

    def columns(self) -> list[Column] | None:
        """The table's columns, ``None`` when the file or the table does not exist."""
        if not self.path.exists():
            return None
        con = self._connect(read_only=True)
        try:
            return self._columns(con)
        finally:
            con.close()

    def load(self, rows: pa.Table, days: Sequence[date], mode: LoadMode) -> LoadStats:
        """Load ``rows`` in one transaction (see :meth:`Warehouse.load`)."""
        started = time.perf_counter()
        con = self._connect(read_only=False)
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(create_table_sql(self.table, self.spec))
                found = self._columns(con)
                check_schema(self.table, found or [], self.spec)
                if mode == "truncate":
                    deleted = con.execute(f"DELETE FROM {self.table}").fetchone()
                else:
                    con.register("_courtside_days", _days_table(days))
                    deleted = con.execute(
                        f"DELETE FROM {self.table} AS t WHERE EXISTS (SELECT 1 FROM"
                        " _courtside_days AS d WHERE d.year = t.year AND d.month = t.month"
                        " AND d.day = t.day)"
                    ).fetchone()
                con.register("_courtside_rows", rows)
                names = ", ".join(self.spec.names)
                con.execute(
                    f"INSERT INTO {self.table} ({names}) SELECT {names} FROM _courtside_rows"
                )
                con.execute("COMMIT")
            except duckdb.Error as exc:
                _rollback(con)
                raise LoadError(f"load into {self.describe()} failed, rolled back: {exc}") from None
            except BaseException:
                _rollback(con)
                raise
        finally:
            con.close()
        return LoadStats(
            target=self.describe(),
            table=self.table,
            mode=mode,
            days=tuple(days),
            rows_deleted=int(deleted[0]) if deleted else 0,
            rows_inserted=rows.num_rows,
            seconds=time.perf_counter() - started,
        )

    def _run(self, sql: str, params: list[Any], limit: int | None, write: bool) -> QueryResult:
        """One query on a read-only, locked-down connection (no file access, no
        extensions, configuration locked), or, with ``write``, anything on a read-write
        connection (committed)."""
        con = self._connect(read_only=not write)
        try:
            if not write:
                lock_down(con)
                check_read_only(con, sql)
            cur = con.execute(sql, params) if params else con.execute(sql)
            if cur.description is None:
                return QueryResult(columns=[], rows=[])
            columns = [d[0] for d in cur.description]
            fetched = cur.fetchall() if limit is None else cur.fetchmany(limit)
        except duckdb.CatalogException as exc:
            missing = _MISSING_TABLE.search(str(exc))
            if missing is None:
                raise QueryError(self._failed(exc)) from None
            raise NoTableError(
                f"{self.describe()} has no table {missing.group(1)}", missing.group(1)
            ) from None
        except (duckdb.Error, ReadOnlyStatementError) as exc:
            raise QueryError(self._failed(exc)) from None
        finally:
            con.close()
        return QueryResult(columns=columns, rows=fetched)

    def _failed(self, exc: Exception) -> str:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"query failed on {self.describe()}: {first}"  # the first line says it all
