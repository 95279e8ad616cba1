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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from courtside.job.output import OUTPUT_ZONE
from courtside.sqltext import sql_literal
from courtside.warehouse.base import COLUMNS, check_table_name
from courtside.warehouse.config import LoadMode
from courtside.warehouse.errors import WarehouseConfigError

__all__ = ["PLACEHOLDER_IAM_ROLE", "PLACEHOLDER_S3_URI", "redshift_statements"]

PLACEHOLDER_S3_URI = "s3://<your-bucket>/<prefix>"
PLACEHOLDER_IAM_ROLE = "arn:aws:iam::<account-id>:role/<redshift-s3-role>"
_S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9_.=/-]*)?$")
_IAM_ROLE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9_+=,.@/-]{1,512}$")


def redshift_statements(
    *,
    table: str,
    days: Sequence[date],
    days_with_data: Sequence[date],
    mode: LoadMode,
    s3_uri: str | None = None,
    iam_role: str | None = None,
    export: str = "<home>/exports/redshift",
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
    cols = ",\n    ".join(str(c) for c in COLUMNS)
    names = ", ".join(c.name for c in COLUMNS)
    lines = [
        f"-- courtside: load {OUTPUT_ZONE} into Redshift, insert mode {mode}, {len(days)} day(s).",
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
