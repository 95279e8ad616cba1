"""The daily job's state machine on DuckDB: success, each failure path, idempotent
re-runs, ranges and pending days, against a real catalog and lake."""

from __future__ import annotations

import os
import time
from datetime import date

import pytest
from job_helpers import D1, D2, D3, expected_totals, output_totals, sample_posts, write_tweets

from courtside.catalog.store import Catalog, Column
from courtside.config import Settings
from courtside.job.daily import run_day, run_days
from courtside.job.engines import DuckDBDailyEngine
from courtside.job.errors import DailyJobError
from courtside.job.output import day_dir, day_files, read_output
from courtside.job.pending import CHANGED, NEVER_RUN, pending_days
from courtside.runs import RunRecorder


def states(settings: Settings, run_id: str) -> list[tuple[str, str]]:
    record = RunRecorder(settings).get(run_id)
    assert record is not None
    return [(t["state"], t["status"]) for t in record.transitions]


def test_success_creates_the_table_then_reuses_it(settings: Settings) -> None:
    posts = sample_posts()
    write_tweets(settings, posts)
    first = run_day(settings, D1)
    assert first.created_table and first.status == "succeeded"
    assert states(settings, first.run_id) == [
        ("StartEngine", "succeeded"),
        ("GetTable", "succeeded"),
        ("CreateTable", "succeeded"),
        ("RunQuery", "succeeded"),
        ("GetSentimentTable", "succeeded"),
        ("CreateSentimentTable", "succeeded"),
        # These posts were written without the enrichment columns.
        ("RunSentimentQuery", "skipped"),
        ("StopEngine", "succeeded"),
        ("Succeed", "succeeded"),
    ]
    second = run_day(settings, D2)
    assert not second.created_table
    assert [s for s, _ in states(settings, second.run_id)] == [
        "StartEngine",
        "GetTable",
        "RunQuery",
        "GetSentimentTable",
        "RunSentimentQuery",
        "StopEngine",
        "Succeed",
    ]
    assert output_totals(read_output(settings.lake)) == expected_totals(posts)
    record = RunRecorder(settings).get(first.run_id)
    assert record is not None and record.counts["rows"] == first.rows == 3
    assert all("duration_ms" in t for t in record.transitions[:-1])
    catalog = Catalog.open(settings)
    table = catalog.get_table("twitter_nba_db", "players_total_tweets")
    assert table.format == "json"
    assert [p.values for p in catalog.partitions("twitter_nba_db", "players_total_tweets")] == [
        ("2020", "03", "01"),
        ("2020", "03", "02"),
    ]


def test_rerunning_a_day_replaces_it(settings: Settings) -> None:
    posts = sample_posts()
    write_tweets(settings, posts)
    run_day(settings, D1)
    before = read_output(settings.lake)
    first_files = day_files(settings.lake, D1)
    run_day(settings, D1)
    run_day(settings, D1)
    assert read_output(settings.lake).equals(before)
    after_files = day_files(settings.lake, D1)
    assert len(after_files) == 1 and after_files != first_files
    leftovers = [p.name for p in (settings.lake / "players_total_tweets").iterdir()]
    assert leftovers == ["year=2020"]


def test_a_day_without_data_succeeds_with_zero_rows(settings: Settings) -> None:
    write_tweets(settings, sample_posts())
    result = run_day(settings, date(2020, 3, 9))
    assert result.status == "succeeded" and result.rows == 0
    assert result.note == "no data in tweets/ for 2020-03-09: zero rows"
    assert day_dir(settings.lake, date(2020, 3, 9)).is_dir()
    assert day_files(settings.lake, date(2020, 3, 9)) == []


def test_missing_tweets_table_fails_naming_the_workflow(settings: Settings) -> None:
    with pytest.raises(DailyJobError, match="courtside etl workflow") as info:
        run_day(settings, D1)
    assert info.value.state == "GetTable"
    assert states(settings, info.value.run_id) == [
        ("StartEngine", "succeeded"),
        ("GetTable", "failed"),
        ("StopEngine", "succeeded"),
        ("Fail", "failed"),
    ]
    record = RunRecorder(settings).get(info.value.run_id)
    assert record is not None and record.status == "failed"
    assert "courtside etl workflow" in (record.error or "")


def test_engine_start_failure_stops_and_fails(settings: Settings) -> None:
    write_tweets(settings, sample_posts())
    engine = DuckDBDailyEngine(settings, memory_limit="plenty")
    with pytest.raises(DailyJobError, match="StartEngine: DuckDB did not start") as info:
        run_day(settings, D1, engine=engine)
    assert states(settings, info.value.run_id) == [
        ("StartEngine", "failed"),
        ("StopEngine", "succeeded"),
        ("Fail", "failed"),
    ]
    assert not engine.running


def test_query_failure_keeps_the_previous_output(settings: Settings) -> None:
    root = write_tweets(settings, sample_posts())
    run_day(settings, D1)
    before = read_output(settings.lake, [D1])
    # A truncated Parquet file in the day's input: the query itself fails.
    (bad,) = list((root / "year=2020" / "month=03" / "day=01").glob("*.parquet"))
    bad.write_bytes(bad.read_bytes()[:100])
    with pytest.raises(DailyJobError, match="failed in state RunQuery") as info:
        run_day(settings, D1)
    assert [s for s, _ in states(settings, info.value.run_id)][-3:] == [
        "RunQuery",
        "StopEngine",
        "Fail",
    ]
    assert read_output(settings.lake, [D1]).equals(before)
    assert not [p for p in (settings.lake / "players_total_tweets").iterdir() if p.name[0] == "."]


def test_an_output_table_defined_elsewhere_is_refused(settings: Settings) -> None:
    write_tweets(settings, sample_posts())
    Catalog.open(settings).register_external_table(
        "twitter_nba_db", "players_total_tweets", "/elsewhere", "json", [Column("x", "string")]
    )
    with pytest.raises(DailyJobError, match="is not the daily job's output") as info:
        run_day(settings, D1)
    assert info.value.state == "GetTable"


def test_a_range_keeps_the_engine_and_stops_at_the_first_failure(settings: Settings) -> None:
    posts = sample_posts()
    write_tweets(settings, posts)
    batch = run_days(settings, [D3, D1, D2])
    assert batch.ok and [r.day for r in batch.results] == [D1, D2, D3]
    recorder = RunRecorder(settings)
    reused = [recorder.get(r.run_id).transitions[0]["reused"] for r in batch.results]  # type: ignore[union-attr]
    kept = [recorder.get(r.run_id).transitions[-2].get("kept_running") for r in batch.results]  # type: ignore[union-attr]
    assert reused == [False, True, True] and kept == [True, True, None]
    assert output_totals(read_output(settings.lake)) == expected_totals(posts)

    # April's output folder is blocked by a file: that day fails, the next is not run.
    april = settings.lake / "players_total_tweets" / "year=2020" / "month=04"
    april.write_text("in the way")
    engine = DuckDBDailyEngine(settings)
    failed = run_days(settings, [D1, date(2020, 4, 1), date(2020, 4, 2)], engine=engine)
    assert not failed.ok
    assert [r.status for r in failed.results] == ["succeeded", "failed"]
    assert failed.results[1].failed_state == "RunQuery"
    assert failed.not_run == [date(2020, 4, 2)]
    assert not engine.running


def test_pending_days(settings: Settings) -> None:
    write_tweets(settings, sample_posts())
    assert [(p.day, p.reason) for p in pending_days(settings)] == [
        (D1, NEVER_RUN),
        (D2, NEVER_RUN),
    ]
    run_days(settings, [p.day for p in pending_days(settings)])
    assert pending_days(settings) == []
    # A failed execution does not count as done.
    time.sleep(0.01)
    (file,) = list((settings.lake / "tweets/year=2020/month=03/day=02").glob("*.parquet"))
    future = time.time() + 5
    os.utime(file, (future, future))
    assert [(p.day, p.reason) for p in pending_days(settings)] == [(D2, CHANGED)]


def test_scratch_of_a_killed_run_is_removed_and_a_run_leaves_none(settings: Settings) -> None:
    import subprocess
    import sys

    write_tweets(settings, sample_posts())
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    scratch = settings.state_dir / "scratch"
    left = scratch / f"daily-{gone.stdout.strip()}-abc123"  # a run killed mid-query
    (left / "rows.json").parent.mkdir(parents=True)
    (left / "rows.json").write_text('{"player": "x", "total": 1}\n')
    alive = scratch / f"daily-{os.getpid()}-def456"  # another running execution's
    alive.mkdir()
    assert run_day(settings, D1).status == "succeeded"
    assert sorted(p.name for p in scratch.iterdir()) == [alive.name]
