"""The Spark SQL engine runs the same HiveQL and gives the same rows as DuckDB."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from job_helpers import D1, D2, expected_totals, output_totals, sample_posts, write_tweets

from courtside.config import Settings
from courtside.generate.generator import GeneratorConfig, generate
from courtside.job.daily import run_days
from courtside.job.output import day_dir, read_output
from courtside.job.spark import SparkDailyEngine
from courtside.records import loads, to_delivered
from courtside.reference.players import PlayersTable
from courtside.runs import RunRecorder

pytestmark = pytest.mark.spark


def generated_posts() -> list[dict[str, Any]]:
    config = GeneratorConfig(
        seed=7, count=400, start=datetime(2020, 3, 1, tzinfo=UTC), span_s=2 * 86_400
    )
    return [to_delivered(loads(raw)) for raw in generate(config, PlayersTable.default())]


def test_spark_and_duckdb_give_identical_rows(settings: Settings, spark_session: Any) -> None:
    posts = sample_posts() + generated_posts()
    write_tweets(settings, posts)
    days = [D1, D2]
    duck = run_days(settings, days, engine="duckdb")
    assert duck.ok
    duck_rows = read_output(settings.lake)
    assert output_totals(duck_rows) == expected_totals(posts)

    engine = SparkDailyEngine(settings.places, spark=spark_session)
    batch = run_days(settings, days, engine=engine)
    assert batch.ok, batch.results
    assert [r.engine for r in batch.results] == ["spark", "spark"]
    spark_rows = read_output(settings.lake)
    assert spark_rows.equals(duck_rows)
    assert [r.rows for r in batch.results] == [r.rows for r in duck.results]

    # Re-running on Spark replaces the day too, and leaves no Hadoop side files.
    again = run_days(settings, [D1], engine=SparkDailyEngine(settings.places, spark=spark_session))
    assert again.ok and read_output(settings.lake).equals(duck_rows)
    names = [p.name for p in day_dir(settings.lake, D1).iterdir()]
    data = [n for n in names if not n.startswith("_committed-")]  # the day's commit marker
    assert len(data) == len(names) - 1 >= 1
    assert all(n.endswith(".json") and not n.startswith((".", "_")) for n in data)
    record = RunRecorder(settings).get(again.results[0].run_id)
    assert record is not None and record.params["engine"] == "spark"
    assert [t["state"] for t in record.transitions][-2:] == ["StopEngine", "Succeed"]
