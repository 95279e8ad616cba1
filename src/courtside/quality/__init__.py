"""Data-quality checks declared in the ``[quality]`` configuration section.

Public API for other stages::

    cfg = quality_settings(settings)                      # or QualitySettings(...)
    validate_checks(cfg, catalog, strict=False)           # at start-up: unknown columns fail now
    report = run_checks(places, catalog, cfg, day=day)    # DuckDB (or engine=SparkEngine(...))
    report.raise_for_failures()                           # stop before the load
    check_history(RunRecorder(path=places.state("runs.db")))  # the dashboard's history
"""

from __future__ import annotations

from courtside._lazy import lazy_getattr

# Imported lazily: courtside.config imports this package's config module while it is
# itself being imported, so this package must not import courtside.config eagerly.
_EXPORTS = {
    "AcceptedValues": "courtside.quality.config",
    "BaseCheck": "courtside.quality.config",
    "Check": "courtside.quality.config",
    "Freshness": "courtside.quality.config",
    "NotNull": "courtside.quality.config",
    "QualitySettings": "courtside.quality.config",
    "Range": "courtside.quality.config",
    "RowCount": "courtside.quality.config",
    "RowCountChange": "courtside.quality.config",
    "Unique": "courtside.quality.config",
    "load_quality_file": "courtside.quality.config",
    "quality_settings": "courtside.quality.config",
    "DuckDBEngine": "courtside.quality.engine",
    "QueryEngine": "courtside.quality.engine",
    "SparkEngine": "courtside.quality.engine",
    "QualityCheckError": "courtside.quality.errors",
    "QualityConfigError": "courtside.quality.errors",
    "QualityError": "courtside.quality.errors",
    "CheckResult": "courtside.quality.report",
    "QualityReport": "courtside.quality.report",
    "RUN_KIND": "courtside.quality.runner",
    "check_history": "courtside.quality.runner",
    "run_checks": "courtside.quality.runner",
    "validate_checks": "courtside.quality.validate",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
