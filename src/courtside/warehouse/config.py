"""Configuration of the warehouse loader."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from courtside._model import LocalPath, Section

IDENTIFIER_PATTERN = r"^[a-z_][a-z0-9_]{0,62}$"
LoadMode = Literal["truncate", "replace-days"]


class WarehouseSettings(Section):
    """Warehouse target: a DuckDB file in the home folder unless ``url`` is set.

    ``url`` may be ``postgresql://...``; it can hold a password, so it is a secret (and
    is deliberately not validated here: a validation message would echo it).

    Attributes:
        url: ``postgresql://user:password@host:port/database``; none: the DuckDB file.
        duckdb_file: The DuckDB warehouse file (default ``<home>/warehouse.duckdb``).
        table: The warehouse table (the original's ``playerstotaltweets``).
        sentiment_table: The per-player daily sentiment table (``playersdailysentiment``).
        mode: Insert mode: ``replace-days`` replaces exactly the days being loaded;
            ``truncate`` (the original Data Pipeline's) empties the table first.
        connect_timeout_s: How long to wait for a PostgreSQL server.
        redshift_s3_uri: Where the load's export (``<home>/exports/redshift/``) is
            copied in S3 (``s3://bucket/prefix``), for the Redshift statements of
            ``courtside load --dry-run --target redshift``.
        redshift_iam_role: The IAM role ARN Redshift uses to read that bucket.
    """

    url: SecretStr | None = None
    duckdb_file: LocalPath | None = None
    table: str = Field(default="playerstotaltweets", pattern=IDENTIFIER_PATTERN)
    sentiment_table: str = Field(default="playersdailysentiment", pattern=IDENTIFIER_PATTERN)
    mode: LoadMode = "replace-days"
    connect_timeout_s: float = Field(default=10.0, gt=0, le=300)
    redshift_s3_uri: str | None = Field(
        default=None, pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9_.=/-]*)?$"
    )
    redshift_iam_role: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9_+=,.@/-]{1,512}$"
    )
