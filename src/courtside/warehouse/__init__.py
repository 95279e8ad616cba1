"""courtside.warehouse: the warehouse seam. The backends' contract is in
:mod:`courtside.warehouse.base`; :func:`open_warehouse` is the one way to get a backend,
for the loader of ``players_total_tweets/`` (:mod:`courtside.warehouse.loader`),
``courtside warehouse query`` and the dashboard alike.

A new backend is one module implementing :class:`~courtside.warehouse.base.Warehouse`,
one case in :func:`open_warehouse` (and its URL form in
:func:`~courtside.warehouse.config.warehouse_target`), and one parameter of the
``target`` fixture in ``tests/warehouse/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from courtside.warehouse.config import WarehouseSettings, warehouse_target

if TYPE_CHECKING:
    from courtside.warehouse.base import TableSpec, Warehouse

__all__ = ["open_warehouse"]


def open_warehouse(
    cfg: WarehouseSettings,
    home: Path,
    *,
    target: str | None = None,
    url: SecretStr | str | None = None,
    spec: TableSpec | None = None,
) -> Warehouse:
    """The warehouse backend for the table of ``spec`` (``warehouse.table``, or
    ``warehouse.sentiment_table`` for the sentiment spec). Nothing is connected yet: the
    backend connects per operation.

    Args:
        cfg: The ``[warehouse]`` section.
        home: The home folder (for the default DuckDB file).
        target: ``duckdb``, ``postgres`` or ``redshift``; default from the URL's form.
        url: Overrides ``warehouse.url``: ``duckdb:<path>``, ``postgresql://...`` or a
            Redshift URL.
        spec: The table's shape (default the original's ``playerstotaltweets``).

    Returns:
        A :class:`~courtside.warehouse.duckdb.DuckDBWarehouse`,
        :class:`~courtside.warehouse.postgres.PostgresWarehouse` or
        :class:`~courtside.warehouse.redshift.RedshiftWarehouse` (statements only: check
        :attr:`~courtside.warehouse.base.Warehouse.can_query` before querying).

    Raises:
        WarehouseConfigError: a bad target or URL (never quoted: it may hold a password).
    """
    from courtside.warehouse.base import SENTIMENT, TOTALS

    spec = spec or TOTALS
    table = cfg.sentiment_table if spec is SENTIMENT else cfg.table
    where = warehouse_target(cfg, home, target=target, url=url)
    if where.kind == "postgres":
        from courtside.warehouse.postgres import PostgresWarehouse

        assert where.url is not None
        return PostgresWarehouse(
            where.url, table, connect_timeout_s=cfg.connect_timeout_s, spec=spec
        )
    if where.kind == "redshift":
        from courtside.warehouse.redshift import RedshiftWarehouse

        return RedshiftWarehouse(where.url, table, spec)
    from courtside.warehouse.duckdb import DuckDBWarehouse

    assert where.path is not None
    return DuckDBWarehouse(where.path, table, spec)
