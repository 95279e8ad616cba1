"""The Redshift statements for ``courtside load --dry-run --target redshift``.

courtside cannot reach Redshift; it writes the SQL a Redshift user runs after copying
courtside's *export* to S3 (like the original Data Pipeline: create the table if
missing, then ``COPY ... FORMAT AS JSON 'auto'``). The export
(``<home>/exports/redshift/<table>/year=/month=/day=/``, written by the same load) holds
exactly the rows the DuckDB and PostgreSQL loads would insert, each with its year, month
and day: rows the load checks reject (a NUL or control character in a name, a name over
255 bytes, a bad total, an unreadable line) never reach Redshift, and one bad name never
fails a COPY. Everything runs in one transaction; the ``truncate`` mode is written as
``DELETE`` because Redshift's ``TRUNCATE`` commits at once, which would leave the table
empty if a later COPY failed.

Every value written into the SQL is validated first: the table is a plain identifier,
the S3 URI and the IAM role match strict patterns, and days are real dates.

:class:`RedshiftWarehouse` is the backend that :func:`courtside.warehouse.open_warehouse`
returns for a Redshift URL or target: it has no capability (``can_load`` and
``can_query`` are False), so callers show "statements only" instead of connecting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
from pydantic import SecretStr

from courtside.job.output import OUTPUT_ZONE, SENTIMENT_ZONE
from courtside.sqltext import sql_literal
from courtside.warehouse.base import (
    TOTALS,
    Column,
    LoadStats,
    QueryResult,
    TableSpec,
    Warehouse,
    check_table_name,
)
from courtside.warehouse.config import LoadMode
from courtside.warehouse.errors import StatementsOnlyError, WarehouseConfigError

__all__ = [
    "PLACEHOLDER_IAM_ROLE",
    "PLACEHOLDER_S3_URI",
    "STATEMENTS_ONLY",
    "RedshiftWarehouse",
    "redshift_statements",
]

PLACEHOLDER_S3_URI = "s3://<your-bucket>/<prefix>"
PLACEHOLDER_IAM_ROLE = "arn:aws:iam::<account-id>:role/<redshift-s3-role>"
_S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9_.=/-]*)?$")
_IAM_ROLE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9_+=,.@/-]{1,512}$")
STATEMENTS_ONLY = (
    "courtside cannot connect to Redshift (statements only): use `courtside load --dry-run "
    "--target redshift` to write the statements, and run them in Redshift"
)


def redshift_statements(
    *,
    table: str,
    days: Sequence[date],
    days_with_data: Sequence[date],
    mode: LoadMode,
    s3_uri: str | None = None,
    iam_role: str | None = None,
    export: str = "<home>/exports/redshift",
    spec: TableSpec = TOTALS,
) -> str:
    """The SQL script that loads ``days`` of the export into Redshift.

    Args:
        table: The warehouse table.
        days: The days to load (replaced in ``replace-days`` mode).
        days_with_data: Those of ``days`` with loadable rows in the export (a COPY of an
            empty S3 prefix fails in Redshift, so empty days only delete).
        mode: ``truncate`` or ``replace-days``.
        s3_uri: Where the export is copied in S3; placeholders are written when missing.
        iam_role: The IAM role ARN for COPY; placeholders are written when missing.
        export: The local export folder (named in the comments only).
        spec: The table's shape (default the original's ``playerstotaltweets``).

    Raises:
        WarehouseConfigError: for an invalid table name, S3 URI or IAM role.
    """
    table = check_table_name(table)
    if s3_uri is not None and not _S3_URI.fullmatch(s3_uri):
        raise WarehouseConfigError(f"invalid S3 URI {s3_uri[:120]!r} (s3://bucket/prefix)")
    if iam_role is not None and not _IAM_ROLE.fullmatch(iam_role):
        raise WarehouseConfigError(
            f"invalid IAM role {iam_role[:120]!r} (arn:aws:iam::<12 digits>:role/<name>)"
        )
    base = (s3_uri or PLACEHOLDER_S3_URI).rstrip("/")
    role = iam_role or PLACEHOLDER_IAM_ROLE
    with_data = set(days_with_data)
    cols = ",\n    ".join(str(c) for c in spec.columns)
    names = ", ".join(spec.names)
    zone = OUTPUT_ZONE if spec is TOTALS else SENTIMENT_ZONE
    lines = [
        f"-- courtside: load {zone} into Redshift, insert mode {mode}, {len(days)} day(s).",
        f"-- First copy the export {export.replace(chr(10), ' ')}/ to {base}/",
        f"--   (aws s3 sync <export>/ {base}/): it holds only the rows that passed the load",
        "--   checks, the same rows a DuckDB or PostgreSQL load inserts.",
    ]
    if s3_uri is None or iam_role is None:
        lines.append("-- Replace the <placeholders> (or set warehouse.redshift_s3_uri and")
        lines.append("-- warehouse.redshift_iam_role) before running.")
    lines += ["BEGIN;", f"CREATE TABLE IF NOT EXISTS {table} (\n    {cols}\n);"]
    if mode == "truncate":
        lines.append("-- insert mode TRUNCATE, written as DELETE to stay inside the transaction")
        lines.append(f"DELETE FROM {table};")
    for day in sorted(days):
        y, m, d = day.year, day.month, day.day
        prefix = f"{base}/{table}/year={y:04d}/month={m:02d}/day={d:02d}/"
        lines.append(f"-- {day.isoformat()}")
        if mode == "replace-days":
            lines.append(f"DELETE FROM {table} WHERE year = {y} AND month = {m} AND day = {d};")
        if day not in with_data:
            lines.append("-- (no rows for this day)")
            continue
        lines += [
            f"COPY {table} ({names}) FROM {sql_literal(prefix, 'redshift')}",
            f"    IAM_ROLE {sql_literal(role, 'redshift')}",
            "    FORMAT AS JSON 'auto';",
        ]
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


class RedshiftWarehouse(Warehouse):
    """Redshift as a target courtside writes statements for but never connects to.

    Args:
        url: The Redshift URL, if one was given (only named, without its password).
        table: The warehouse table.
        spec: Its shape.
    """

    kind = "redshift"
    can_load = False
    can_query = False

    def __init__(
        self,
        url: SecretStr | str | None = None,
        table: str = "playerstotaltweets",
        spec: TableSpec = TOTALS,
    ) -> None:
        super().__init__(table, spec)
        raw = url.get_secret_value() if isinstance(url, SecretStr) else url
        self._where = _safe_endpoint(raw) if raw else None

    def describe(self) -> str:
        """``redshift://user@host:port/database (statements only)``, never a password."""
        return f"{self._where or 'redshift'} (statements only)"

    def load(self, rows: pa.Table, days: Sequence[date], mode: LoadMode) -> LoadStats:
        """Refused: see :data:`STATEMENTS_ONLY`."""
        raise StatementsOnlyError(STATEMENTS_ONLY)

    def _run(self, sql: str, params: list[Any], limit: int | None, write: bool) -> QueryResult:
        """Refused: see :data:`STATEMENTS_ONLY`."""
        raise StatementsOnlyError(STATEMENTS_ONLY)

    def columns(self) -> list[Column] | None:
        """Refused: see :data:`STATEMENTS_ONLY`."""
        raise StatementsOnlyError(STATEMENTS_ONLY)


def _safe_endpoint(url: str) -> str | None:
    """``redshift://user@host:port/database`` from a Redshift URL (any of its forms),
    without the password or the query string; ``None`` when it does not parse."""
    try:
        parts = urlsplit(re.sub(r"^[^/]*://", "redshift://", url.strip(), count=1))
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    user = f"{parts.username}@" if parts.username else ""
    database = parts.path.strip("/").split("/")[0]
    where = f"redshift://{user}{host}:{port or 5439}/{database}"
    return where.replace(parts.password, "<redacted>") if parts.password else where
