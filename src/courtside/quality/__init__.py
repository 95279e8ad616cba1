"""Data-quality checks declared in the ``[quality]`` configuration section.

Public API for other stages::

    cfg = quality_settings(settings)                      # or QualitySettings(...)
    validate_checks(cfg, catalog, strict=False)           # at start-up: unknown columns fail now
    report = run_checks(places, catalog, cfg, day=day)    # DuckDB (or engine=SparkEngine(...))
    report.raise_for_failures()                           # stop before the load
    check_history(RunRecorder(path=places.state("runs.db")))  # the dashboard's history
"""

from __future__ import annotations

from courtside.quality.config import (
    AcceptedValues,
    BaseCheck,
    Check,
    Freshness,
    NotNull,
    QualitySettings,
    Range,
    RowCount,
    RowCountChange,
    Unique,
    load_quality_file,
    quality_settings,
)
from courtside.quality.engine import DuckDBEngine, QueryEngine, SparkEngine
from courtside.quality.errors import QualityCheckError, QualityConfigError, QualityError
from courtside.quality.report import CheckResult, QualityReport
from courtside.quality.runner import RUN_KIND, check_history, run_checks
from courtside.quality.validate import validate_checks

__all__ = [
    "RUN_KIND",
    "AcceptedValues",
    "BaseCheck",
    "Check",
    "CheckResult",
    "DuckDBEngine",
    "Freshness",
    "NotNull",
    "QualityCheckError",
    "QualityConfigError",
    "QualityError",
    "QualityReport",
    "QualitySettings",
    "QueryEngine",
    "Range",
    "RowCount",
    "RowCountChange",
    "SparkEngine",
    "Unique",
    "check_history",
    "load_quality_file",
    "quality_settings",
    "run_checks",
    "validate_checks",
]
