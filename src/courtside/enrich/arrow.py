"""Enrichment of an Arrow table of posts: the batch step, the same on every engine.

:func:`enrich_table` reads the curated ``tweets`` table's ``text``, ``lang`` and
``entities`` columns and returns the table with the :data:`ENRICH_SCHEMA` columns
appended (replaced when the table already has them, so enriching twice gives the same
table). Each row gets exactly what :meth:`Enricher.enrich_post` gives the row as a
dict; the only difference is speed: when ``entities`` is the curated struct, the
entity values are read column-wise instead of building a dict per row.

A table from the de-duplication job may also hold :data:`TEXT_IS_STRING`: false when the
raw post's JSON ``text`` was not a string (a number, list, object or boolean the reader
turned into its JSON text). Such a row is enriched as if its text were not a string
(``unscored``, ``not-a-string``, no entities from the text), and the column is dropped
from the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import accumulate
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from courtside.enrich.core import Enricher
from courtside.enrich.entities import KINDS, Entities, entities_from_object, entities_from_text
from courtside.enrich.errors import EnrichTableError
from courtside.enrich.language import normalize_tag

__all__ = [
    "ENRICH_COLUMNS",
    "ENRICH_SCHEMA",
    "TEXT_IS_STRING",
    "enrich_record_batches",
    "enrich_table",
    "enriched_schema",
]

_LIST = pa.list_(pa.string())
#: The appended columns, in order.
ENRICH_SCHEMA = pa.schema(
    [
        pa.field("sentiment_label", pa.string()),
        pa.field("sentiment_reason", pa.string()),
        pa.field("sentiment_score", pa.float64()),
        pa.field("sentiment_pos", pa.float64()),
        pa.field("sentiment_neg", pa.float64()),
        pa.field("sentiment_neu", pa.float64()),
        pa.field("lang_detected", pa.string()),
        pa.field("lang_source", pa.string()),
        pa.field("hashtags", _LIST),
        pa.field("mentions", _LIST),
        pa.field("cashtags", _LIST),
        pa.field("urls", _LIST),
    ]
)
ENRICH_COLUMNS: tuple[str, ...] = tuple(ENRICH_SCHEMA.names)
#: An input column (boolean) read and dropped: false when the text was not a JSON string
#: (courtside.batch.dedupe_sql's TEXT_IS_STRING, the same name).
TEXT_IS_STRING = "_text_is_string"


def enriched_schema(schema: pa.Schema) -> pa.Schema:
    """The schema :func:`enrich_table` gives a table of ``schema``."""
    dropped = {*ENRICH_COLUMNS, TEXT_IS_STRING}
    return pa.schema([*(f for f in schema if f.name not in dropped), *ENRICH_SCHEMA])


_Kind = tuple[list[tuple[str, ...]], list[int] | None]


def _kind_values(entities: pa.StructArray, kind: str, field: str) -> _Kind | None:
    """Per row, the good values of one kind and (when some are null or empty) how many
    were skipped; None when the struct has a shape this fast path does not read."""
    rows = len(entities)
    index = entities.type.get_field_index(kind)
    if index < 0:
        return [()] * rows, None
    lists = pc.struct_field(entities, [index])
    if not pa.types.is_list(lists.type) and not pa.types.is_large_list(lists.type):
        return None
    item_type = lists.type.value_type
    if not pa.types.is_struct(item_type):
        return None
    flat = lists.flatten()
    names = [item_type.field(i).name for i in range(item_type.num_fields)]
    wanted = [field, "url"] if field == "expanded_url" else [field]
    columns = [pc.struct_field(flat, [names.index(n)]) for n in wanted if n in names]
    if not columns:
        values = pa.nulls(len(flat), pa.string())
    elif len(columns) == 1:
        values = columns[0]
    else:
        values = pc.coalesce(*columns)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return None
    flat_values = values.to_pylist()
    lengths = pc.list_value_length(lists).fill_null(0).to_pylist()
    ends = list(accumulate(lengths))
    starts = [0, *ends[:-1]] if ends else []
    per_row = [tuple(flat_values[a:b]) if a != b else () for a, b in zip(starts, ends, strict=True)]
    if None not in flat_values and "" not in flat_values:
        return per_row, None
    good = [tuple(v for v in row if v) for row in per_row]
    return good, [len(row) - len(kept) for row, kept in zip(per_row, good, strict=True)]


def _struct_entities(column: pa.ChunkedArray, texts: list[Any]) -> list[Entities] | None:
    if not pa.types.is_struct(column.type):
        return None
    entities = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    kinds = []
    for kind, field in KINDS:
        found = _kind_values(entities, kind, field)
        if found is None:
            return None
        kinds.append(found)
    (hashtags, bad_h), (mentions, bad_m), (cashtags, bad_c), (urls, bad_u) = kinds
    bad = [0] * len(entities)
    for counts in (bad_h, bad_m, bad_c, bad_u):
        if counts is not None:
            bad = [a + b for a, b in zip(bad, counts, strict=True)]
    valid = entities.is_valid().to_pylist()
    out: list[Entities] = []
    for row, present in enumerate(valid):
        if present:
            out.append(
                Entities(hashtags[row], mentions[row], cashtags[row], urls[row], False, bad[row])
            )
        else:
            text = texts[row]
            is_text = isinstance(text, str)
            out.append(entities_from_text(text) if is_text else Entities(from_text=True))
    return out


def _row_entities(table: pa.Table, texts: list[Any]) -> list[Entities]:
    if "entities" not in table.column_names:
        return [entities_from_object(None, text) for text in texts]
    column = table.column("entities")
    fast = _struct_entities(column, texts)
    if fast is not None:
        return fast
    return [entities_from_object(e, t) for e, t in zip(column.to_pylist(), texts, strict=True)]


def _normalized(langs: list[Any]) -> list[str | None]:
    """:func:`normalize_tag` of each value; a batch holds a handful of distinct tags, so
    each distinct string is normalised once."""
    tags: dict[str, str | None] = {}
    out: list[str | None] = []
    for tag in langs:
        if isinstance(tag, str):
            if tag not in tags:
                tags[tag] = normalize_tag(tag)
            out.append(tags[tag])
        else:
            out.append(normalize_tag(tag))
    return out


def enrich_table(table: pa.Table, enricher: Enricher) -> pa.Table:
    """``table`` with the :data:`ENRICH_SCHEMA` columns appended (replacing old ones).

    Raises:
        EnrichTableError: when the table has no ``text`` column.
    """
    if "text" not in table.column_names:
        raise EnrichTableError(
            f"the table has no text column (columns: {', '.join(table.column_names)[:200]})",
            column="text",
        )
    texts = table.column("text").to_pylist()
    if TEXT_IS_STRING in table.column_names:
        flags = table.column(TEXT_IS_STRING).to_pylist()
        if False in flags:
            texts = [None if f is False else t for t, f in zip(texts, flags, strict=True)]
    if "lang" in table.column_names:
        langs = table.column("lang").to_pylist()
    else:
        langs = [None] * table.num_rows
    found = _row_entities(table, texts)
    columns = enricher.enrich_columns(texts, _normalized(langs), found)
    kept = [n for n in table.column_names if n not in ENRICH_COLUMNS and n != TEXT_IS_STRING]
    out = table.select(kept)
    for field in ENRICH_SCHEMA:
        out = out.append_column(field, pa.array(columns[field.name], field.type))
    return out


def enrich_record_batches(
    batches: Iterable[pa.RecordBatch], enricher: Enricher
) -> Iterator[pa.RecordBatch]:
    """Each record batch enriched (the shape Spark's ``mapInArrow`` calls for)."""
    for batch in batches:
        enriched = enrich_table(pa.Table.from_batches([batch]), enricher)
        yield from enriched.combine_chunks().to_batches()
