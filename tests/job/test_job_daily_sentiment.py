"""The daily job runs both queries: the original's players total and the per-player daily
sentiment, writing ``players_daily_sentiment/`` with identical rows on DuckDB and Spark."""

from __future__ import annotations

from typing import Any

import pytest
from job_helpers import D1, D2, expected_totals, output_totals, sample_posts, write_tweets
from test_job_sentiment_hql import expected, sample_table

from courtside.catalog.store import Catalog
from courtside.config import Settings
from courtside.job.daily import run_day, run_days
from courtside.job.output import (
    SENTIMENT_ZONE,
    day_files,
    output_days,
    read_output,
    read_sentiment_output,
)
from courtside.job.spark import SparkDailyEngine
from courtside.runs import RunRecorder


def _rows(settings: Settings, day: Any) -> set[tuple[Any, ...]]:
    table = read_sentiment_output(settings.lake, [day])
    return {
        (r["player"], r["posts"], r["positive"], r["negative"], r["neutral"], r["avg_score"])
        for r in table.to_pylist()
    }


def test_both_queries_run_and_write_their_zones(settings: Settings) -> None:
    table = sample_table()
    posts = table.to_pylist()
    write_tweets(settings, posts)

    batch = run_days(settings, [D1, D2])

    assert batch.ok
    assert output_totals(read_output(settings.lake)) == expected_totals(posts)
    for day in (D1, D2):
        assert _rows(settings, day) == expected(table, day)
    assert output_days(settings.lake, SENTIMENT_ZONE) == [D1, D2]
    first = batch.results[0]
    assert first.sentiment_rows == len(expected(table, D1)) > 0
    record = RunRecorder(settings).get(first.run_id)
    assert record is not None
    assert [(t["state"], t["status"]) for t in record.transitions][3:7] == [
        ("RunQuery", "succeeded"),
        ("GetSentimentTable", "succeeded"),
        ("CreateSentimentTable", "succeeded"),
        ("RunSentimentQuery", "succeeded"),
    ]
    assert record.counts["sentiment_rows"] == first.sentiment_rows
    catalog = Catalog.open(settings)
    out = catalog.get_table("twitter_nba_db", "players_daily_sentiment")
    assert [c.name for c in out.columns] == [
        "player",
        "posts",
        "positive",
        "negative",
        "neutral",
        "avg_score",
    ]
    assert [p.values for p in catalog.partitions("twitter_nba_db", "players_daily_sentiment")] == [
        ("2020", "03", "01"),
        ("2020", "03", "02"),
    ]
    # Old posts (no label) count as posts, in no label column.
    lebron = next(r for r in _rows(settings, D1) if r[0] == "LeBron James")
    assert lebron[1] > sum(lebron[2:5])


def test_rerunning_a_day_replaces_its_sentiment(settings: Settings) -> None:
    write_tweets(settings, sample_table().to_pylist())
    run_day(settings, D1)
    before = read_sentiment_output(settings.lake)
    run_day(settings, D1)
    assert read_sentiment_output(settings.lake).equals(before)
    assert len(day_files(settings.lake, D1, SENTIMENT_ZONE)) == 1


def test_without_enrichment_columns_the_sentiment_query_is_skipped(settings: Settings) -> None:
    posts = sample_posts()
    write_tweets(settings, posts)
    result = run_day(settings, D1)
    assert result.sentiment_rows is None
    assert output_totals(read_output(settings.lake)) == {
        k: v for k, v in expected_totals(posts).items() if k[0] == D1
    }
    record = RunRecorder(settings).get(result.run_id)
    assert record is not None
    assert "sentiment_label" in record.details["sentiment_skipped"]
    assert output_days(settings.lake, SENTIMENT_ZONE) == []


@pytest.mark.spark
def test_spark_gives_the_same_sentiment_rows(settings: Settings, spark_session: Any) -> None:
    table = sample_table()
    write_tweets(settings, table.to_pylist())
    assert run_days(settings, [D1, D2]).ok
    duck_totals = read_output(settings.lake)
    duck = read_sentiment_output(settings.lake)
    assert duck.num_rows > 0

    batch = run_days(settings, [D1, D2], engine=SparkDailyEngine(settings, spark=spark_session))

    assert batch.ok, batch.results
    assert [r.sentiment_rows for r in batch.results] == [len(expected(table, d)) for d in (D1, D2)]
    assert read_sentiment_output(settings.lake).equals(duck)
    assert read_output(settings.lake).equals(duck_totals)
