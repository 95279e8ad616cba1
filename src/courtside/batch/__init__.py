"""Batch jobs on the lake: the de-duplication job (DuckDB or Spark) and the workflow.

Public API::

    run_dedupe(settings, engine="duckdb", format="parquet", reset_bookmark=False)
    run_crawl(settings, "tweets")
    run_workflow(settings)           # dedupe, then crawl if it succeeded
"""
