"""The HiveQL files, their parsing, and the DuckDB translation of the query."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pytest
from job_helpers import expected_totals, sample_posts

from courtside.job.errors import QueryFileError
from courtside.job.hql import (
    CREATE_TABLE_FILE,
    QUERY_FILE,
    load_query,
    parse_create_table,
    parse_insert_overwrite,
    render,
    split_statements,
    to_duckdb_select,
)
from courtside.job.params import DailyParams

PARAMS = DailyParams(date(2020, 3, 1), "twitter_nba_db", "players_total_tweets", "tweets", "/l/p")


def test_files_are_hiveql_like_the_original() -> None:
    query = load_query(QUERY_FILE)
    assert "LATERAL VIEW explode(context_annotations)" in query
    assert "context.domain.id = '60'" in query
    assert "GROUP BY context.entity.name" in query
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS" in load_query(CREATE_TABLE_FILE)


def test_create_table_becomes_a_catalog_table() -> None:
    (statement,) = split_statements(render(load_query(CREATE_TABLE_FILE), PARAMS.values()))
    table = parse_create_table(statement)
    assert (table.database, table.name, table.format) == (
        "twitter_nba_db",
        "players_total_tweets",
        "json",
    )
    assert [(c.name, c.type) for c in table.columns] == [("player", "string"), ("total", "bigint")]
    assert [k.name for k in table.partition_keys] == ["year", "month", "day"]
    assert table.location == "/l/p"


def test_query_translates_and_counts_distinct_posts_per_athlete() -> None:
    (statement,) = split_statements(render(load_query(QUERY_FILE), PARAMS.values()))
    insert = parse_insert_overwrite(statement)
    assert insert.partition == {"year": "2020", "month": "03", "day": "01"}
    select = to_duckdb_select(insert.select)
    assert (
        "(SELECT *, UNNEST(context_annotations) AS context FROM twitter_nba_db.tweets) AS t"
        in select
    )
    assert "LATERAL" not in select
    posts = sample_posts()
    con = duckdb.connect()
    con.register("posts", pa.Table.from_pylist(posts))
    con.execute("CREATE SCHEMA twitter_nba_db")
    con.execute("CREATE VIEW twitter_nba_db.tweets AS SELECT * FROM posts")
    got = dict(con.execute(select).fetchall())
    want = {n: t for (d, n), t in expected_totals(posts).items() if d == date(2020, 3, 1)}
    assert got == want
    assert got["LeBron James"] == 2  # named twice in post 2, counted once


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            "INSERT OVERWRITE TABLE db.t PARTITION (year) SELECT 1",
            "unsupported partition item",
        ),
        ("INSERT INTO TABLE db.t SELECT 1", "expected INSERT OVERWRITE"),
        ("DROP TABLE db.t", "expected INSERT OVERWRITE"),
    ],
)
def test_unsupported_queries_are_refused(statement: str, message: str) -> None:
    with pytest.raises(QueryFileError, match=message):
        parse_insert_overwrite(statement)


def test_unsupported_lateral_view_is_refused() -> None:
    with pytest.raises(QueryFileError, match="OUTER"):
        to_duckdb_select("SELECT c FROM t LATERAL VIEW OUTER explode(a) x AS c")
    with pytest.raises(QueryFileError, match="only FROM db.table LATERAL VIEW"):
        to_duckdb_select("SELECT c FROM t LATERAL VIEW posexplode(a) x AS p, c")
    with pytest.raises(QueryFileError, match="only FROM db.table LATERAL VIEW"):
        to_duckdb_select("SELECT c FROM t tt LATERAL VIEW explode(a) x AS c")


def test_create_table_refuses_other_storage() -> None:
    with pytest.raises(QueryFileError, match="unsupported storage"):
        parse_create_table(
            "CREATE EXTERNAL TABLE IF NOT EXISTS db.t (a STRING) STORED AS TEXTFILE LOCATION '/x'"
        )


def test_comments_and_strings_survive_splitting() -> None:
    text = "-- a comment; with ${NOPE}\nSELECT 'a;b' AS x; SELECT 2 -- trailing\n;"
    assert split_statements(render(text, {})) == ["SELECT 'a;b' AS x", "SELECT 2"]
