"""The local data catalog and its crawler (the Glue Data Catalog and crawler).

Public API for other stages::

    catalog = Catalog.open(settings)
    table, created = catalog.get_or_create_table(Table(...))
    catalog.partitions("twitter_nba_db", "tweets")
    catalog.register_external_table(db, name, location, "parquet", columns, partition_keys)
    crawl(settings, "players_total_tweets")
    conn = open_duckdb(settings)   # every table as a view "database"."table"
"""
