"""A small ``posts`` table with a clean day and days that break each check."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from courtside.catalog.crawler import crawl
from courtside.config import Settings
from courtside.quality.config import QualitySettings

CLEAN, DUPLICATES, BROKEN = date(2020, 3, 1), date(2020, 3, 2), date(2020, 3, 3)


def _rows(day: date, n: int) -> dict[str, list[object]]:
    return {
        "id": [f"{day:%d}-{i}" for i in range(n)],
        "lang": ["en" if i % 2 else "es" for i in range(n)],
        "score": [i * 10 for i in range(n)],
        "created_at": [f"{day.isoformat()}T{i:02d}:00:00.000Z" for i in range(n)],
        "tags": [["a"] * (i % 3) for i in range(n)],
    }


def build_posts(settings: Settings) -> None:
    """``posts``: 10 clean rows on March 1; 10 on March 2 with one id twice; 4 on March 3
    with a null id, a lang outside the list, a negative score."""
    days = {CLEAN: _rows(CLEAN, 10), DUPLICATES: _rows(DUPLICATES, 10), BROKEN: _rows(BROKEN, 4)}
    days[DUPLICATES]["id"][5] = days[DUPLICATES]["id"][4]
    days[BROKEN]["id"][1] = None
    days[BROKEN]["lang"][2] = "xx"
    days[BROKEN]["score"][3] = -5
    for day, columns in days.items():
        folder = settings.lake / "posts" / f"year={day:%Y}/month={day:%m}/day={day:%d}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(columns), folder / "part-0.parquet")
    crawl(settings, "posts")


CHECKS = {
    "posts": [
        {"check": "not_null", "column": "id"},
        {"check": "unique", "column": "id"},
        {"check": "accepted_values", "column": "lang", "values": ["en", "es", "it's"]},
        {"check": "range", "column": "score", "min": 0, "max": 100},
        {"check": "row_count", "min": 1},
        {"check": "row_count_change", "max_change_pct": 50},
    ]
}


def checks(**extra: list[dict[str, object]]) -> QualitySettings:
    tables = {name: list(items) for name, items in CHECKS.items()}
    for name, items in extra.items():
        tables.setdefault(name, []).extend(items)
    return QualitySettings.model_validate({"tables": tables, "examples": 3})
