"""The per-player daily sentiment query: HiveQL kept once, parsed and translated by
job/hql.py, and giving identical rows on DuckDB and Spark SQL."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from job_helpers import D1, D2, post

from courtside.job.hql import (
    load_query,
    parse_create_table,
    parse_insert_overwrite,
    render,
    split_statements,
    to_duckdb_select,
)
from courtside.job.params import DailyParams

QUERY = "players_daily_sentiment.hql"
DB, INPUT = "sentiment_test_db", "sentiment_input"
TEXTS = [
    ("What a great win, love this team", "en"),
    ("Awful refs, terrible loss", "en"),
    ("Luka to Kyrie for three", "en"),
    ("¡Qué partidazo!", "es"),
    ("🔥🔥🔥", "en"),
    ("Not bad at all, but the defense was horrible", "en"),
    ("best game ever!!!", "en"),
]
PLAYERS = ["LeBron James", "Luka Dončić", "Nikola Jokić", 'O\'Neal "Shaq", Jr.', None]


def statements(day: date = D1, table: str = "players_daily_sentiment") -> list[str]:
    params = DailyParams(day, DB, table, INPUT, "/lake/players_daily_sentiment")
    return split_statements(render(load_query(QUERY), params.values()))


def sample_table(count: int = 300) -> pa.Table:
    """Enriched posts over two days, plus posts of a partition written before enrichment
    (their label and score are NULL)."""
    from courtside.enrich.api import enrich_batch

    rng = random.Random(5)
    posts = []
    for i in range(count):
        players = rng.sample(PLAYERS, rng.randint(0, 3))
        if players and rng.random() < 0.2:
            players.append(players[0])  # a player named twice counts once
        p = post(str(i), rng.choice([D1, D2]), players)
        p["text"], p["lang"] = rng.choice(TEXTS)
        posts.append(p)
    posts += [post(f"old{i}", D1, ["LeBron James"]) for i in range(3)]
    table = enrich_batch(pa.Table.from_pylist(posts))
    old = [i.startswith("old") for i in table.column("id").to_pylist()]
    for name in ("sentiment_label", "sentiment_score"):
        values = [
            None if o else v for o, v in zip(old, table.column(name).to_pylist(), strict=True)
        ]
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pa.array(values, table.schema.field(name).type))
    return table


def expected(table: pa.Table, day: date) -> set[tuple[Any, ...]]:
    per_player: dict[str, dict[str, tuple[Any, Any]]] = {}
    for row in table.to_pylist():
        if (row["year"], row["month"], row["day"]) != (
            f"{day.year:04d}",
            f"{day.month:02d}",
            f"{day.day:02d}",
        ):
            continue
        for ann in row["context_annotations"]:
            name = ann["entity"]["name"]
            if ann["domain"]["id"] == "60" and name is not None:
                per_player.setdefault(name, {})[row["id"]] = (
                    row["sentiment_label"],
                    row["sentiment_score"],
                )
    out = set()
    for player, posts in per_player.items():
        labels = [label for label, _ in posts.values()]
        scores = [s for _, s in posts.values() if s is not None]
        avg = sum(round(s * 10000) for s in scores) / (len(scores) * 10000) if scores else None
        if scores:
            assert avg == pytest.approx(sum(scores) / len(scores), abs=1e-12)
        counts = tuple(labels.count(k) for k in ("positive", "negative", "neutral"))
        out.add((player, len(posts), *counts, avg))
    return out


def test_the_file_has_the_output_table_and_the_days_insert() -> None:
    create, insert_text = statements()
    table = parse_create_table(create)
    assert (table.database, table.name, table.format) == (DB, "players_daily_sentiment", "json")
    assert [(c.name, c.type) for c in table.columns] == [
        ("player", "string"),
        ("posts", "bigint"),
        ("positive", "bigint"),
        ("negative", "bigint"),
        ("neutral", "bigint"),
        ("avg_score", "double"),
    ]
    assert [k.name for k in table.partition_keys] == ["year", "month", "day"]
    insert = parse_insert_overwrite(insert_text)
    assert (insert.database, insert.table) == (DB, "players_daily_sentiment")
    assert insert.partition == {"year": "2020", "month": "03", "day": "01"}
    assert "LATERAL VIEW explode(context_annotations) t AS context" in insert.hive
    select = to_duckdb_select(insert.select)
    assert f"(SELECT *, UNNEST(context_annotations) AS context FROM {DB}.{INPUT}) AS t" in select
    assert "LATERAL" not in select


def test_hostile_parameters_never_reach_the_query() -> None:
    from courtside.job.errors import ParameterError

    with pytest.raises(ParameterError):
        render(load_query(QUERY), {**DailyParams(D1, DB, "t", INPUT, "/x").values(), "DAY": "01'"})


def run_duckdb(table: pa.Table, day: date) -> set[tuple[Any, ...]]:
    insert = parse_insert_overwrite(statements(day)[1])
    con = duckdb.connect()
    con.register("enriched", table)
    con.execute(f"CREATE SCHEMA {DB}")
    con.execute(f"CREATE VIEW {DB}.{INPUT} AS SELECT * FROM enriched")
    return set(con.execute(to_duckdb_select(insert.select)).fetchall())


def test_duckdb_rows_match_python() -> None:
    table = sample_table()
    for day in (D1, D2):
        got = run_duckdb(table, day)
        assert got == expected(table, day)
        assert len(got) == 4
    lebron = next(r for r in run_duckdb(table, D1) if r[0] == "LeBron James")
    assert lebron[1] > sum(lebron[2:5])  # unscored and pre-enrichment posts count as posts


@pytest.mark.spark
def test_spark_sql_gives_identical_rows(tmp_path: Path, spark_session: Any) -> None:
    table = sample_table()
    path = tmp_path / "input"
    path.mkdir()
    pq.write_table(table, path / "part-0.parquet")
    spark_session.sql(f"CREATE DATABASE IF NOT EXISTS {DB} LOCATION '{(tmp_path / 'db').as_uri()}'")
    spark_session.sql(f"DROP TABLE IF EXISTS {DB}.{INPUT}")
    spark_session.sql(f"CREATE TABLE {DB}.{INPUT} USING parquet LOCATION '{path.as_uri()}'")
    for day in (D1, D2):
        insert = parse_insert_overwrite(statements(day)[1])
        rows = {tuple(r) for r in spark_session.sql(insert.select).collect()}
        assert rows == run_duckdb(table, day)
