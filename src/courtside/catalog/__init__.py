"""The local data catalog and its crawler (the Glue Data Catalog and crawler).

Public API for other stages::

    catalog = Catalog.open(settings)
    table, created = catalog.get_or_create_table(Table(...))
    catalog.partitions("twitter_nba_db", "tweets")
    catalog.register_external_table(db, name, location, "parquet", columns, partition_keys)
    crawl(settings, "players_total_tweets")
    conn = open_duckdb(settings)   # every table as a view "database"."table"
"""

from __future__ import annotations

from courtside._lazy import lazy_getattr

# Imported lazily: courtside.config imports this package's config module while it is
# itself being imported, so this package must not import courtside.config eagerly.
_EXPORTS = {
    "DEFAULT_DATABASE": "courtside.catalog.config",
    "CatalogSettings": "courtside.catalog.config",
    "catalog_settings": "courtside.catalog.config",
    "CrawlResult": "courtside.catalog.crawler",
    "crawl": "courtside.catalog.crawler",
    "CatalogError": "courtside.catalog.errors",
    "NoSuchTableError": "courtside.catalog.errors",
    "duckdb_source": "courtside.catalog.query",
    "open_duckdb": "courtside.catalog.query",
    "register_spark": "courtside.catalog.query",
    "Catalog": "courtside.catalog.store",
    "Column": "courtside.catalog.store",
    "Database": "courtside.catalog.store",
    "Partition": "courtside.catalog.store",
    "SchemaChange": "courtside.catalog.store",
    "Table": "courtside.catalog.store",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
