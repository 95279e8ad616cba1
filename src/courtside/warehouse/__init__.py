"""courtside.warehouse: the loader of ``players_total_tweets/`` into the warehouse table
``playerstotaltweets`` (a DuckDB file by default, PostgreSQL by URL, and the equivalent
Redshift statements). The backends' contract is in :mod:`courtside.warehouse.base`.

Names are imported lazily: ``courtside.config`` imports ``warehouse.config`` while it is
itself being imported, so this package must not import ``courtside.config`` eagerly.
"""

from __future__ import annotations

from courtside._lazy import lazy_getattr

_EXPORTS = {
    "COLUMNS": "courtside.warehouse.base",
    "LoadStats": "courtside.warehouse.base",
    "QueryResult": "courtside.warehouse.base",
    "Warehouse": "courtside.warehouse.base",
    "LoadError": "courtside.warehouse.errors",
    "QueryError": "courtside.warehouse.errors",
    "SchemaMismatchError": "courtside.warehouse.errors",
    "WarehouseConfigError": "courtside.warehouse.errors",
    "WarehouseError": "courtside.warehouse.errors",
    "WarehouseUnavailableError": "courtside.warehouse.errors",
    "LoadOutcome": "courtside.warehouse.loader",
    "load": "courtside.warehouse.loader",
    "open_warehouse": "courtside.warehouse.loader",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
