"""Spark (mapInArrow calling enrich_batch, or the row path) gives the direct call's rows."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from enrich_helpers import curated_rows, curated_table

from courtside.enrich.api import enrich_batch
from courtside.enrich.arrow import ENRICH_COLUMNS
from courtside.enrich.errors import EnrichError

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return curated_table(curated_rows(400, seed=9))


@pytest.fixture(scope="module")
def frame(table: pa.Table, tmp_path_factory: pytest.TempPathFactory, spark_session: Any) -> Any:
    path = tmp_path_factory.mktemp("enrich") / "tweets.parquet"
    pq.write_table(table, path)
    return spark_session.read.parquet(str(path)).repartition(3)


def assert_same_rows(enriched: Any, table: pa.Table) -> None:
    assert enriched.columns[-len(ENRICH_COLUMNS) :] == list(ENRICH_COLUMNS)
    rows = enriched.select("id", *ENRICH_COLUMNS).collect()
    got = {row["id"]: row.asDict(recursive=True) for row in rows}
    direct = enrich_batch(table).select(["id", *ENRICH_COLUMNS]).to_pylist()
    assert len(got) == len(direct)
    for want in direct:
        assert got[want["id"]] == want


def test_map_in_arrow_or_its_clear_fallback_equals_the_direct_call(
    frame: Any, table: pa.Table
) -> None:
    """With Spark's Arrow bridge (pyarrow >= 18) ``mapInArrow`` gives the direct call's
    rows; without it (the full venv pins pyarrow 16 for PyFlink) asking for Arrow is one
    clear error and the default path falls back to rows with the same values."""
    from courtside.enrich.spark import arrow_unavailable_reason, spark_enrich

    if arrow_unavailable_reason():
        with pytest.raises(EnrichError, match="Arrow UDFs are unavailable"):
            spark_enrich(frame, arrow=True)
        assert_same_rows(spark_enrich(frame), table)
        return
    assert_same_rows(spark_enrich(frame, arrow=True), table)


def test_row_path_equals_the_direct_call(frame: Any, table: pa.Table) -> None:
    from courtside.enrich.spark import spark_enrich

    assert_same_rows(spark_enrich(frame, arrow=False), table)


def test_enriching_an_enriched_frame_replaces_the_columns(frame: Any) -> None:
    from courtside.enrich.spark import spark_enrich

    enriched = spark_enrich(frame)
    again = spark_enrich(enriched)
    assert again.columns == enriched.columns
    assert again.count() == frame.count()
