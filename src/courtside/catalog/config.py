"""Configuration of the catalog and the crawler (the ``[catalog]`` section)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from courtside._model import Section

DEFAULT_DATABASE = "twitter_nba_db"


class CatalogSettings(Section):
    """Catalog and crawler settings.

    Attributes:
        database: Default database (the original's ``twitter_nba_db``).
        schema_change_policy: What the crawler does when a table's schema changed:
            ``log`` records the difference and keeps the table, ``update`` replaces it.
        sample_files: Files the crawler samples per table to infer the schema.
        sample_lines_per_file: JSON lines read per sampled file.
        backend: Where databases, tables and partitions are kept: ``local`` (a SQLite file
            in the state folder) or ``glue`` (the AWS Glue Data Catalog, reached with
            ``[aws]``, as in the original).
    """

    database: str = Field(default=DEFAULT_DATABASE, pattern=r"^[a-z_][a-z0-9_]{0,63}$")
    schema_change_policy: Literal["log", "update"] = "log"
    sample_files: int = Field(default=200, gt=0, le=100_000)
    sample_lines_per_file: int = Field(default=2000, gt=0, le=1_000_000)
    backend: Literal["local", "glue"] = "local"
