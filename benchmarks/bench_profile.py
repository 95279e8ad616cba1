"""Benchmark: ``courtside profile`` against a hand-written DuckDB ``SUMMARIZE``.

Target (issue 16): profiling a table takes at most twice as long as ``SUMMARIZE`` of the
same table in the same run. Builds a ``tweets`` table (Parquet, partitioned by day, the
dedupe job's columns) from generated posts, crawls it, then alternates rounds of both on
the whole table and on one day; prints the best round of each.

    .venv/bin/python benchmarks/bench_profile.py --posts 500000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import orjson
from _common import machine

from courtside.batch.dedupe_sql import POST_COLUMNS, duckdb_type
from courtside.catalog.crawler import crawl
from courtside.catalog.query import open_duckdb
from courtside.catalog.store import Catalog
from courtside.config import load_settings
from courtside.generate.generator import Generator, GeneratorConfig
from courtside.home import init_home
from courtside.places import Places
from courtside.profile import profile_table
from courtside.records import loads, to_delivered
from courtside.reference.players import PlayersTable


def build(home: Path, posts: int) -> None:
    settings = load_settings(home=home)
    init_home(settings)
    cfg = GeneratorConfig(count=posts, start=datetime(2020, 3, 1, tzinfo=UTC), span_s=3 * 86400)
    jsonl = home / "posts.jsonl"
    with jsonl.open("wb") as fh:
        for raw in Generator(cfg, PlayersTable.default()):
            fh.write(orjson.dumps(to_delivered(loads(raw))) + b"\n")
    columns = {name: duckdb_type(hive) for name, hive in POST_COLUMNS}
    columns |= {"year": "VARCHAR", "month": "VARCHAR", "day": "VARCHAR"}
    spec = ", ".join(f"'{n}': '{t}'" for n, t in columns.items())
    out = settings.lake / "tweets"
    duckdb.connect().execute(
        f"COPY (SELECT * FROM read_json('{jsonl}', format = 'newline_delimited',"
        f" columns = {{{spec}}})) TO '{out}' (FORMAT parquet, PARTITION_BY (year, month, day))"
    )
    jsonl.unlink()
    crawl(settings, "tweets")


def best(fn: object, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        started = time.perf_counter()
        build(home, args.posts)
        built_s = time.perf_counter() - started
        settings = load_settings(home=home)
        places = Places.for_home(home)
        catalog = Catalog(places.state("catalog.db"))
        con = open_duckdb(settings)
        day = date(2020, 3, 2)
        where = "WHERE year = '2020' AND month = '03' AND day = '02'"
        rows = con.execute("SELECT count(*) FROM twitter_nba_db.tweets").fetchone()
        results = []
        for label, summarize, profile in (
            (
                "whole table",
                lambda: con.execute("SUMMARIZE twitter_nba_db.tweets").fetchall(),
                lambda: profile_table(places, catalog, "tweets"),
            ),
            (
                f"one day ({day})",
                lambda: con.execute(
                    f"SUMMARIZE SELECT * FROM twitter_nba_db.tweets {where}"
                ).fetchall(),
                lambda: profile_table(places, catalog, "tweets", day=day),
            ),
        ):
            s = best(summarize, args.rounds)
            p = best(profile, args.rounds)
            results.append((label, s, p))
    print(machine())
    print(
        f"table: {rows[0] if rows else 0:,} posts, {len(POST_COLUMNS) + 3} columns"
        f" (built in {built_s:.1f}s)"
    )
    ok = True
    for label, s, p in results:
        ratio = p / s
        ok &= ratio <= 2.0
        print(f"{label:>24}: SUMMARIZE {s:6.2f}s   courtside profile {p:6.2f}s   ratio {ratio:.2f}")
    print(("meets" if ok else "MISSES") + " the target: profile <= 2 x SUMMARIZE")


if __name__ == "__main__":
    main()
