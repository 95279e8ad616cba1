"""Benchmark: the Athlete annotator with the full roster, on one core.

Target (issue 3): at least 50,000 posts/s on one core with the full roster. Measured in
the same run for comparison: a naive annotator (one regex alternation of every name
and handle, searched over the folded text), and the whole collector path per record
(parse, annotate, validate, serialise). Prints figures; not a test.

    .venv/bin/python benchmarks/bench_annotate.py --records 200000
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import time
from collections.abc import Callable
from typing import Any

import orjson
from _common import machine, rss_mib

from courtside.collect.annotate import Annotator, fold_text
from courtside.generate import GeneratorConfig, generate
from courtside.records import post_of, to_delivered
from courtside.reference.players import PlayersTable

TARGET = 50_000
FILLER = (
    "what a game last night, the crowd was loud and the defense finally showed up",
    "cannot believe that buzzer beater, replay it ten more times please",
    "trade rumours everywhere again this week, nobody knows anything",
    "¡qué partido! la defensa estuvo increíble en el último cuarto",
    "Dončić et Jokić en feu ce soir, quelle soirée de basket",
    "",
)


def _posts(count: int, players: PlayersTable) -> list[dict[str, Any]]:
    rng = random.Random(7)
    posts = []
    for raw in generate(GeneratorConfig(count=count, seed=11), players):
        post = post_of(orjson.loads(raw))
        post.pop("context_annotations", None)
        post["text"] = f"{post['text']} {rng.choice(FILLER)}".strip()
        posts.append(post)
    return posts


def _naive(players: PlayersTable) -> Callable[[dict[str, Any]], int]:
    names = {fold_text(p.name): p.name for p in players}
    handles = {"@" + p.account.casefold(): p.name for p in players}
    alternation = "|".join(re.escape(k) for k in sorted({**names, **handles}, key=len)[::-1])
    pattern = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")
    lookup = {**names, **handles}

    def annotate(post: dict[str, Any]) -> int:
        found = dict.fromkeys(lookup[m] for m in pattern.findall(fold_text(post["text"])))
        if found:
            post["context_annotations"] = [
                {"domain": {"id": "60", "name": "Athlete"}, "entity": {"name": n}} for n in found
            ]
        return len(found)

    return annotate


def _rate(posts: list[dict[str, Any]], annotate: Callable[[dict[str, Any]], int]) -> float:
    for post in posts:
        post.pop("context_annotations", None)
    started = time.perf_counter()
    for post in posts:
        annotate(post)
    return len(posts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    players = PlayersTable.default()
    print(f"machine: {machine()} (pinned to one core)")
    print(f"roster: {len(players)} players; posts: {args.records:,}")
    posts = _posts(args.records, players)
    # The data set is held in memory only to feed the loop; keep the garbage collector
    # from re-scanning it all the time, as a collector's small live heap would.
    gc.collect()
    gc.freeze()
    mean_chars = sum(len(p["text"]) for p in posts) / len(posts)
    print(f"mean post length: {mean_chars:.0f} characters")

    started = time.perf_counter()
    annotator = Annotator(players)
    build_ms = (time.perf_counter() - started) * 1000
    rate = max(_rate(posts, annotator.annotate) for _ in range(3))
    hits = sum(1 for p in posts if "context_annotations" in p)
    naive = max(_rate(posts, _naive(players)) for _ in range(2))

    for post in posts:
        post.pop("context_annotations", None)
    raws = [orjson.dumps({"data": p}) for p in posts]
    started = time.perf_counter()
    for raw in raws:
        record = orjson.loads(raw)
        post = post_of(record)
        annotator.annotate(post)
        to_delivered(record)
        orjson.dumps(record)
    path_rate = len(raws) / (time.perf_counter() - started)

    print(f"annotator build:                {build_ms:,.1f} ms")
    print(f"annotator (courtside):          {rate:,.0f} posts/s  [target >= {TARGET:,}]")
    print(f"naive regex alternation:        {naive:,.0f} posts/s  [baseline, same run]")
    print(f"parse+annotate+check+serialise: {path_rate:,.0f} records/s")
    print(f"posts with an Athlete annotation: {hits / len(posts):.1%}")
    print(f"peak RSS: {rss_mib():,.0f} MiB")
    verdict = "meets" if rate >= TARGET else "MISSES"
    print(f"result: {verdict} the {TARGET:,} posts/s target")


if __name__ == "__main__":
    main()
