"""Spark keeps its files and its JVM log in the home folder, not in the current directory.

Every Spark session courtside builds (dedupe, the daily job, ``sql --engine spark``) is
run from an empty working directory, which must stay empty; Spark's log4j output goes
to ``<home>/logs/spark.log`` instead of the terminal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_runner_helpers import Courtside

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_spark_jobs_leave_the_working_directory_alone(courtside: Courtside, tmp_path: Path) -> None:
    from courtside.job.spark import java_missing_reason

    reason = java_missing_reason()
    if reason:
        pytest.skip(reason)
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    cwd.mkdir()
    courtside("init", home=home)
    courtside("generate", "-n", "300", "--start", "2020-03-01", "--span-h", "2", home=home)
    courtside("deliver", "--once", home=home)
    stderr = b""
    for args in (
        ("etl", "dedupe", "--engine", "spark"),
        (
            "etl",
            "crawl",
        ),
        ("job", "daily", "--date", "2020-03-01", "--engine", "spark"),
        ("sql", "--engine", "spark", "SELECT count(*) AS n FROM twitter_nba_db.tweets"),
    ):
        proc = courtside(*args, home=home, cwd=cwd)
        stderr += proc.stderr
    assert sorted(p.name for p in cwd.iterdir()) == []
    assert b" WARN " not in stderr and b"log4j" not in stderr.lower(), stderr.decode()
    assert (home / "logs" / "spark.log").is_file()
    assert (home / "state" / "spark").is_dir()
