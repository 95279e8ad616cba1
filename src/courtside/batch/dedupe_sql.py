"""The de-duplication job, written once for every engine: the post schema and the SQL.

This module has no dependency outside the standard library, so that
``spark_dedupe.py`` can ship it to a cluster (``spark-submit --py-files``).

Each engine exposes up to three relations and runs :func:`dedupe_query` over them:

``new_rows``
    The rows of the raw files not processed yet: the :data:`POST_COLUMNS`, the
    partition values ``year``, ``month``, ``day`` taken from each file's path
    (``.../year=YYYY/month=MM/day=DD/name``), two sort keys ``_seq1``, ``_seq2``
    that order rows by delivery: file name (names sort by time), then line, and
    :data:`TEXT_IS_STRING`.
``existing_rows`` (when the new files touch partitions that already exist)
    Their rows: the :data:`POST_COLUMNS` plus ``year``, ``month``, ``day`` and
    :data:`TEXT_IS_STRING`.
``existing_ids`` (when other partitions exist)
    The ``id`` of every row in the other output partitions.

``text`` is the post's text as the readers have always read it: a JSON number, list,
object or boolean becomes its JSON text, so the curated column stays a string. Whether
the raw value was a JSON string is :data:`TEXT_IS_STRING`, which the query passes on
(``text_is_string=True``) for the enrichment step to label the others ``unscored``
(``not-a-string``); it is never written. For rows already in the output it is false only
when their enrichment said so (``sentiment_reason = 'not-a-string'``).

Partition values come from paths, never from the row, so a row cannot move itself into
a partition the job did not plan to rewrite. A post ``id`` already in the output wins;
among new rows the earliest delivery wins. Rows without an ``id`` are dropped.
"""

from __future__ import annotations

__all__ = [
    "PARTITION_KEYS",
    "PARTITION_REGEX",
    "POST_COLUMNS",
    "TEXT_IS_STRING",
    "dedupe_query",
    "duckdb_raw_columns",
    "duckdb_raw_select",
    "duckdb_type",
    "existing_text_is_string",
    "spark_raw_text_columns",
    "spark_schema_ddl",
]

PARTITION_KEYS = ("year", "month", "day")
PARTITION_REGEX = r"year=([0-9]{4})/month=([0-9]{2})/day=([0-9]{2})/[^/]+$"

_ENTITY = "struct<id:string,name:string,description:string>"
_SPAN = "start:bigint,end:bigint"

#: The delivered post (X API v2 post fields plus ``users``), as Hive types. Fields a
#: record lacks are NULL; fields not listed here are not kept.
POST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "string"),
    ("text", "string"),
    ("author_id", "string"),
    ("conversation_id", "string"),
    ("created_at", "string"),
    ("lang", "string"),
    ("source", "string"),
    ("possibly_sensitive", "boolean"),
    ("in_reply_to_user_id", "string"),
    ("reply_settings", "string"),
    ("edit_history_tweet_ids", "array<string>"),
    ("referenced_tweets", "array<struct<type:string,id:string>>"),
    ("attachments", "struct<media_keys:array<string>,poll_ids:array<string>>"),
    (
        "geo",
        "struct<place_id:string,coordinates:struct<type:string,coordinates:array<double>>>",
    ),
    (
        "public_metrics",
        "struct<retweet_count:bigint,reply_count:bigint,like_count:bigint,"
        "quote_count:bigint,bookmark_count:bigint,impression_count:bigint>",
    ),
    ("context_annotations", f"array<struct<domain:{_ENTITY},entity:{_ENTITY}>>"),
    (
        "entities",
        "struct<"
        f"mentions:array<struct<{_SPAN},username:string,id:string>>,"
        f"hashtags:array<struct<{_SPAN},tag:string>>,"
        f"cashtags:array<struct<{_SPAN},tag:string>>,"
        f"urls:array<struct<{_SPAN},url:string,expanded_url:string,display_url:string>>,"
        f"annotations:array<struct<{_SPAN},probability:double,type:string,"
        "normalized_text:string>>>",
    ),
    ("withheld", "struct<copyright:boolean,country_codes:array<string>>"),
    (
        "users",
        "array<struct<id:string,name:string,username:string,created_at:string,"
        "description:string,location:string,pinned_tweet_id:string,"
        "profile_image_url:string,protected:boolean,url:string,verified:boolean,"
        "verified_type:string,public_metrics:struct<followers_count:bigint,"
        "following_count:bigint,tweet_count:bigint,listed_count:bigint>>>",
    ),
)

#: The extra column of ``new_rows`` and ``existing_rows``: true when the post's JSON
#: ``text`` was a string, false for a number, list, object or boolean, NULL when there was
#: none (``null`` or missing). Enrichment reads it (courtside.enrich.arrow's
#: ``TEXT_IS_STRING``, the same name); it is not part of the curated table.
TEXT_IS_STRING = "_text_is_string"

_DUCK_PRIMITIVES = {
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
}


def _split_top(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def duckdb_type(hive: str) -> str:
    """The DuckDB type of a Hive type string of :data:`POST_COLUMNS`."""
    if hive.startswith("array<"):
        return duckdb_type(hive[6:-1]) + "[]"
    if hive.startswith("struct<"):
        fields = []
        for part in _split_top(hive[7:-1]):
            name, _, child = part.partition(":")
            fields.append(f'"{name}" {duckdb_type(child)}')
        return "STRUCT(" + ", ".join(fields) + ")"
    return _DUCK_PRIMITIVES[hive]


def duckdb_raw_columns() -> dict[str, str]:
    """The DuckDB types the raw reader declares: :func:`duckdb_type` of each column, but
    ``text`` as ``JSON`` so that :func:`duckdb_raw_select` can tell a string from the
    rest."""
    return {name: "JSON" if name == "text" else duckdb_type(hive) for name, hive in POST_COLUMNS}


def duckdb_raw_select() -> str:
    """The select list over a raw reader declared with :func:`duckdb_raw_columns`: the
    :data:`POST_COLUMNS` (``text`` exactly as a ``VARCHAR`` column reads it: a string's
    value, the JSON text of anything else) then :data:`TEXT_IS_STRING`."""
    text = (
        "CASE WHEN json_type(\"text\") = 'VARCHAR' THEN \"text\" ->> '$'"
        ' ELSE CAST("text" AS VARCHAR) END AS "text"'
    )
    cols = [text if name == "text" else f'"{name}"' for name, _ in POST_COLUMNS]
    return ", ".join([*cols, f"json_type(\"text\") = 'VARCHAR' AS {TEXT_IS_STRING}"])


def spark_raw_text_columns() -> list[tuple[str, str]]:
    """``(column, Spark SQL expression)`` pairs that turn a raw read whose ``text`` is a
    ``variant`` (Spark 4's JSON reader, ``spark_schema_ddl(raw_text=True)``) into ``text``
    as a string and :data:`TEXT_IS_STRING`, in this order (the flag first: it reads the
    variant). A string keeps its value; anything else becomes its JSON text
    (``to_json``, the same text DuckDB gives for numbers, lists and objects)."""
    kind = "schema_of_variant(`text`)"
    return [
        (
            TEXT_IS_STRING,
            f"CASE WHEN `text` IS NULL OR {kind} = 'VOID' THEN NULL ELSE {kind} = 'STRING' END",
        ),
        (
            "text",
            f"CASE WHEN `text` IS NULL OR {kind} = 'VOID' THEN NULL"
            f" WHEN {kind} = 'STRING' THEN variant_get(`text`, '$', 'string')"
            " ELSE to_json(`text`) END",
        ),
    ]


def existing_text_is_string(has_reason: bool) -> str:
    """The :data:`TEXT_IS_STRING` expression for rows of the output: false only when
    their ``sentiment_reason`` column (when they have one) says ``not-a-string`` for a
    non-NULL text; true otherwise (rows written before enrichment cannot tell)."""
    if not has_reason:
        return f"TRUE AS {TEXT_IS_STRING}"
    return (
        "(text IS NULL OR sentiment_reason IS NULL OR sentiment_reason <> 'not-a-string')"
        f" AS {TEXT_IS_STRING}"
    )


def _spark_type(hive: str) -> str:
    if hive.startswith("array<"):
        return f"array<{_spark_type(hive[6:-1])}>"
    if hive.startswith("struct<"):
        fields = []
        for part in _split_top(hive[7:-1]):
            name, _, child = part.partition(":")
            fields.append(f"`{name}`:{_spark_type(child)}")
        return "struct<" + ",".join(fields) + ">"
    return hive


def spark_schema_ddl(*, raw_text: bool = False) -> str:
    """The post schema as a Spark DDL string (for ``DataFrameReader.schema``); with
    ``raw_text``, ``text`` is a ``variant`` (see :func:`spark_raw_text_columns`)."""
    return ", ".join(
        f"`{name}` {'variant' if raw_text and name == 'text' else _spark_type(hive)}"
        for name, hive in POST_COLUMNS
    )


def dedupe_query(
    *, existing: bool, existing_ids: bool, quote: str = '"', text_is_string: bool = False
) -> str:
    """The de-duplication query (see the module doc for its input relations).

    Args:
        existing: Whether ``existing_rows`` is there (some touched partitions exist).
        existing_ids: Whether ``existing_ids`` is there (other partitions exist).
        quote: The engine's identifier quote (``"`` for DuckDB, a backtick for Spark).
        text_is_string: Pass :data:`TEXT_IS_STRING` on (for the enrichment step; the
            caller drops it before writing).

    Returns:
        A query yielding :data:`POST_COLUMNS` (then :data:`TEXT_IS_STRING` when asked)
        then ``year``, ``month``, ``day``: one row per ``id``, for the output
        partitions to (re)write.
    """
    names = [name for name, _ in POST_COLUMNS]
    if text_is_string:
        names.append(TEXT_IS_STRING)
    cols = ", ".join(f"{quote}{name}{quote}" for name in names)
    keys = ", ".join(PARTITION_KEYS)
    anti = (
        " AND NOT EXISTS (SELECT 1 FROM existing_ids AS e WHERE e.id = n.id)"
        if existing_ids
        else ""
    )
    new = (
        f"SELECT {cols}, {keys}, 1 AS _prio, _seq1, _seq2 FROM new_rows AS n"
        f" WHERE n.id IS NOT NULL AND n.id <> ''{anti}"
    )
    if existing:
        old = f"SELECT {cols}, {keys}, 0 AS _prio, NULL AS _seq1, NULL AS _seq2 FROM existing_rows"
        new = f"{old} UNION ALL {new}"
    return f"""
SELECT {cols}, {keys} FROM (
    SELECT {cols}, {keys},
           row_number() OVER (PARTITION BY id ORDER BY _prio, _seq1, _seq2) AS _rank
    FROM ({new}) AS candidates
) AS ranked
WHERE _rank = 1
"""
