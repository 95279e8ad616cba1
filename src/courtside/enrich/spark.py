"""The batch enrichment on Spark: ``mapInArrow`` calling the same :func:`enrich_table`.

Each executor's Python worker builds its own default :class:`Enricher` (the enricher
is not sent over the wire; its settings are fixed, so every worker computes the same
values as DuckDB's path). pyspark is imported only here.

Spark's Arrow bridge needs pandas and a recent pyarrow (pyspark 4 wants >= 18). When the
environment has an older one (apache-flink's apache-beam pins pyarrow < 17, so a venv
with both engines has one), :func:`spark_enrich` falls back to a row path: each
partition's rows go through :meth:`Enricher.enrich_post`, which gives exactly what
:func:`enrich_table` gives (a test holds the two equal), only slower.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from courtside.enrich.arrow import ENRICH_COLUMNS, TEXT_IS_STRING, enrich_record_batches

__all__ = ["ENRICH_SPARK_DDL", "arrow_unavailable_reason", "spark_enrich"]

#: The appended columns as a Spark DDL string (same names and order as ENRICH_SCHEMA).
ENRICH_SPARK_DDL = (
    "sentiment_label string, sentiment_reason string, sentiment_score double, "
    "sentiment_pos double, sentiment_neg double, sentiment_neu double, "
    "lang_detected string, lang_source string, hashtags array<string>, "
    "mentions array<string>, cashtags array<string>, urls array<string>"
)


def arrow_unavailable_reason() -> str | None:
    """None when Spark's Arrow UDFs (``mapInArrow``) can run here, else the reason."""
    try:
        from pyspark.sql.pandas.utils import (
            require_minimum_pandas_version,
            require_minimum_pyarrow_version,
        )

        require_minimum_pandas_version()
        require_minimum_pyarrow_version()
    except Exception as exc:  # pyspark raises its own ImportError subclasses
        return f"Spark's Arrow UDFs are unavailable: {exc}"
    return None


def _enrich_partition(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    from courtside.enrich.api import default_enricher

    return enrich_record_batches(batches, default_enricher())


def _enrich_rows(rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    from courtside.enrich.api import default_enricher

    enricher = default_enricher()
    for row in rows:
        post = row.asDict(recursive=True)
        flag = post.pop(TEXT_IS_STRING, None)
        if flag is False:  # the raw text was not a JSON string (see enrich_table)
            post["text"] = None
        result = enricher.enrich_post(post)
        kept = (
            value for name, value in zip(row.__fields__, row, strict=True) if name != TEXT_IS_STRING
        )
        yield (*kept, *result.as_row().values())


def spark_enrich(df: Any, *, arrow: bool | None = None) -> Any:
    """``df`` (a Spark DataFrame with the curated ``tweets`` columns) with the enrichment
    columns appended; columns of ``df`` with an enrichment column's name are replaced,
    and ``_text_is_string`` (see :func:`courtside.enrich.arrow.enrich_table`) is read and
    dropped.

    Args:
        df: The input DataFrame.
        arrow: ``mapInArrow`` (True), the row path (False) or whichever this
            environment supports (None).

    Raises:
        EnrichError: when ``arrow=True`` and Spark's Arrow UDFs are unavailable.
    """
    from pyspark.sql.types import StructType

    from courtside.enrich.errors import EnrichError

    reason = arrow_unavailable_reason() if arrow is not False else None
    if arrow and reason:
        raise EnrichError(reason)
    kept = df.drop(*[c for c in df.columns if c in ENRICH_COLUMNS])
    added: Any = StructType.fromDDL(ENRICH_SPARK_DDL)
    out_fields = [f for f in kept.schema.fields if f.name != TEXT_IS_STRING]
    schema = StructType(out_fields + added.fields)
    if arrow is False or reason:
        return kept.sparkSession.createDataFrame(kept.rdd.mapPartitions(_enrich_rows), schema)
    return kept.mapInArrow(_enrich_partition, schema)
