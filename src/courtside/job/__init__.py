"""courtside.job: the daily job (the original's Step Functions state machine with Hive on
EMR), running the same HiveQL files on DuckDB or Spark SQL.

Names are imported lazily so that ``courtside --help`` (whose commands import
``courtside.job.errors``) does not load DuckDB, pyarrow or the catalog.
"""

from __future__ import annotations

from courtside._lazy import lazy_getattr

_EXPORTS = {
    "STATES": "courtside.job.daily",
    "DailyBatch": "courtside.job.daily",
    "DailyResult": "courtside.job.daily",
    "history": "courtside.job.daily",
    "run_day": "courtside.job.daily",
    "run_days": "courtside.job.daily",
    "DailyJobError": "courtside.job.errors",
    "EngineStartError": "courtside.job.errors",
    "JobError": "courtside.job.errors",
    "MissingInputError": "courtside.job.errors",
    "ParameterError": "courtside.job.errors",
    "parse_date": "courtside.job.params",
    "parse_ymd": "courtside.job.params",
    "PendingDay": "courtside.job.pending",
    "pending_days": "courtside.job.pending",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
