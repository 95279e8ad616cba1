"""``courtside sql --engine spark`` is read-only unless ``--write``: Spark's parser must
produce a query (or SHOW/DESCRIBE); commands, inserts and path-based tables are refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from courtside._duckdb_sandbox import ReadOnlyStatementError
from courtside.catalog.crawler import crawl
from courtside.catalog.store import Catalog
from courtside.cli.sql_sessions import SparkSqlSession
from courtside.config import Settings
from courtside.lake.layout import write_atomic

pytestmark = [pytest.mark.spark, pytest.mark.slow]

REFUSED = [
    "INSERT OVERWRITE DIRECTORY '{tmp}/out' SELECT 1",
    "INSERT INTO twitter_nba_db.tweets SELECT * FROM twitter_nba_db.tweets",
    "FROM twitter_nba_db.tweets INSERT INTO twitter_nba_db.tweets SELECT *",
    "CREATE TABLE x USING parquet LOCATION '{tmp}/x' AS SELECT 1 AS a",
    "DROP TABLE twitter_nba_db.tweets",
    "SET spark.sql.runSQLOnFiles = true",
    "ADD JAR {tmp}/x.jar",
    "CACHE TABLE twitter_nba_db.tweets",
    "CREATE TEMPORARY VIEW v AS SELECT 1",
    "LOAD DATA LOCAL INPATH '/etc/hostname' INTO TABLE twitter_nba_db.tweets",
]


def test_spark_session_is_read_only_unless_write(settings: Settings, tmp_path: Path) -> None:
    if shutil.which("java") is None:
        pytest.skip("Spark tests need Java 17 on PATH")
    pytest.importorskip("pyspark", reason="Spark tests need pyspark")
    write_atomic(
        settings.lake / "tweets/year=2020/month=03/day=01/x.json",
        [orjson.dumps({"id": "1", "lang": "en"}) + b"\n"],
        durable=False,
    )
    crawl(settings)
    out = tmp_path / "outside"
    out.mkdir()
    session = SparkSqlSession(settings, Catalog.open(settings))
    try:
        for query in REFUSED:
            with pytest.raises(ReadOnlyStatementError, match="add --write"):
                session.run(query.format(tmp=out))
        with pytest.raises(Exception, match="csv"):
            session.run("SELECT * FROM csv.`/etc/hostname`")  # path tables are off
        assert session.run("SELECT id, lang FROM twitter_nba_db.tweets")[1] == [("1", "en")]
        assert ("twitter_nba_db", "tweets", False) in [
            tuple(r) for r in session.run("SHOW TABLES IN twitter_nba_db")[1]
        ]
        assert session.run("DESCRIBE twitter_nba_db.tweets")[1]
        assert list(out.iterdir()) == []
    finally:
        session.close()
    writer = SparkSqlSession(settings, Catalog.open(settings), write=True)
    try:
        writer.run(f"INSERT OVERWRITE DIRECTORY '{out}/dir' USING json SELECT 1 AS a")
        assert any((out / "dir").glob("part-*"))
    finally:
        writer.close()
