"""courtside.warehouse: the loader of ``players_total_tweets/`` into the warehouse table
``playerstotaltweets`` (a DuckDB file by default, PostgreSQL by URL, and the equivalent
Redshift statements). The backends' contract is in :mod:`courtside.warehouse.base`.
"""
