"""Data-quality checks declared in the ``[quality]`` configuration section.

Public API for other stages::

    cfg = settings.quality                      # or QualitySettings(...)
    validate_checks(cfg, catalog, strict=False)           # at start-up: unknown columns fail now
    report = run_checks(places, catalog, cfg, day=day)    # DuckDB (or engine=SparkEngine(...))
    report.raise_for_failures()                           # stop before the load
    check_history(RunRecorder(path=places.state("runs.db")))  # the dashboard's history
"""
