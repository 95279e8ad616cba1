"""Configuration of the warehouse, and the one place that turns it into a target.

:func:`warehouse_target` is where the default location (``<home>/warehouse.duckdb``) and
the URL forms are decided for every caller (the loader, ``warehouse query``, the
dashboard): ``duckdb:<path>``, ``postgresql://...`` (or ``postgres://``), and Redshift
(``redshift://...``, ``jdbc:redshift://...``, or a PostgreSQL URL whose host is a Redshift
endpoint), which courtside can only write statements for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from courtside._model import LocalPath, Section
from courtside.warehouse.errors import WarehouseConfigError

__all__ = [
    "IDENTIFIER_PATTERN",
    "TARGETS",
    "LoadMode",
    "Target",
    "WarehouseSettings",
    "WarehouseTarget",
    "warehouse_target",
]

IDENTIFIER_PATTERN = r"^[a-z_][a-z0-9_]{0,62}$"
LoadMode = Literal["truncate", "replace-days"]
Target = Literal["duckdb", "postgres", "redshift"]
TARGETS: tuple[Target, ...] = ("duckdb", "postgres", "redshift")
DEFAULT_DUCKDB_FILE = "warehouse.duckdb"

_DUCKDB_PREFIX = "duckdb:"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_REDSHIFT_SCHEME = re.compile(r"^(?:jdbc:)?redshift(?:\+[a-z0-9_]+|:iam)?://", re.IGNORECASE)
# A PostgreSQL URL pointing at a Redshift endpoint (provisioned or serverless).
_REDSHIFT_HOST = re.compile(
    r"^postgres(?:ql)?://(?:[^@/?#]*@)?[^:/?#,@]+\.redshift(?:-serverless)?\.amazonaws\.com"
    r"(?:\.cn)?(?:[:/?#]|$)",
    re.IGNORECASE,
)
_URL_FORMS = "duckdb:<path>, postgresql://user:password@host:port/database or redshift://..."


class WarehouseSettings(Section):
    """Warehouse target: a DuckDB file in the home folder unless ``url`` is set.

    ``url`` may be ``duckdb:<path>``, ``postgresql://...`` or a Redshift URL (see
    :func:`warehouse_target`); it can hold a password, so it is a secret (and is
    deliberately not validated here: a validation message would echo it).

    Attributes:
        url: ``postgresql://user:password@host:port/database``, ``duckdb:<path>`` or a
            Redshift URL (statements only); none: the DuckDB file.
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


@dataclass(frozen=True)
class WarehouseTarget:
    """Where the warehouse is, decided once by :func:`warehouse_target`.

    Attributes:
        kind: ``duckdb``, ``postgres`` or ``redshift`` (statements only).
        path: The DuckDB file (``duckdb`` only), absolute.
        url: The connection URL (``postgres``; ``redshift`` when one was given). A secret.
    """

    kind: Target
    path: Path | None = None
    url: SecretStr | None = None


def _url_kind(raw: str) -> Target:
    if raw.startswith(_DUCKDB_PREFIX):
        return "duckdb"
    if _REDSHIFT_SCHEME.match(raw) or _REDSHIFT_HOST.match(raw):
        return "redshift"
    if raw.startswith(_POSTGRES_SCHEMES):
        return "postgres"
    # Never echo the URL: it may hold a password.
    raise WarehouseConfigError(f"the warehouse URL must be {_URL_FORMS}")


def _duckdb_path(raw: str) -> Path:
    text = raw[len(_DUCKDB_PREFIX) :].removeprefix("//").strip()
    if not text:
        raise WarehouseConfigError("the duckdb: warehouse URL needs a file: duckdb:<path>")
    return Path(text).expanduser().resolve()


def warehouse_target(
    cfg: WarehouseSettings,
    home: Path,
    *,
    target: str | None = None,
    url: SecretStr | str | None = None,
) -> WarehouseTarget:
    """The warehouse to use: the one place for the default location and the URL forms.

    Args:
        cfg: The ``[warehouse]`` section.
        home: The home folder (the default DuckDB file is ``<home>/warehouse.duckdb``
            unless ``warehouse.duckdb_file`` is set).
        target: ``duckdb``, ``postgres`` or ``redshift``; default from the URL's form,
            ``duckdb`` without a URL. An explicit ``duckdb`` or ``redshift`` target does not
            need the URL (a URL of another kind is ignored, as ``--target duckdb`` with a
            PostgreSQL URL in the environment means the local file).
        url: Overrides ``warehouse.url`` (a blank one means none).

    Raises:
        WarehouseConfigError: an unknown target or URL form, or a target the URL
            contradicts (``postgres`` without a PostgreSQL URL). No message quotes the URL.
    """
    secret = cfg.url if url is None else url if isinstance(url, SecretStr) else SecretStr(url)
    raw = secret.get_secret_value().strip() if secret is not None else ""
    url_kind = _url_kind(raw) if raw else None
    if target is not None and target not in TARGETS:
        raise WarehouseConfigError(
            f"unknown warehouse target {target[:40]!r} (use {', '.join(TARGETS)})"
        )
    kind: Target = target or url_kind or "duckdb"
    if kind == "duckdb":
        if url_kind == "duckdb":
            return WarehouseTarget("duckdb", path=_duckdb_path(raw))
        path = cfg.duckdb_file or Path(home) / DEFAULT_DUCKDB_FILE
        return WarehouseTarget("duckdb", path=Path(path).expanduser().resolve())
    if kind == "postgres":
        if url_kind is None:
            raise WarehouseConfigError(
                "the postgres target needs a URL: --url postgresql://... or warehouse.url "
                "(COURTSIDE_WAREHOUSE__URL)"
            )
        if url_kind == "redshift":
            raise WarehouseConfigError(
                "the warehouse URL names Redshift, which courtside cannot connect to "
                "(statements only): use --target redshift with --dry-run"
            )
        if url_kind != "postgres":
            raise WarehouseConfigError(
                "the postgres target needs a postgresql:// URL, and the warehouse URL is a "
                "duckdb: one: drop --target, or give a PostgreSQL URL"
            )
        return WarehouseTarget("postgres", url=SecretStr(raw))
    return WarehouseTarget("redshift", url=SecretStr(raw) if url_kind == "redshift" else None)
