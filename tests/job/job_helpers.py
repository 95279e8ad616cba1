"""Helpers for the daily-job tests: a small ``tweets/`` lake, crawled into the catalog."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from courtside.catalog.crawler import crawl
from courtside.config import Settings


def annotation(domain_id: str, name: str | None) -> dict[str, Any]:
    return {
        "domain": {"id": domain_id, "name": "Athlete" if domain_id == "60" else "Sport"},
        "entity": {"id": f"e-{name}", "name": name},
    }


def post(post_id: str, day: date, players: list[str | None], *, sport: bool = True) -> dict:
    """A delivered post of ``day`` with one Athlete annotation per entry of ``players``."""
    annotations = [annotation("11", "Basketball")] if sport else []
    annotations += [annotation("60", p) for p in players]
    return {
        "id": post_id,
        "text": f"post {post_id}",
        "author_id": "42",
        "created_at": f"{day.isoformat()}T12:00:00.000Z",
        "lang": "en",
        "context_annotations": annotations,
        "entities": {"mentions": [{"username": "someone", "start": 0, "end": 8}]},
        "users": [{"id": "42", "username": "fan42", "name": "Fan"}],
        "year": f"{day.year:04d}",
        "month": f"{day.month:02d}",
        "day": f"{day.day:02d}",
    }


def write_tweets(settings: Settings, posts: list[dict], *, crawl_it: bool = True) -> Path:
    """Write ``posts`` as ``tweets/year=/month=/day=/`` Parquet and crawl the table."""
    root = settings.lake / "tweets"
    table = pa.Table.from_pylist(posts)
    pq.write_to_dataset(table, root, partition_cols=["year", "month", "day"])
    if crawl_it:
        crawl(settings, "tweets")
    return root


def expected_totals(posts: list[dict]) -> dict[tuple[date, str], int]:
    """Distinct posts per (day, Athlete name), computed in Python."""
    seen: set[tuple[date, str, str]] = set()
    for p in posts:
        day = date(int(p["year"]), int(p["month"]), int(p["day"]))
        for ann in p["context_annotations"] or []:
            name = ann["entity"]["name"]
            if ann["domain"]["id"] == "60" and name is not None:
                seen.add((day, name, p["id"]))
    return dict(Counter((d, n) for d, n, _ in seen))


def output_totals(table: pa.Table) -> dict[tuple[date, str], int]:
    """``read_output`` rows as {(day, player): total}."""
    return {
        (date(r["year"], r["month"], r["day"]), r["player"]): r["total"] for r in table.to_pylist()
    }


D1, D2, D3 = date(2020, 3, 1), date(2020, 3, 2), date(2020, 3, 3)


def sample_posts() -> list[dict]:
    """Posts over two days: repeats, a player named twice in one post, a null name, a
    post without annotations, and names that need quoting."""
    return [
        post("1", D1, ["LeBron James", "Luka Dončić"]),
        post("2", D1, ["LeBron James", "LeBron James"]),
        post("3", D1, ['O\'Neal "Shaq", Jr.']),
        post("4", D1, [None]),
        post("5", D1, [], sport=True),
        post("6", D2, ["Luka Dončić"]),
        post("7", D2, ["LeBron James"], sport=False),
        post("8", D2, ["Luka Dončić"]),
    ]
