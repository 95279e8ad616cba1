"""Helpers for the enrichment tests: curated-table rows and their Arrow schema."""

from __future__ import annotations

import random
from typing import Any

import pyarrow as pa

from courtside.batch.dedupe_sql import POST_COLUMNS

_PRIMITIVES = {
    "string": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
}


def _split_top(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "<"
        depth -= ch == ">"
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def arrow_type(hive: str) -> pa.DataType:
    """The Arrow type of a Hive type string of the curated post schema."""
    if hive.startswith("array<"):
        return pa.list_(arrow_type(hive[6:-1]))
    if hive.startswith("struct<"):
        fields = []
        for part in _split_top(hive[7:-1]):
            name, _, child = part.partition(":")
            fields.append(pa.field(name, arrow_type(child)))
        return pa.struct(fields)
    return _PRIMITIVES[hive]


def curated_schema() -> pa.Schema:
    """The curated ``tweets`` table's schema (the dedupe job's POST_COLUMNS + partitions)."""
    fields = [pa.field(name, arrow_type(hive)) for name, hive in POST_COLUMNS]
    fields += [pa.field(k, pa.string()) for k in ("year", "month", "day")]
    return pa.schema(fields)


def athlete(name: str | None) -> dict[str, Any]:
    return {"domain": {"id": "60", "name": "Athlete"}, "entity": {"id": f"e-{name}", "name": name}}


TEXTS = (
    ("LeBron is amazing tonight!!! #LakeShow @KingJames https://t.co/abc", "en"),
    ("Worst refs ever. This is terrible and sad", "en"),
    ("Luka to Kyrie for three", "en"),
    ("Not bad at all, but the defense was awful", "en"),
    ("¡Qué partidazo de Luka! increíble", "es"),
    ("Quel match de Giannis ce soir, magnifique", "und"),
    ("ルカのプレーは最高でした", None),
    ("🔥🔥🔥", "en"),
    ("@KingJames https://t.co/x", "qam"),
    ("", "en"),
    ("great win for the Nuggets, love this team", "en-US"),
    ("What a shot $NKE #NBA #1 &#39;s", "zxx"),
)


def curated_rows(count: int, seed: int = 3) -> list[dict[str, Any]]:
    """``count`` rows of the curated table with varied texts, languages and entities
    (struct present, absent, partly null, items with null values)."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        text, lang = rng.choice(TEXTS)
        roll = rng.random()
        if roll < 0.4:
            entities = None
        elif roll < 0.8:
            entities = {
                "hashtags": [{"start": 0, "end": 4, "tag": "NBA"}, {"tag": "LakeShow"}],
                "mentions": [{"username": "KingJames", "id": "1"}],
                "urls": [
                    {"url": "https://t.co/a", "expanded_url": "https://nba.com/x"},
                    {"url": "https://t.co/b", "expanded_url": None},
                ],
            }
        elif roll < 0.9:
            entities = {"hashtags": [{"tag": None}, {"tag": ""}, None], "cashtags": None}
        else:
            entities = {"annotations": [{"type": "Person", "normalized_text": "LeBron"}]}
        players = rng.sample(["LeBron James", "Luka Dončić", "Nikola Jokić", None], 2)
        rows.append(
            {
                "id": str(i),
                "text": text,
                "lang": lang,
                "entities": entities,
                "context_annotations": [athlete(p) for p in players],
                "year": "2020",
                "month": "03",
                "day": f"{1 + i % 2:02d}",
            }
        )
    return rows


def curated_table(rows: list[dict[str, Any]]) -> pa.Table:
    """``rows`` as a table of the curated schema (missing fields are null)."""
    schema = curated_schema()
    full = [{name: row.get(name) for name in schema.names} for row in rows]
    return pa.Table.from_pylist(full, schema=schema)
