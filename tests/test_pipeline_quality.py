"""The nightly pipeline's data-quality gates: checks validated before any step, profiles
of each new day, checks after the workflow and after the daily job, and a failing check
that stops the pipeline before the load with the check, the day and example rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from courtside.catalog.store import Catalog
from courtside.config import Settings, load_settings
from courtside.deliver.service import deliver
from courtside.home import open_stream
from courtside.pipeline import PipelineError, run_nightly
from courtside.profile import profile_days, read_profile
from courtside.quality.errors import QualityConfigError
from courtside.runs import RunRecorder

ATHLETE = {"domain": {"id": "60", "name": "Athlete"}, "entity": {"id": "1", "name": "LeBron James"}}


def _post(i: int, day: str, *, lang: str = "en", athlete: bool = True) -> bytes:
    post: dict[str, Any] = {
        "id": str(i),
        "text": f"post {i}",
        "author_id": "7",
        "created_at": f"2020-03-{day}T10:{i % 60:02d}:00Z",
        "lang": lang,
    }
    if athlete:
        post["context_annotations"] = [ATHLETE]
    return orjson.dumps({"data": post, "includes": {"users": [{"id": "7", "username": "fan"}]}})


def _feed(settings: Settings, records: list[bytes]) -> None:
    with open_stream(settings) as stream:
        stream.append_many("tweets", records)
    deliver(settings, once=True)


def _settings(home: Path, tables: dict[str, list[dict[str, Any]]]) -> Settings:
    return load_settings(home=home, quality={"tables": tables})


def _transitions(settings: Settings, run_id: str) -> list[tuple[str, str]]:
    pipeline = RunRecorder(settings).get(run_id)
    assert pipeline is not None
    return [(t["state"], t["status"]) for t in pipeline.transitions]


PASSING = {
    "tweets": [
        {"check": "not_null", "column": "id"},
        {"check": "unique", "column": "id"},
        {"check": "accepted_values", "column": "lang", "values": ["en", "es"]},
    ],
    "players_total_tweets": [
        {"check": "range", "column": "total", "min": 1},
        {"check": "not_null", "column": "player"},
    ],
}


def test_checks_pass_and_each_new_day_is_profiled_and_registered(home: Path) -> None:
    settings = _settings(home, PASSING)
    _feed(settings, [_post(i, "01") for i in range(5)] + [_post(10 + i, "02") for i in range(3)])
    result = run_nightly(settings)
    assert sorted(result.pending) == ["2020-03-01", "2020-03-02"]
    assert result.quality.report.ok and result.daily_quality.report.ok
    assert len(result.quality.report.results) == 3 * 2  # 3 checks x 2 days
    assert len(result.daily_quality.report.results) == 2 * 2
    assert result.load is not None and result.load.rows == 2

    lake = settings.places.lake
    assert [d.isoformat() for d in profile_days(lake, "tweets")] == ["2020-03-01", "2020-03-02"]
    profile = read_profile(lake, "tweets", profile_days(lake, "tweets")[0])
    assert profile is not None and profile.rows == 5 and profile.scope == "day"
    assert profile.column("id").distinct_approx == 5
    totals = read_profile(lake, "players_total_tweets", profile_days(lake, "tweets")[1])
    assert totals is not None and totals.rows == 1
    catalog = Catalog.open(settings)
    assert len(catalog.partitions("twitter_nba_db", "tweets_profile")) == 2
    assert len(catalog.partitions("twitter_nba_db", "players_total_tweets_profile")) == 2

    recorder = RunRecorder(settings)
    steps = {s.name: s for s in recorder.list(parent_id=result.run_id)}
    quality_runs = recorder.list(parent_id=steps["quality"].id, kind="quality")
    assert len(quality_runs) == 2 and all(r.status == "succeeded" for r in quality_runs)
    assert steps["quality"].counts["checks_passed"] == 6
    assert steps["daily_quality"].counts["profiles"] == 2 * 2  # both daily outputs, 2 days

    again = run_nightly(settings)  # nothing new: nothing profiled or checked
    assert again.quality.profiles == [] and again.quality.report.results == []


def test_a_check_on_a_missing_column_stops_before_any_step(home: Path) -> None:
    settings = _settings(home, PASSING)
    _feed(settings, [_post(1, "01")])
    run_nightly(settings)  # the tables are in the catalog now
    bad = _settings(
        home,
        {**PASSING, "tweets": [*PASSING["tweets"], {"check": "not_null", "column": "nope"}]},
    )
    _feed(bad, [_post(2, "02")])
    recorder = RunRecorder(bad)
    workflows_before = len(recorder.list(kind="workflow"))
    with pytest.raises(PipelineError, match="stopped at step validate") as info:
        run_nightly(bad)
    assert isinstance(info.value.cause, QualityConfigError)
    assert "check not_null:nope: column 'nope' does not exist" in str(info.value)
    assert info.value.skipped == ["workflow", "quality", "daily", "daily_quality", "load"]
    assert len(recorder.list(kind="workflow")) == workflows_before  # nothing ran
    assert _transitions(bad, info.value.run_id)[0] == ("validate", "failed")
    # The CLI says it in one line and exits 1.
    (home / "courtside.toml").write_text(
        '[[quality.tables.tweets]]\ncheck = "not_null"\ncolumn = "nope"\n'
    )
    proc = subprocess.run(
        [sys.executable, "-c", "from courtside.cli import main; main()"]
        + ["--home", str(home), "pipeline", "nightly"],
        capture_output=True,
        timeout=300,
    )
    said = " ".join((proc.stdout + proc.stderr).decode().split())
    assert proc.returncode == 1 and "Traceback" not in said
    assert "stopped at step validate" in said and "column 'nope' does not exist" in said


def test_a_missing_column_of_a_table_not_yet_catalogued_fails_at_its_gate(home: Path) -> None:
    settings = _settings(home, {"players_total_tweets": [{"check": "unique", "column": "nope"}]})
    _feed(settings, [_post(1, "01")])
    with pytest.raises(PipelineError, match="stopped at step daily_quality") as info:
        run_nightly(settings)
    assert "column 'nope' does not exist" in str(info.value)
    assert info.value.skipped == ["load"]
    assert not (settings.home / "warehouse.duckdb").exists()


def test_a_failing_check_after_dedupe_stops_before_the_daily_job_and_the_load(
    home: Path,
) -> None:
    tables = {"tweets": [{"check": "accepted_values", "column": "lang", "values": ["en"]}]}
    settings = _settings(home, tables)
    _feed(settings, [_post(1, "01"), _post(2, "01", lang="xx"), _post(3, "02")])
    with pytest.raises(PipelineError, match="stopped at step quality") as info:
        run_nightly(settings)
    text = str(info.value)
    assert "twitter_nba_db.tweets 2020-03-01 accepted_values:lang" in text
    assert "example rows" in text and '{"lang": "xx", "rows": 1}' in text
    assert "2020-03-02" not in text  # the other day passed
    assert info.value.skipped == ["daily", "daily_quality", "load"]
    assert _transitions(settings, info.value.run_id)[2] == ("quality", "failed")
    recorder = RunRecorder(settings)
    (step,) = recorder.list(parent_id=info.value.run_id, name="quality")
    assert step.status == "failed"
    (failure,) = step.details["failures"]
    assert failure["day"] == "2020-03-01" and failure["examples"][0]["lang"] == "xx"
    # The new days were profiled before the checks ran: the bad day can be inspected.
    assert step.counts["profiles"] == 2
    assert (
        recorder.list(kind="job", name="daily") == []
        and not (settings.home / "warehouse.duckdb").exists()
    )
    # A warn check is reported and never stops the pipeline.
    warn = [{"check": "accepted_values", "column": "lang", "values": ["en"], "severity": "warn"}]
    result = run_nightly(_settings(home, {"tweets": warn}))
    assert [r.status for r in result.quality.report.results] == ["warned", "passed"]
    assert result.load is not None and result.load.rows == 2


def test_a_failing_check_after_the_daily_job_stops_before_the_load(home: Path) -> None:
    tables = {"players_total_tweets": [{"check": "range", "column": "total", "max": 2}]}
    settings = _settings(home, tables)
    _feed(settings, [_post(i, "01") for i in range(4)])
    with pytest.raises(PipelineError, match="stopped at step daily_quality") as info:
        run_nightly(settings)
    assert "players_total_tweets 2020-03-01 range:total" in str(info.value)
    assert '"player": "LeBron James", "total": 4' in str(info.value)
    assert info.value.skipped == ["load"]
    assert not (settings.home / "warehouse.duckdb").exists()


def test_a_day_with_zero_rows_is_profiled_and_checked_without_a_crash(home: Path) -> None:
    tables = {
        "tweets": [{"check": "not_null", "column": "id"}],
        "players_total_tweets": [
            {"check": "not_null", "column": "player"},
            {"check": "unique", "column": "player"},
        ],
    }
    settings = _settings(home, tables)
    # Day 02 has posts but none names a player: the daily job writes zero rows for it.
    _feed(settings, [_post(1, "01"), _post(2, "02", athlete=False), _post(3, "02", athlete=False)])
    result = run_nightly(settings)
    day2 = next(r for r in result.daily.results if r.day.isoformat() == "2020-03-02")
    assert day2.rows == 0
    empty = read_profile(settings.places.lake, "players_total_tweets", day2.day)
    assert empty is not None and empty.rows == 0
    assert all(c.count == 0 and c.nulls == 0 for c in empty.columns)
    assert result.daily_quality.report.ok and len(result.daily_quality.report.results) == 4
    # A row_count check is how a day is required to have rows.
    strict = _settings(
        home, {"players_total_tweets": [{"check": "row_count", "min": 1, "name": "has rows"}]}
    )
    _feed(strict, [_post(4, "03", athlete=False)])
    with pytest.raises(PipelineError, match="2020-03-03 has rows"):
        run_nightly(strict)
