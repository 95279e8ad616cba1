"""courtside.job: the daily job (the original's Step Functions state machine with Hive on
EMR), running the same HiveQL files on DuckDB or Spark SQL.
"""
