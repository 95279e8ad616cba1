"""The Arrow batch step gives, row for row, what the per-post call gives (and DuckDB's
record batches give the same table)."""

from __future__ import annotations

from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pytest
from enrich_helpers import curated_rows, curated_table

from courtside.enrich.api import enrich_batch
from courtside.enrich.arrow import (
    ENRICH_COLUMNS,
    ENRICH_SCHEMA,
    enrich_record_batches,
    enrich_table,
)
from courtside.enrich.core import Enricher
from courtside.enrich.errors import EnrichTableError


def per_post(table: pa.Table) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    enricher = Enricher()
    rows = [enricher.enrich_post(row).as_row() for row in table.to_pylist()]
    return rows, enricher.stats.as_dict()


def batch_rows(table: pa.Table) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    enricher = Enricher()
    out = enrich_table(table, enricher)
    assert out.schema.names[-len(ENRICH_COLUMNS) :] == list(ENRICH_COLUMNS)
    for field in ENRICH_SCHEMA:
        assert out.schema.field(field.name).type == field.type
    return out.select(list(ENRICH_COLUMNS)).to_pylist(), enricher.stats.as_dict()


def assert_same_as_per_post(table: pa.Table) -> None:
    got, got_stats = batch_rows(table)
    want, want_stats = per_post(table)
    assert got == want
    assert got_stats == want_stats


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return curated_table(curated_rows(600))


def test_batch_equals_per_post_on_the_curated_schema(table: pa.Table) -> None:
    assert_same_as_per_post(table)
    out = enrich_batch(table)
    assert out.num_rows == table.num_rows
    assert out.select(table.column_names).equals(table)  # input columns untouched
    labels = set(out.column("sentiment_label").to_pylist())
    assert labels == {"positive", "negative", "neutral", "unscored"}
    assert set(out.column("lang_source").to_pylist()) == {"source", "detected", "unknown"}


def test_chunked_and_sliced_tables(table: pa.Table) -> None:
    assert_same_as_per_post(pa.concat_tables([table.slice(0, 100), table.slice(100, 150)]))
    assert_same_as_per_post(table.slice(37, 211))


def test_entities_as_json_text_or_other_struct_shapes() -> None:
    rows = curated_rows(150)
    as_text = pa.table(
        {
            "text": [r["text"] for r in rows],
            "lang": [r["lang"] for r in rows],
            "entities": [
                None if r["entities"] is None else orjson.dumps(r["entities"]).decode()
                for r in rows
            ],
        }
    )
    assert_same_as_per_post(as_text)  # a string is the wrong shape: text fallback, counted
    partial = pa.Table.from_pylist(
        [
            {"text": "#a @b", "entities": {"hashtags": [{"name": "x"}]}},
            {"text": "#c", "entities": {"urls": [{"url": "https://t.co/x"}]}},
            {"text": "#d", "entities": None},
            {"text": "#e", "entities": {"mentions": [{"username": "m"}, None]}},
        ]
    )
    assert_same_as_per_post(partial)
    weird = pa.table({"text": ["#a"], "entities": pa.array([{"hashtags": ["x"]}])})
    assert_same_as_per_post(weird)


@pytest.mark.parametrize(
    "columns",
    [
        {"text": pa.array([1, None, 3], pa.int64())},
        {"text": pa.array(["great", None, "#x awful"], pa.large_string())},
        {"text": pa.array(["great", "hola", ""]), "lang": pa.array(["en", "es", None])},
        {"text": pa.array(["great", "bad"]).dictionary_encode()},
        {"text": pa.array([["great"], None], pa.list_(pa.string()))},
    ],
    ids=["int-text", "large-string", "no-entities", "dictionary", "list-text"],
)
def test_other_column_types_and_missing_columns(columns: dict[str, pa.Array]) -> None:
    assert_same_as_per_post(pa.table(columns))


def test_a_table_without_text_is_refused() -> None:
    with pytest.raises(EnrichTableError, match="no text column") as info:
        enrich_batch(pa.table({"body": ["hi"]}))
    assert info.value.column == "text"


def test_empty_table(table: pa.Table) -> None:
    out = enrich_batch(table.slice(0, 0))
    assert out.num_rows == 0
    assert out.schema.names == table.schema.names + list(ENRICH_COLUMNS)


def test_enriching_twice_gives_the_same_table(table: pa.Table) -> None:
    once = enrich_batch(table)
    assert enrich_batch(once).equals(once)
    stale = table.append_column("hashtags", pa.array([1] * table.num_rows))
    assert enrich_batch(stale).equals(once)


def test_duckdb_record_batches_give_the_same_rows(table: pa.Table) -> None:
    con = duckdb.connect()
    con.register("tweets", table)
    reader = con.sql("SELECT * FROM tweets ORDER BY id").to_arrow_reader(128)
    batches = list(enrich_record_batches(reader, Enricher()))
    assert len(batches) > 1
    via_duckdb = pa.Table.from_batches(batches).sort_by("id")
    direct = enrich_batch(con.sql("SELECT * FROM tweets ORDER BY id").to_arrow_table()).sort_by(
        "id"
    )
    assert via_duckdb.select(list(ENRICH_COLUMNS)).equals(direct.select(list(ENRICH_COLUMNS)))
    assert via_duckdb.column("id").equals(direct.column("id"))
