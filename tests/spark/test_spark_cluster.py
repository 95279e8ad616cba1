"""Dedupe and the daily job on a standalone Spark cluster, through ``spark-submit``, give
the same rows as DuckDB; ``[spark] master`` points ``courtside sql`` at the same cluster.

The lake is a local folder: in client mode the driver (this machine) and the executors
(the worker, on this machine too) read and write it under the same path.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from spark_helpers import SparkCluster

from courtside.catalog.crawler import crawl
from courtside.catalog.query import open_duckdb
from courtside.catalog.store import Catalog
from courtside.config import load_settings
from courtside.deliver.service import deliver
from courtside.generate.generator import GeneratorConfig, generate
from courtside.home import init_home, open_stream
from courtside.job.output import read_output
from courtside.lake.layout import write_atomic
from courtside.pipeline import run_nightly
from courtside.reference.players import PlayersTable
from courtside.runs import RunRecorder

pytestmark = [pytest.mark.spark, pytest.mark.spark_cluster, pytest.mark.slow]

_TIMEOUT_S = 600


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> bytes:
    """Run ``argv``; its standard output (a failure shows its standard error)."""
    proc = subprocess.run(argv, capture_output=True, env=env, timeout=_TIMEOUT_S, cwd=cwd)  # noqa: S603
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-4000:]
    return proc.stdout


def _lakes(duck: Path, spark: Path) -> None:
    """Two days of posts with re-deliveries, delivered into ``duck``'s raw zone, and the
    same raw files in ``spark``'s."""
    settings = load_settings(home=duck)
    init_home(settings)
    config = GeneratorConfig(
        seed=12,
        count=500,
        start=datetime(2020, 3, 1, 6, tzinfo=UTC),
        span_s=30 * 3600,
        duplicate_rate=0.25,
    )
    stream = open_stream(settings)
    try:
        stream.append_many("tweets", list(generate(config, PlayersTable.default())))
    finally:
        stream.close()
    deliver(settings, once=True)
    init_home(load_settings(home=spark))
    shutil.copytree(duck / "lake" / "raw", spark / "lake" / "raw", dirs_exist_ok=True)


def _tweets(home: Path) -> list[tuple[Any, ...]]:
    settings = load_settings(home=home)
    conn = open_duckdb(settings, catalog=Catalog.open(settings))
    try:
        return conn.sql("SELECT * FROM twitter_nba_db.tweets ORDER BY id").fetchall()
    finally:
        conn.close()


def _app_names(cluster: SparkCluster) -> list[str]:
    apps = cluster.state()["completedapps"]
    assert isinstance(apps, list)
    return sorted(a["name"] for a in apps if a["name"].startswith("courtside"))


def test_dedupe_and_daily_job_on_a_standalone_cluster_match_duckdb(
    spark_cluster: SparkCluster, tmp_path: Path
) -> None:
    duck, spark = tmp_path / "duckdb", tmp_path / "spark"
    _lakes(duck, spark)
    assert run_nightly(load_settings(home=duck), engine="duckdb").daily.ok

    # The whole nightly run (dedupe, crawl, the daily job, load) as one application.
    submit = Path(__file__).parents[2] / "src" / "courtside" / "engines" / "submit.py"
    from courtside.engines import submit as submit_module

    assert Path(submit_module.__file__).resolve() == submit.resolve()
    started = time.monotonic()
    out = _run(
        [
            str(spark_cluster.spark_home / "bin" / "spark-submit"),
            "--master", spark_cluster.master_url,
            "--driver-memory", "1g",
            "--conf", "spark.driver.host=127.0.0.1",
            str(submit), "--home", str(spark), "pipeline", "nightly", "--engine", "spark",
            "--json",
        ],
        # From the [spark] section: small executors, few shuffle partitions.
        {
            **spark_cluster.env,
            "COURTSIDE_SPARK__EXECUTOR_MEMORY": "512m",
            "COURTSIDE_SPARK__SHUFFLE_PARTITIONS": "2",
        },
        tmp_path,
    )  # fmt: skip
    submit_s = time.monotonic() - started
    summary = orjson.loads(out.strip().splitlines()[-1])
    assert [d["engine"] for d in summary["daily"]] == ["spark", "spark"], summary

    # The same rows as DuckDB: the curated posts and the daily figures.
    duck_tweets, spark_tweets = _tweets(duck), _tweets(spark)
    assert len(duck_tweets) > 100 and spark_tweets == duck_tweets
    assert len({row[0] for row in duck_tweets}) == len(duck_tweets)
    duck_daily = read_output(load_settings(home=duck).lake)
    assert duck_daily.num_rows > 0
    assert read_output(load_settings(home=spark).lake).equals(duck_daily)

    # ...computed by Spark, on the cluster's worker, as one application.
    records = RunRecorder(load_settings(home=spark))
    dedupe_runs = records.list(kind="job", name="dedupe")
    daily_runs = records.list(kind="job", name="daily")
    assert [r.params["engine"] for r in dedupe_runs] == ["spark"]
    assert {r.params["engine"] for r in daily_runs} == {"spark"} and len(daily_runs) == 2
    assert "courtside-dedupe" in _app_names(spark_cluster)
    executor_logs = list(spark_cluster.work_dir.glob("app-*/*/stderr"))
    assert executor_logs
    assert any("Finished task" in p.read_text(errors="replace") for p in executor_logs)

    print(f"spark-submit of the nightly pipeline on the cluster: {submit_s:.1f} s")  # noqa: T201


def test_the_spark_master_setting_points_sql_at_the_cluster(
    spark_cluster: SparkCluster, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    settings = load_settings(home=home)
    init_home(settings)
    rows = [{"id": str(i), "lang": "en" if i % 3 else "es"} for i in range(40)]
    write_atomic(
        settings.lake / "tweets/year=2020/month=03/day=01/part-0.json",
        [orjson.dumps(r) + b"\n" for r in rows],
        durable=False,
    )
    crawl(settings)
    before = _app_names(spark_cluster)
    out = _run(
        [
            sys.executable, "-c", "from courtside.cli import main; main()", "--home", str(home),
            "sql", "--engine", "spark", "--format", "json",
            "SELECT lang, count(*) AS n FROM twitter_nba_db.tweets GROUP BY lang ORDER BY lang",
        ],
        {**spark_cluster.env, "COURTSIDE_SPARK__MASTER": spark_cluster.master_url},
        tmp_path,
    )  # fmt: skip
    assert orjson.loads(out) == [{"lang": "en", "n": 26}, {"lang": "es", "n": 14}]
    assert _app_names(spark_cluster) == sorted([*before, "courtside-sql"])
