"""Helpers for warehouse tests: write daily output into the lake, read the warehouse."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from courtside.config import Settings
from courtside.job.output import SENTIMENT_ZONE, day_dir
from courtside.lake.layout import object_name, write_atomic
from courtside.warehouse.loader import open_warehouse


def write_day(settings: Settings, day: date, totals: dict[str, int]) -> None:
    """The daily job's output of one day (an empty dict: a computed day without rows)."""
    folder = day_dir(settings.lake, day)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    if totals:
        lines = [orjson.dumps({"player": p, "total": t}) + b"\n" for p, t in totals.items()]
        write_atomic(folder / object_name("players_total_tweets", ".json"), lines)


def write_sentiment_day(settings: Settings, day: date, rows: list[dict[str, Any]]) -> None:
    """The daily job's ``players_daily_sentiment/`` output of one day."""
    folder = day_dir(settings.lake, day, SENTIMENT_ZONE)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    if rows:
        lines = [orjson.dumps(r) + b"\n" for r in rows]
        write_atomic(folder / object_name(SENTIMENT_ZONE, ".json"), lines)


def rows(settings: Settings) -> list[tuple[object, ...]]:
    """Every warehouse row, sorted."""
    with open_warehouse(settings) as warehouse:
        result = warehouse.query(
            "SELECT year, month, day, player, total FROM playerstotaltweets"
            " ORDER BY year, month, day, player",
            max_rows=1_000_000,
        )
    return result.rows


def pg_execute(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Run one statement on PostgreSQL outside courtside (autocommit)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall() if cur.description else []
