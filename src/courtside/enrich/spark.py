"""The batch enrichment on Spark: ``mapInArrow`` calling the same :func:`enrich_table`.

Each executor's Python worker builds its own default :class:`Enricher` (the enricher
is not sent over the wire; its settings are fixed, so every worker computes the same
values as DuckDB's path). pyspark is imported only here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from courtside.enrich.arrow import ENRICH_COLUMNS, enrich_record_batches

__all__ = ["ENRICH_SPARK_DDL", "spark_enrich"]

#: The appended columns as a Spark DDL string (same names and order as ENRICH_SCHEMA).
ENRICH_SPARK_DDL = (
    "sentiment_label string, sentiment_reason string, sentiment_score double, "
    "sentiment_pos double, sentiment_neg double, sentiment_neu double, "
    "lang_detected string, lang_source string, hashtags array<string>, "
    "mentions array<string>, cashtags array<string>, urls array<string>"
)


def _enrich_partition(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    from courtside.enrich.api import default_enricher

    return enrich_record_batches(batches, default_enricher())


def spark_enrich(df: Any) -> Any:
    """``df`` (a Spark DataFrame with the curated ``tweets`` columns) with the enrichment
    columns appended, computed by :func:`enrich_table` inside ``mapInArrow``.

    Columns of ``df`` that have an enrichment column's name are replaced.
    """
    from pyspark.sql.types import StructType

    kept = df.drop(*[c for c in df.columns if c in ENRICH_COLUMNS])
    added: Any = StructType.fromDDL(ENRICH_SPARK_DDL)
    schema = StructType(kept.schema.fields + added.fields)
    return kept.mapInArrow(_enrich_partition, schema)
