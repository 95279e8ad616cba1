"""Each check on clean and broken days, zero-row days, freshness, run records, CLI."""

from __future__ import annotations

import functools
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from quality_helpers import BROKEN, CLEAN, DUPLICATES, build_posts, checks

from cli_runner_helpers import Courtside
from courtside.catalog.store import Catalog
from courtside.config import Settings
from courtside.places import Places
from courtside.quality.config import QualitySettings
from courtside.quality.errors import QualityCheckError
from courtside.quality.report import QualityReport
from courtside.quality.runner import check_history, run_checks
from courtside.runs import RunRecorder

WIDE = {"COLUMNS": "400"}  # one error line stays one line


@pytest.fixture
def ready(settings: Settings) -> tuple[Places, Catalog]:
    build_posts(settings)
    places = Places.for_home(settings.home)
    return places, Catalog(places.state("catalog.db"))


def _by_check(report: QualityReport) -> dict[str, tuple[str, int]]:
    return {r.check: (r.status, r.failing) for r in report.results}


def test_a_clean_day_passes_every_check(ready: tuple[Places, Catalog]) -> None:
    report = run_checks(*ready, checks(), day=CLEAN)
    assert report.ok and all(r.passed for r in report.results)
    assert {r.day for r in report.results} == {CLEAN}
    change = report.results[-1]
    assert "has no rows, so there is no baseline" in change.message  # Feb 29 is empty


def test_a_duplicate_id_fails_unique_with_the_duplicated_value(
    ready: tuple[Places, Catalog],
) -> None:
    report = run_checks(*ready, checks(), day=DUPLICATES)
    assert _by_check(report)["unique:id"] == ("failed", 1)
    [result] = [r for r in report.results if r.kind == "unique"]
    assert result.examples == [{"id": "02-4", "rows": 2}]
    assert result.message == "1 values of id appear more than once (2 rows)"
    assert [r.check for r in report.failures] == ["unique:id"]


def test_a_broken_day_fails_each_row_check_with_examples(ready: tuple[Places, Catalog]) -> None:
    report = run_checks(*ready, checks(), day=BROKEN)
    assert _by_check(report) == {
        "not_null:id": ("failed", 1),
        "unique:id": ("passed", 0),
        "accepted_values:lang": ("failed", 1),
        "range:score": ("failed", 1),
        "row_count": ("passed", 0),
        "row_count_change": ("failed", 1),
    }
    results = {r.check: r for r in report.results}
    assert results["not_null:id"].examples == [
        {"year": "2020", "month": "03", "day": "03", "id": None}
    ]
    assert results["accepted_values:lang"].examples == [{"lang": "xx", "rows": 1}]
    assert results["range:score"].examples == [
        {"id": "03-3", "year": "2020", "month": "03", "day": "03", "score": -5}
    ]
    assert results["range:score"].message == "1 of 4 rows have a score outside [0, 100]"
    assert results["row_count_change"].message == (
        "4 rows vs 10 on 2020-03-02 (-60.0%, bound ±50%)"
    )
    with pytest.raises(QualityCheckError) as err:
        report.raise_for_failures()
    assert str(err.value).startswith(
        "data-quality check failed: twitter_nba_db.posts 2020-03-03 not_null:id: 1 of 4 rows"
    )
    assert "(and 3 more)" in str(err.value)


def test_warn_checks_are_reported_but_do_not_fail(ready: tuple[Places, Catalog]) -> None:
    cfg = QualitySettings.model_validate(
        {"tables": {"posts": [{"check": "not_null", "column": "id", "severity": "warn"}]}}
    )
    report = run_checks(*ready, cfg, day=BROKEN)
    assert report.ok and [r.status for r in report.results] == ["warned"]


def test_a_day_with_zero_rows(ready: tuple[Places, Catalog]) -> None:
    after = run_checks(*ready, checks(), day=date(2020, 3, 4))
    assert _by_check(after)["row_count"] == ("failed", 1)
    assert _by_check(after)["row_count_change"] == ("failed", 1)
    assert [r.message for r in after.results if r.kind == "row_count"] == [
        "0 rows, expected at least 1"
    ]
    assert "0 rows vs 4 on 2020-03-03 (-100.0%" in after.results[-1].message
    assert all(r.passed for r in after.results if r.kind in ("not_null", "range", "unique"))
    far = run_checks(*ready, checks(), day=date(2021, 1, 1))
    assert _by_check(far)["row_count_change"] == ("passed", 0)  # no baseline either side


def test_without_a_day_row_checks_cover_the_table_and_counts_the_newest_day(
    ready: tuple[Places, Catalog],
) -> None:
    report = run_checks(*ready, checks())
    results = {r.check: r for r in report.results}
    assert results["not_null:id"].rows == 24 and results["not_null:id"].day is None
    assert results["row_count"].day == BROKEN and results["row_count"].rows == 4


def test_freshness_by_event_time_and_by_newest_partition(ready: tuple[Places, Catalog]) -> None:
    cfg = QualitySettings.model_validate(
        {
            "tables": {
                "posts": [
                    {"check": "freshness", "column": "created_at", "max_age_h": 24},
                    {"check": "freshness", "max_age_h": 24},
                ]
            }
        }
    )
    fresh = run_checks(*ready, cfg, now=datetime(2020, 3, 3, 20, tzinfo=UTC))
    assert [r.status for r in fresh.results] == ["passed", "passed"]
    assert fresh.results[0].message == (
        "newest created_at is 2020-03-03T03:00:00+00:00, 17.0 h old (limit 24 h)"
    )
    stale = run_checks(*ready, cfg, now=datetime(2020, 3, 6, tzinfo=UTC))
    assert [(r.status, r.examples[0]["age_h"]) for r in stale.results] == [
        ("failed", 69.0),
        ("failed", 48.0),
    ]


def test_results_are_recorded_for_the_history(ready: tuple[Places, Catalog]) -> None:
    places, _ = ready
    run_checks(*ready, checks(), day=CLEAN)
    report = run_checks(*ready, checks(), day=BROKEN)
    recorder = RunRecorder(path=places.state("runs.db"))
    runs = recorder.list(kind="quality")
    assert [r.status for r in runs] == ["failed", "succeeded"]
    assert runs[0].id == report.run_ids["twitter_nba_db.posts"]
    assert runs[0].counts == {"failed": 4, "passed": 2, "warned": 0}
    assert "not_null:id: 1 of 4 rows have no id" in (runs[0].error or "")
    history = check_history(recorder, table="twitter_nba_db.posts")
    assert len(history) == 12
    newest = history[0]
    assert (newest["check"], newest["status"], newest["day"], newest["failing"]) == (
        "not_null:id",
        "failed",
        "2020-03-03",
        1,
    )


def test_values_with_quotes_are_literals_not_sql(ready: tuple[Places, Catalog]) -> None:
    cfg = QualitySettings.model_validate(
        {
            "tables": {
                "posts": [
                    {"check": "accepted_values", "column": "lang", "values": ["en', 'xx"]},
                    {"check": "range", "column": "lang", "min": "a'; DROP TABLE x; --"},
                ]
            }
        }
    )
    report = run_checks(*ready, cfg, day=CLEAN)
    assert [(r.status, r.failing) for r in report.results] == [("failed", 10), ("passed", 0)]


def test_cli_check_validate_history(
    courtside: Courtside, tmp_path: Path, settings: Settings
) -> None:
    build_posts(settings)
    cli = functools.partial(courtside, home=settings.home, text=True, env=WIDE)
    path = tmp_path / "checks.toml"
    lines = []
    for entry in checks().tables["posts"]:
        lines.append("[[quality.tables.posts]]")
        for key, value in entry.model_dump(exclude_none=True).items():
            lines.append(f"{key} = {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n")
    assert (
        "6 checks on 1 tables are valid" in cli("quality", "validate", "--checks", str(path)).stdout
    )
    ok = cli("quality", "check", "posts", "--date", "2020-03-01", "--checks", str(path))
    assert "6 passed, 0 failed, 0 warned" in ok.stdout
    bad = cli("quality", "check", "--date", "2020-03-03", "--checks", str(path), code=1)
    assert "failed twitter_nba_db.posts 2020-03-03 range:score: 1 of 4 rows" in bad.stdout
    assert "'score': -5" in bad.stdout
    as_json = json.loads(
        cli(
            "quality", "check", "--date", "2020-03-03", "--checks", str(path), "--json", code=1
        ).stdout
    )
    assert (as_json["ok"], as_json["failed"]) == (False, 4)
    history = json.loads(cli("quality", "history", "--json").stdout)
    assert len(history) == 18
    path.write_text('[[quality.tables.posts]]\ncheck = "not_null"\ncolumn = "nope"\n')
    err = cli("quality", "check", "--checks", str(path), code=1).stderr.strip()
    assert err.startswith(
        "error: quality checks: posts: check not_null:nope: column 'nope' does not exist"
    )
    assert len(err.splitlines()) == 1
    assert "no checks configured" in cli("quality", "check", code=1).stderr


@pytest.mark.spark
@pytest.mark.slow
def test_spark_gives_the_same_results_as_duckdb(ready: tuple[Places, Catalog]) -> None:
    import shutil

    if shutil.which("java") is None:
        pytest.skip("Java 17 is needed for Spark")
    from courtside.engines.config import SparkSettings
    from courtside.engines.spark import spark_session
    from courtside.quality.engine import SparkEngine

    places, catalog = ready
    cfg = checks(posts=[{"check": "freshness", "column": "created_at", "max_age_h": 24}])
    now = datetime(2020, 3, 3, 20, tzinfo=UTC)
    spark = spark_session(
        SparkSettings(master="local[1]", driver_memory="1g"), app="courtside-quality-test"
    )
    try:
        for day in (CLEAN, DUPLICATES, BROKEN, None):
            on_duckdb = run_checks(places, catalog, cfg, day=day, now=now)
            on_spark = run_checks(
                places, catalog, cfg, day=day, now=now, engine=SparkEngine(spark, catalog)
            )
            assert [(r.check, r.status, r.failing, r.rows) for r in on_spark.results] == [
                (r.check, r.status, r.failing, r.rows) for r in on_duckdb.results
            ], day
    finally:
        spark.stop()
