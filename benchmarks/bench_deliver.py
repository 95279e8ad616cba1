"""Benchmark: delivery of generated records from the local stream into the lake.

Target (issue 2): >= 25,000 records/s on one core including the gzip backup, shown next to
a bare loop that only parses and re-serialises the same records with orjson; peak memory
under 400 MB and bounded by the buffering hints, not the input size. Prints figures.

    .venv/bin/python benchmarks/bench_deliver.py --records 1000000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import _common
import orjson
from _common import machine, run_cli

from courtside.config import load_settings
from courtside.generate import MALFORMED_KINDS, GeneratorConfig, generate
from courtside.home import init_home, open_stream
from courtside.reference.players import PlayersTable


def _fill(home: Path, count: int) -> tuple[int, float]:
    settings = load_settings(home=home)
    init_home(settings)
    cfg = GeneratorConfig(
        count=count,
        start=datetime(2020, 3, 1, tzinfo=UTC),
        span_s=7 * 86400,
        duplicate_rate=0.05,
        malformed_rate=0.001,
        malformed_kinds=tuple(k for k in MALFORMED_KINDS if k != "oversize"),
    )
    total = 0
    started = time.perf_counter()
    with open_stream(settings) as backend:
        batch: list[bytes] = []
        for record in generate(cfg, PlayersTable.default()):
            batch.append(record)
            total += len(record)
            if len(batch) == 5000:
                backend.append_many("tweets", batch)
                batch = []
        if batch:
            backend.append_many("tweets", batch)
    return total, time.perf_counter() - started


def _baseline(home: Path) -> tuple[int, float]:
    """Bare loop: read the same records, orjson parse and re-serialise, nothing else."""
    settings = load_settings(home=home)
    n = 0
    with open_stream(settings) as backend:
        started = time.perf_counter()
        after = 0
        while True:
            records = backend.read("tweets", after, 5000)
            if not records:
                break
            for rec in records:
                try:
                    orjson.dumps(orjson.loads(rec.data))
                except orjson.JSONDecodeError:
                    pass
                n += 1
            after = records[-1].seq
        return n, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    sizes = sorted({max(1000, args.records // 5), args.records})
    for count in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "home"
            total_bytes, fill_s = _fill(home, count)
            base_n, base_s = _baseline(home)
            elapsed, peak_mib, out = run_cli(home, "deliver", "--once", "--json")
            report = json.loads(out)
            assert report["records"] == count, report
            print(
                f"\n{count:,} records, {total_bytes / count:,.0f} B avg "
                f"({total_bytes / 2**20:,.0f} MiB; generated in {fill_s:.1f}s)"
            )
            print(f"  baseline orjson parse+dump loop: {base_n / base_s:>10,.0f} records/s")
            print(
                f"  courtside deliver --once:        {count / elapsed:>10,.0f} records/s "
                f"(whole process incl. start-up, one core; target >= 25,000)"
            )
            print(
                f"  courtside deliver, per CPU second: "
                f"{count / _common.last_cpu_s:>10,.0f} records/s "
                f"(user+system time of the process: what one core does when nothing else runs"
                f" on it; issue 16 target >= 20,000 with validation)"
            )
            print(f"  peak RSS of deliver:             {peak_mib:>10,.0f} MiB (target < 400)")
            print(
                f"  files {report['files']}, delivered {report['delivered']:,}, "
                f"failed {report['failed']:,}, bytes out {report['bytes_out'] / 2**20:,.0f} MiB"
            )


if __name__ == "__main__":
    main()
