"""PostgreSQL as the warehouse, by URL (``postgresql://user:password@host:port/db``).

Rows go in with ``COPY ... FROM STDIN`` (CSV written by pyarrow), inside one transaction
that also creates the table, checks its schema and deletes what the insert mode
replaces; the table is locked against concurrent loads (readers are not blocked). The
URL is a secret: errors and :meth:`PostgresWarehouse.describe` name the user, host,
port and database, never the password.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from pydantic import SecretStr

from courtside.runs import scrub
from courtside.warehouse.base import (
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
    QueryError,
    SchemaMismatchError,
    WarehouseConfigError,
    WarehouseUnavailableError,
)

__all__ = ["PostgresWarehouse", "is_postgres_url"]

_SCHEMES = ("postgresql://", "postgres://")
# Connection errors that retrying cannot fix: bad database, role or password. psycopg
# gives no SQLSTATE for a refused connection, so the server's FATAL message says it too.
_TERMINAL_SQLSTATES = {"3D000", "28000", "28P01", "42501"}
_TERMINAL_FATAL = re.compile(
    r"FATAL:\s+(?:password authentication failed|(?:database|role) \"[^\"]*\" does not exist"
    r"|no pg_hba\.conf entry|permission denied)"
)
_COPY_BATCH_ROWS = 200_000
_MISSING_TABLE = re.compile(r'relation "([^"]+)" does not exist')
_SUPERUSER_NOTE = (
    "connected as a role that may read and write server files (superuser or "
    "pg_*_server_files): a read-only transaction does not stop pg_read_file() or COPY ... "
    "TO 'file'; query with a role without them"
)


def is_postgres_url(url: str) -> bool:
    """True for ``postgresql://`` and ``postgres://`` URLs."""
    return url.startswith(_SCHEMES)


class PostgresWarehouse(Warehouse):
    """A PostgreSQL database as the warehouse (psycopg 3).

    Args:
        url: The connection URL (a secret: it may hold a password).
        table: The warehouse table (in the connection's current schema).
        connect_timeout_s: How long to wait for the server.

    Raises:
        WarehouseConfigError: when ``url`` is not a PostgreSQL URL.
    """

    kind = "postgres"

    def __init__(
        self,
        url: SecretStr | str,
        table: str = "playerstotaltweets",
        *,
        connect_timeout_s: float = 10.0,
        spec: TableSpec = TOTALS,
    ) -> None:
        super().__init__(table, spec)
        self._url = url if isinstance(url, SecretStr) else SecretStr(url)
        self.connect_timeout_s = connect_timeout_s
        raw = self._url.get_secret_value()
        if not is_postgres_url(raw):
            raise WarehouseConfigError(
                "the warehouse URL must start with postgresql:// (or postgres://)"
            )
        self._info = _parse(raw)
        # Whether the role may touch server files: asked once per object, as the
        # dashboard sends several queries through one.
        self._privileged: bool | None = None

    def describe(self) -> str:
        """``postgresql://user@host:port/database``, without the password."""
        info = self._info
        user = f"{info.get('user')}@" if info.get("user") else ""
        host = info.get("host") or "localhost"
        where = f"postgresql://{user}{host}:{info.get('port') or 5432}/{info.get('dbname', '')}"
        password = info.get("password")
        return where.replace(password, "<redacted>") if password else where

    def _safe(self, text: str) -> str:
        """``text`` on one line, without the password (however the server quoted it) or
        any other credential :func:`~courtside.runs.scrub` knows."""
        password = self._info.get("password")
        if password:
            text = text.replace(password, "<redacted>")
        return scrub(" ".join(text.split()))

    def _connect(self, *, read_only: bool = False) -> Any:
        import psycopg

        try:
            conn = psycopg.connect(
                self._url.get_secret_value(),
                connect_timeout=max(1, round(self.connect_timeout_s)),
                application_name="courtside",
            )
        except psycopg.Error as exc:
            reason = self._safe(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            if _refused(exc):
                raise WarehouseConfigError(
                    f"PostgreSQL {self.describe()} refused the connection: {reason}"
                ) from None
            raise WarehouseUnavailableError(
                f"cannot reach PostgreSQL {self.describe()}: {reason}"
            ) from None
        conn.read_only = read_only
        return conn

    @staticmethod
    def _columns_of(cur: Any, table: str) -> list[Column] | None:
        cur.execute(
            "SELECT column_name, data_type, character_maximum_length, is_nullable"
            " FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = %s ORDER BY ordinal_position",
            (table,),
        )
        rows = cur.fetchall()
        if not rows:
            return None
        out = []
        for name, dtype, length, nullable in rows:
            sql_type = f"varchar({length})" if dtype == "character varying" else str(dtype)
            out.append(Column(str(name), sql_type, nullable == "NO"))
        return out

    def columns(self) -> list[Column] | None:
        """The table's columns, ``None`` when it does not exist."""
        with self._connect(read_only=True) as conn, conn.cursor() as cur:
            return self._columns_of(cur, self.table)

    def load(self, rows: pa.Table, days: Sequence[date], mode: LoadMode) -> LoadStats:
        """Load ``rows`` with COPY in one transaction (see :meth:`Warehouse.load`)."""
        import psycopg

        started = time.perf_counter()
        conn = self._connect()
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(create_table_sql(self.table, self.spec))
                check_schema(self.table, self._columns_of(cur, self.table) or [], self.spec)
                # One load at a time (readers are not blocked).
                cur.execute(f"LOCK TABLE {self.table} IN SHARE ROW EXCLUSIVE MODE")
                deleted = self._delete(cur, days, mode)
                with cur.copy(
                    f"COPY {self.table} ({', '.join(self.spec.names)}) FROM STDIN"
                    " (FORMAT csv, FORCE_NOT_NULL (player))"
                ) as copy:
                    for chunk in _csv_chunks(rows, self.spec.names):
                        copy.write(chunk)
        except SchemaMismatchError:
            raise
        except psycopg.OperationalError as exc:
            raise WarehouseUnavailableError(
                f"lost PostgreSQL {self.describe()} during the load, rolled back: "
                f"{self._safe(str(exc))}"
            ) from None
        except psycopg.Error as exc:
            raise LoadError(
                f"load into {self.describe()} failed, rolled back: {self._safe(str(exc))}"
            ) from None
        finally:
            conn.close()
        return LoadStats(
            target=self.describe(),
            table=self.table,
            mode=mode,
            days=tuple(days),
            rows_deleted=deleted,
            rows_inserted=rows.num_rows,
            seconds=time.perf_counter() - started,
        )

    def _delete(self, cur: Any, days: Sequence[date], mode: LoadMode) -> int:
        if mode == "truncate":
            cur.execute(f"SELECT count(*) FROM {self.table}")
            count = int(cur.fetchone()[0])
            cur.execute(f"TRUNCATE {self.table}")
            return count
        if not days:
            return 0
        cur.execute(
            "CREATE TEMP TABLE _courtside_days (year integer, month integer, day integer)"
            " ON COMMIT DROP"
        )
        with cur.copy("COPY _courtside_days (year, month, day) FROM STDIN") as copy:
            for d in days:
                copy.write_row((d.year, d.month, d.day))
        cur.execute(
            f"DELETE FROM {self.table} AS t USING _courtside_days AS d"
            " WHERE t.year = d.year AND t.month = d.month AND t.day = d.day"
        )
        return int(cur.rowcount)

    def _run(self, sql: str, params: list[Any], limit: int | None, write: bool) -> QueryResult:
        """By default one statement (a server-side prepared statement, which PostgreSQL
        refuses to hold more than one command) in a read-only transaction that is rolled
        back; with ``write``, any statements in one committed transaction. ``$1``, ``$2``,
        ... are the server's own placeholders: the text is sent as written, the values
        separately."""
        import psycopg

        conn = self._connect(read_only=not write)
        notes: list[str] = []
        try:
            with psycopg.RawCursor(conn) as cur:
                if not write:
                    if self._privileged is None:
                        self._privileged = self._file_privileged(cur)
                    if self._privileged:
                        notes.append(_SUPERUSER_NOTE)
                if write:
                    cur.execute(sql, params or None)
                    while cur.nextset():  # the last statement's result
                        pass
                else:
                    cur.execute(sql, params or None, prepare=True)
                columns = [d.name for d in cur.description] if cur.description else []
                fetched: list[Any] = []
                if cur.description:
                    fetched = cur.fetchall() if limit is None else cur.fetchmany(limit)
            if write:
                conn.commit()
        except psycopg.errors.UndefinedTable as exc:
            missing = _MISSING_TABLE.search(str(exc))
            if missing is None:
                raise NoTableError(
                    f"query failed on {self.describe()}: {self._safe(str(exc))}"
                ) from None
            table = self._safe(missing.group(1))
            raise NoTableError(f"{self.describe()} has no table {table}", table) from None
        except psycopg.OperationalError as exc:
            raise WarehouseUnavailableError(
                f"lost PostgreSQL {self.describe()}: {self._safe(str(exc))}"
            ) from None
        except psycopg.Error as exc:
            raise QueryError(f"query failed on {self.describe()}: {self._safe(str(exc))}") from None
        finally:
            _close_quietly(conn)
        return QueryResult(columns=columns, rows=fetched, notes=notes)

    @staticmethod
    def _file_privileged(cur: Any) -> bool:
        """True when the role may read or write server files (superuser or one of the
        ``pg_*_server_files`` roles): a read-only transaction does not stop that."""
        cur.execute(
            "SELECT rolsuper OR pg_has_role(current_user, 'pg_read_server_files', 'USAGE')"
            " OR pg_has_role(current_user, 'pg_write_server_files', 'USAGE')"
            " FROM pg_roles WHERE rolname = current_user"
        )
        row = cur.fetchone()
        return bool(row and row[0])


def _refused(exc: Exception) -> bool:
    """True when the server refused the connection for good (a bad database, role or
    password), not for a while (down, starting, too many connections)."""
    if getattr(exc, "sqlstate", None) in _TERMINAL_SQLSTATES:
        return True
    return bool(_TERMINAL_FATAL.search(str(exc)))


def _close_quietly(conn: Any) -> None:
    try:
        conn.rollback()
        conn.close()
    except Exception:  # noqa: S110 - the connection is being discarded anyway
        pass


def _parse(url: str) -> dict[str, str]:
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except Exception:  # the message would quote the URL, password included
        raise WarehouseConfigError(
            "the warehouse URL is not a valid PostgreSQL URL (postgresql://user:password@"
            "host:port/database)"
        ) from None
    out = {k: str(v) for k, v in info.items() if v is not None}
    if not all(part.strip().isdigit() for part in out.get("port", "5432").split(",")):
        raise WarehouseConfigError("the warehouse URL's port must be a number")
    return out


def _csv_chunks(rows: pa.Table, names: list[str]) -> Iterator[bytes]:
    """The rows as CSV without a header, in chunks of ``_COPY_BATCH_ROWS`` rows (a null
    is an unquoted empty field, which COPY reads as NULL; ``player`` is forced not null,
    so an empty name stays an empty string)."""
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    for batch in rows.select(names).to_batches(_COPY_BATCH_ROWS):
        sink = io.BytesIO()
        pacsv.write_csv(pa.Table.from_batches([batch]), sink, options)
        yield sink.getvalue()
