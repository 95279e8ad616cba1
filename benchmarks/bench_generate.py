"""Benchmark: the generator's speed (records/s, one core), as `courtside demo` drives it.

Two configurations, each timed over the whole iteration (JSON bytes included), best of
``--repeat`` runs, so a busy machine costs as little as possible:

* ``plain``: regular posts only;
* ``demo``: the demo's knobs (5% duplicates, 5% out of order, 0.5% late, 0.2% malformed,
  one tampering scenario per 5,000 posts) over 3 days.

.venv/bin/python benchmarks/bench_generate.py --records 200000
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime

from _common import machine

from courtside.generate import Generator, GeneratorConfig
from courtside.reference.players import PlayersTable

START = datetime(2024, 3, 1, tzinfo=UTC)


def _configs(count: int) -> dict[str, GeneratorConfig]:
    return {
        "plain": GeneratorConfig(seed=3, count=count, start=START, span_s=86_400.0),
        "demo": GeneratorConfig(
            seed=42,
            count=count,
            start=START,
            span_s=3 * 86_400.0,
            duplicate_rate=0.05,
            out_of_order_rate=0.05,
            late_rate=0.005,
            malformed_rate=0.002,
            tampering=max(3, count // 5_000),
        ),
    }


def _run(config: GeneratorConfig, players: PlayersTable) -> tuple[float, int]:
    started = time.perf_counter()
    size = 0
    for record in Generator(config, players):
        size += len(record)
    return time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(f"machine: {machine()}")
    players = PlayersTable.default()
    for name, config in _configs(args.records).items():
        best, size = min(_run(config, players) for _ in range(args.repeat))
        print(
            f"  {name:5s}: {args.records:,} records in {best:.2f} s = "
            f"{args.records / best:,.0f} records/s, {size / args.records:,.0f} bytes/record "
            f"(best of {args.repeat}, one core)"
        )


if __name__ == "__main__":
    main()
