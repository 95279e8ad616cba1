"""What the batch engines share: the ``[spark]`` section, the one Spark session factory
(:mod:`courtside.engines.spark`) and the ``spark-submit`` entry point
(:mod:`courtside.engines.submit`).

The jobs' own engine contracts stay with the jobs (:mod:`courtside.batch.engine`,
:mod:`courtside.job.engines`); nothing here imports pyspark until a session is asked for.
"""
