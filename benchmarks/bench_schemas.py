"""Benchmark: validating delivered records against the registered ``raw`` schema.

Target (issue 16): delivery keeps >= 20,000 posts/s on one core with validation. The
delivery-style loop (``orjson.loads`` + ``to_delivered``) runs with and without the
validator in the same process, pinned to one core, alternating rounds; the best round of
each is printed.

    .venv/bin/python benchmarks/bench_schemas.py --records 200000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import machine

from courtside.generate.generator import Generator, GeneratorConfig
from courtside.records import loads, to_delivered
from courtside.reference.players import PlayersTable
from courtside.schemas import SchemaRegistry

TARGET_PER_S = 20_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    cfg = GeneratorConfig(
        count=args.records, start=datetime(2020, 3, 1, tzinfo=UTC), span_s=3 * 86400, tampering=20
    )
    lines = list(Generator(cfg, PlayersTable.default()))
    with tempfile.TemporaryDirectory() as tmp:
        validate = SchemaRegistry.at(Path(tmp)).validator("raw")
        bare, checked, invalid = [], [], 0
        for _ in range(args.rounds):
            started = time.perf_counter()
            for raw in lines:
                to_delivered(loads(raw))
            bare.append(len(lines) / (time.perf_counter() - started))
            started = time.perf_counter()
            invalid = 0
            for raw in lines:
                if validate(to_delivered(loads(raw))) is not None:
                    invalid += 1
            checked.append(len(lines) / (time.perf_counter() - started))
    best_bare, best_checked = max(bare), max(checked)
    print(machine())
    print(f"records: {len(lines):,} ({sum(map(len, lines)) / len(lines):.0f} bytes each), one core")
    print(f"loads + to_delivered:            {best_bare:>10,.0f} posts/s")
    print(
        f"loads + to_delivered + validate: {best_checked:>10,.0f} posts/s"
        f"  ({best_checked / best_bare:.0%} of the loop without validation)"
    )
    print(f"validation alone:                {1e6 / best_checked - 1e6 / best_bare:>10.1f} µs/post")
    print(f"invalid records: {invalid}")
    verdict = "meets" if best_checked >= TARGET_PER_S else "MISSES"
    print(f"{verdict} the target of {TARGET_PER_S:,} posts/s")


if __name__ == "__main__":
    main()
