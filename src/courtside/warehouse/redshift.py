"""The Redshift statements for ``courtside load --dry-run --target redshift``.

courtside cannot reach Redshift; it writes the SQL a Redshift user runs after copying
the lake's ``players_total_tweets/`` folder to S3 (like the original Data Pipeline:
create the table if missing, then ``COPY ... FORMAT AS JSON 'auto'``). The day's values
live in the folder names, not in the JSON files, so each day is COPYed into a staging
table and inserted with its date. Everything runs in one transaction; the ``truncate``
mode is written as ``DELETE`` because Redshift's ``TRUNCATE`` commits at once, which
would leave the table empty if a later COPY failed.

Every value written into the SQL is validated first: the table is a plain identifier,
the S3 URI and the IAM role match strict patterns, and days are real dates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from courtside.job.output import OUTPUT_ZONE
from courtside.warehouse.base import COLUMNS, PLAYER_MAX_CHARS, check_table_name
from courtside.warehouse.config import LoadMode
from courtside.warehouse.errors import WarehouseConfigError

__all__ = ["PLACEHOLDER_IAM_ROLE", "PLACEHOLDER_S3_URI", "redshift_statements"]

PLACEHOLDER_S3_URI = "s3://<your-bucket>/<lake-prefix>"
PLACEHOLDER_IAM_ROLE = "arn:aws:iam::<account-id>:role/<redshift-s3-role>"
_S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9_.=/-]*)?$")
_IAM_ROLE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9_+=,.@/-]{1,512}$")


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def redshift_statements(
    *,
    table: str,
    days: Sequence[date],
    days_with_data: Sequence[date],
    mode: LoadMode,
    s3_uri: str | None = None,
    iam_role: str | None = None,
) -> str:
    """The SQL script that loads ``days`` of the lake's output into Redshift.

    Args:
        table: The warehouse table.
        days: The days to load (replaced in ``replace-days`` mode).
        days_with_data: Those of ``days`` that have files (a COPY of an empty S3 prefix
            fails in Redshift, so empty days only delete).
        mode: ``truncate`` or ``replace-days``.
        s3_uri: Where the lake is in S3; placeholders are written when missing.
        iam_role: The IAM role ARN for COPY; placeholders are written when missing.

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
    staging = f"{table}_staging"
    with_data = set(days_with_data)
    cols = ",\n    ".join(str(c) for c in COLUMNS)
    lines = [
        f"-- courtside: load {OUTPUT_ZONE} into Redshift, insert mode {mode}, {len(days)} day(s).",
        f"-- First copy the lake's {OUTPUT_ZONE}/ folder to {base}/{OUTPUT_ZONE}/",
        f"--   (e.g. aws s3 sync <lake>/{OUTPUT_ZONE}/ {base}/{OUTPUT_ZONE}/"
        ' --exclude "*" --include "*.json").',
    ]
    if s3_uri is None or iam_role is None:
        lines.append("-- Replace the <placeholders> (or set warehouse.redshift_s3_uri and")
        lines.append("-- warehouse.redshift_iam_role) before running.")
    lines += [
        "BEGIN;",
        f"CREATE TABLE IF NOT EXISTS {table} (\n    {cols}\n);",
        f"CREATE TEMP TABLE {staging} (\n    player varchar({PLAYER_MAX_CHARS}) not null,"
        "\n    total integer not null\n);",
    ]
    if mode == "truncate":
        lines.append("-- insert mode TRUNCATE, written as DELETE to stay inside the transaction")
        lines.append(f"DELETE FROM {table};")
    for day in sorted(days):
        y, m, d = day.year, day.month, day.day
        prefix = f"{base}/{OUTPUT_ZONE}/year={y:04d}/month={m:02d}/day={d:02d}/"
        lines.append(f"-- {day.isoformat()}")
        if mode == "replace-days":
            lines.append(f"DELETE FROM {table} WHERE year = {y} AND month = {m} AND day = {d};")
        if day not in with_data:
            lines.append("-- (no rows for this day)")
            continue
        lines += [
            f"COPY {staging} FROM {_literal(prefix)}",
            f"    IAM_ROLE {_literal(role)}",
            "    FORMAT AS JSON 'auto';",
            f"INSERT INTO {table} (year, month, day, player, total)"
            f" SELECT {y}, {m}, {d}, player, total FROM {staging};",
            f"DELETE FROM {staging};",
        ]
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"
