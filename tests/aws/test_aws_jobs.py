"""The batch stages after dedupe on the lake seam, on a folder lake and on S3 (moto_server):
the crawler, ``courtside sql`` over the catalog, the daily job (DuckDB) and the load into
DuckDB, PostgreSQL and the Redshift statements give the same rows on both; a crash
between the daily output's objects and its commit marker then a re-run gives the right
rows; a missing bucket is one clear line."""

from __future__ import annotations

import io
import secrets
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cli_runner_helpers import Courtside
from courtside.aws import AwsSettings, client
from courtside.catalog.crawler import crawl
from courtside.catalog.query import open_duckdb
from courtside.config import Settings, load_settings
from courtside.errors import LakeError
from courtside.home import init_home
from courtside.job.daily import run_day, run_days
from courtside.job.errors import DailyJobError
from courtside.job.output import day_files, read_output, read_sentiment_output
from courtside.job.pending import NEVER_RUN, pending_days
from courtside.lake.base import Lake
from courtside.lake.layout import date_partition
from courtside.lake.tables import data_key, new_run_id, publish
from courtside.warehouse.loader import load

pytestmark = pytest.mark.aws

D1, D2 = date(2020, 3, 1), date(2020, 3, 2)
LABELS = ("positive", "negative", "neutral")


def _post(n: int, day: date, players: list[str]) -> dict[str, Any]:
    return {
        "id": str(n),
        "text": f"post {n}",
        "author_id": "42",
        "created_at": f"{day.isoformat()}T12:00:00.000Z",
        "lang": "en",
        "context_annotations": [
            {"domain": {"id": "60", "name": "Athlete"}, "entity": {"id": f"e{p}", "name": p}}
            for p in players
        ]
        + [{"domain": {"id": "11", "name": "Sport"}, "entity": {"id": "b", "name": "NBA"}}],
        "users": [{"id": "42", "username": "fan42", "name": "Fan"}],
        "sentiment_label": LABELS[n % 3],
        "sentiment_score": round((n % 7) / 10 - 0.3, 4),
    }


def _posts(day: date, first: int, count: int) -> list[dict[str, Any]]:
    names = ["LeBron James", "Luka Dončić", "Stephen Curry", "O'Neal Jr."]
    return [_post(first + i, day, [names[i % 4], names[(i * 3) % 4]]) for i in range(count)]


def _parquet(posts: list[dict[str, Any]]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(posts), sink)
    return sink.getvalue()


def _partition(day: date, table: str = "tweets") -> str:
    return f"{table}/{date_partition(day.year, day.month, day.day)}"


def _build_tweets(lake: Lake) -> list[tuple[date, dict[str, Any]]]:
    """A curated ``tweets/``: day 1 published as a unit (two objects and a marker, plus
    an object of a run that never committed), day 2 a legacy partition (no marker)."""
    day1, day2 = _posts(D1, 0, 30), _posts(D2, 100, 12)
    publish(lake, _partition(D1), [_parquet(day1[:20]), _parquet(day1[20:])], ext=".parquet")
    uncommitted = data_key(_partition(D1), new_run_id(), 0, ".parquet")
    lake.put(uncommitted, _parquet(_posts(D1, 500, 9)))  # a dedupe killed before its marker
    lake.put(f"{_partition(D2)}/legacy-0.parquet", _parquet(day2))
    return [(D1, p) for p in day1] + [(D2, p) for p in day2]


def _expected(posts: list[tuple[date, dict[str, Any]]]) -> list[tuple[Any, ...]]:
    seen = {
        (day, a["entity"]["name"], p["id"])
        for day, p in posts
        for a in p["context_annotations"]
        if a["domain"]["id"] == "60"
    }
    totals = Counter((d, name) for d, name, _ in seen)
    return sorted((d.year, d.month, d.day, name, n) for (d, name), n in totals.items())


def _rows(table: pa.Table) -> list[tuple[Any, ...]]:
    return sorted(tuple(r.values()) for r in table.to_pylist())


def _bucket(aws_endpoint: str) -> str:
    name = f"courtside-{secrets.token_hex(4)}"
    client("s3", AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")).create_bucket(
        Bucket=name
    )
    return name


def _env(lake_url: str, aws_endpoint: str) -> dict[str, str]:
    return {
        "COURTSIDE_LAKE_ROOT": lake_url,
        "COURTSIDE_AWS__ENDPOINT_URL": aws_endpoint,
        "COURTSIDE_AWS__REGION": "us-east-1",
        "COURTSIDE_AWS__MAX_ATTEMPTS": "2",
    }


def _settings(home: Path, lake_url: str | None, aws_endpoint: str) -> Settings:
    extra: dict[str, Any] = {}
    if lake_url is not None:
        extra = {
            "lake_root": lake_url,
            "aws": {"endpoint_url": aws_endpoint, "region": "us-east-1", "max_attempts": 2},
        }
    settings = load_settings(home=home, **extra)
    init_home(settings)
    return settings


def _warehouse_rows(url: str, table: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return sorted(conn.execute(f"SELECT year, month, day, player, total FROM {table}"))


def _run_everything(
    settings: Settings, courtside: Courtside, env: dict[str, str], pg_url: str
) -> dict[str, Any]:
    """Crawl, query, run the daily job, load: what each stage gives."""
    lake = settings.places.lake
    posts = _build_tweets(lake)
    out: dict[str, Any] = {"expected": _expected(posts)}
    result = crawl(settings, "tweets")
    out["crawl"] = (result.format, result.files, result.partitions_total)
    out["location"] = result.location
    with open_duckdb(settings) as con:
        out["sql"] = con.sql(
            "SELECT day, count(DISTINCT id), count(*) FROM twitter_nba_db.tweets"
            " GROUP BY day ORDER BY day"
        ).fetchall()
    cli = courtside(
        "sql",
        "--format",
        "json",
        "SELECT count(*) AS n, max(sentiment_score) AS top FROM twitter_nba_db.tweets",
        home=settings.home,
        env=env,
        text=True,
    )
    out["cli_sql"] = orjson.loads(cli.stdout)
    out["pending"] = [(p.day, p.reason) for p in pending_days(settings)]
    batch = run_days(settings, [p.day for p in pending_days(settings)])
    assert batch.ok, batch.results
    out["pending_after"] = pending_days(settings)
    out["daily"] = _rows(read_output(lake))
    out["sentiment"] = _rows(read_sentiment_output(lake))
    load(settings, target="duckdb")
    import duckdb

    with duckdb.connect(str(settings.home / "warehouse.duckdb"), read_only=True) as con:
        out["duckdb"] = sorted(
            con.sql("SELECT year, month, day, player, total FROM playerstotaltweets").fetchall()
        )
    load(settings, target="postgres", url=pg_url)
    out["postgres"] = _warehouse_rows(pg_url, "playerstotaltweets")
    redshift = load(settings, target="redshift", dry_run=True)
    out["redshift"] = redshift.statements or ""
    out["redshift_export"] = redshift.export
    return out


@pytest.fixture
def s3_lake(aws_endpoint: str) -> str:
    return f"s3://{_bucket(aws_endpoint)}/lake"


def test_crawl_sql_daily_and_load_give_the_same_rows_on_a_folder_and_on_s3(
    tmp_path: Path, aws_endpoint: str, s3_lake: str, pg_schema: str, courtside: Courtside
) -> None:
    folder = _settings(tmp_path / "folder", None, aws_endpoint)
    on_disk = _run_everything(folder, courtside, {}, pg_schema)
    with psycopg.connect(pg_schema, autocommit=True) as conn:
        conn.execute("DROP TABLE playerstotaltweets; DROP TABLE playersdailysentiment")
    s3 = _settings(tmp_path / "s3", s3_lake, aws_endpoint)
    on_s3 = _run_everything(s3, courtside, _env(s3_lake, aws_endpoint), pg_schema)

    expected = on_s3["expected"]
    assert on_disk["expected"] == expected
    for result in (on_disk, on_s3):
        # The uncommitted object of day 1 is never read; the legacy day 2 is.
        assert result["crawl"] == ("parquet", 3, 2)
        assert result["sql"] == [("01", 30, 30), ("02", 12, 12)]
        assert result["cli_sql"] == [{"n": 42, "top": 0.3}]
        assert result["pending"] == [(D1, NEVER_RUN), (D2, NEVER_RUN)]
        assert result["pending_after"] == []
        assert result["daily"] == expected
        assert result["duckdb"] == expected
        assert result["postgres"] == expected
    assert on_s3["sentiment"] == on_disk["sentiment"] and len(on_s3["sentiment"]) == 8
    assert on_s3["location"] == f"{s3_lake}/tweets"
    assert on_disk["location"] == str(tmp_path / "folder" / "lake" / "tweets")

    # Redshift COPYs the export the load wrote into the S3 lake, beside the daily output.
    prefix = f"{s3_lake}/players_total_tweets/_redshift/playerstotaltweets/year=2020/month=03"
    assert f"FROM '{prefix}/day=01/'" in on_s3["redshift"]
    assert f"FROM '{prefix}/day=02/'" in on_s3["redshift"]
    assert "<your-bucket>" not in on_s3["redshift"] and "aws s3 sync" not in on_s3["redshift"]
    export = f"{s3_lake}/players_total_tweets/_redshift/playerstotaltweets"
    assert on_s3["redshift_export"] == export
    lake = s3.places.lake
    exported = sorted(
        orjson.loads(line)["total"]
        for o in lake.list_objects("players_total_tweets/_redshift", hidden=True)
        for line in lake.read_bytes(o.key).splitlines()
    )
    assert exported == sorted(r[4] for r in expected)
    # The export is hidden from the zone's readers: the output is unchanged.
    assert _rows(read_output(lake)) == expected
    # The folder lake keeps the local export and the placeholders.
    assert "s3://<your-bucket>/<prefix>/playerstotaltweets/" in on_disk["redshift"]


def test_crash_between_output_objects_and_marker_then_rerun(
    tmp_path: Path, aws_endpoint: str, s3_lake: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path / "home", s3_lake, aws_endpoint)
    lake = settings.places.lake
    first = _posts(D1, 0, 10)
    publish(lake, _partition(D1), [_parquet(first)], ext=".parquet")
    crawl(settings, "tweets")
    run_day(settings, D1)
    before = _rows(read_output(lake, [D1]))
    assert before == _expected([(D1, p) for p in first])

    more = first + _posts(D1, 50, 8)  # dedupe merged late posts into the day
    publish(lake, _partition(D1), [_parquet(more)], ext=".parquet")
    real_put = lake.put

    def killed_before_marker(key: str, data: Any, *, durable: bool = True) -> int:
        if key.startswith("players_total_tweets/") and "/_committed-" in key:
            raise RuntimeError("killed between the objects and the marker")
        return real_put(key, data, durable=durable)

    monkeypatch.setattr(lake, "put", killed_before_marker)
    with pytest.raises(DailyJobError, match="RunQuery"):
        run_day(settings, D1)
    keys = [o.key for o in lake.list_objects(_partition(D1, "players_total_tweets"))]
    assert len(keys) == 2  # the old committed object and the new uncommitted one
    assert _rows(read_output(lake, [D1])) == before  # readers still see the old day

    monkeypatch.setattr(lake, "put", real_put)
    run_day(settings, D1)
    assert _rows(read_output(lake, [D1])) == _expected([(D1, p) for p in more])
    (current,) = day_files(lake, D1)
    assert [o.key for o in lake.list_objects(_partition(D1, "players_total_tweets"))] == [
        current.key
    ]


def test_a_missing_bucket_is_one_clear_line(
    tmp_path: Path, aws_endpoint: str, courtside: Courtside
) -> None:
    lake_url = f"s3://courtside-nobucket-{secrets.token_hex(3)}/lake"
    env = _env(lake_url, aws_endpoint)
    home = tmp_path / "home"
    settings = _settings(home, lake_url, aws_endpoint)
    with pytest.raises(LakeError, match="does not exist.*deploy"):
        crawl(settings, "tweets")
    for args in (
        ("etl", "crawl", "tweets"),
        ("job", "daily", "--date", "2020-03-01"),
        ("load", "--target", "duckdb"),
        ("load", "--target", "redshift", "--dry-run"),
    ):
        proc = courtside(*args, home=home, env=env, ok=False, text=True)
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert proc.returncode == 1 and len(lines) == 1, (args, proc.stderr)
        assert "does not exist" in lines[0] and "deploy" in lines[0], (args, lines)
        assert "testing-secret" not in proc.stderr


@pytest.mark.spark
def test_spark_daily_job_on_s3_stages_inputs_and_publishes_the_same_rows(
    tmp_path: Path, aws_endpoint: str, s3_lake: str, courtside: Courtside
) -> None:
    from courtside.engines.config import SparkSettings
    from courtside.engines.spark import java_missing_reason, spark_session
    from courtside.job.spark import SparkDailyEngine

    reason = java_missing_reason()
    if reason:
        pytest.skip(f"Spark tests skipped: {reason}")
    settings = _settings(tmp_path / "home", s3_lake, aws_endpoint)
    lake = settings.places.lake
    posts = _build_tweets(lake)
    crawl(settings, "tweets")
    assert run_days(settings, [D1, D2]).ok
    duck, duck_sentiment = read_output(lake), read_sentiment_output(lake)
    assert _rows(duck) == _expected(posts)

    session = spark_session(
        SparkSettings(master="local[2]", driver_memory="1g"), app="courtside-aws-tests"
    )
    try:
        session.sparkContext.setLogLevel("ERROR")
        batch = run_days(
            settings, [D1, D2], engine=SparkDailyEngine(settings.places, spark=session)
        )
    finally:
        session.stop()
    assert batch.ok, batch.results
    assert read_output(lake).equals(duck) and read_sentiment_output(lake).equals(duck_sentiment)
    # Published on S3 as a unit (one marker per day), nothing left in the scratch folder.
    markers = [o for o in lake.list_objects("players_total_tweets", hidden=True) if "/_c" in o.key]
    assert len(markers) == 2
    assert not any(settings.places.state("scratch").iterdir())

    # `sql --engine spark` cannot read s3:// here: one line that says why and what to use.
    proc = courtside(
        "sql",
        "--engine",
        "spark",
        "SELECT count(*) FROM twitter_nba_db.tweets",
        home=settings.home,
        env=_env(s3_lake, aws_endpoint),
        ok=False,
        text=True,
    )
    # (the JVM itself may warn about its incubator modules on stderr first)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert proc.returncode == 1 and len(lines) == 1 and "Traceback" not in proc.stderr
    assert "Spark cannot read twitter_nba_db." in lines[0] and "--engine duckdb" in lines[0]
