"""Benchmark: `courtside demo` for 50,000 posts on a fresh home (target: under 60 s).

.venv/bin/python benchmarks/bench_demo.py --posts 50000
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from _common import machine, run_cli


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=50_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, peak_mib, out = run_cli(
            Path(tmp) / "home", "demo", "--posts", str(args.posts), "--json", one_core=False
        )
    summary = json.loads(out)
    print(
        f"courtside demo --posts {args.posts:,}: {elapsed:.1f} s wall (target < 60 s), "
        f"peak RSS {peak_mib:,.0f} MiB"
    )
    zones = summary["zones"]
    tweets, raw = zones["tweets"]["records"], zones["raw"]["records"]
    print(f"  alerts {len(summary['alerts'])}, tweets rows {tweets:,}, raw {raw:,}")


if __name__ == "__main__":
    main()
