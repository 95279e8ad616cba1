"""Benchmark: append to and read from the durable local stream.

Target (issue 2): at least 50,000 records/s each way. Prints figures; not a test.

    .venv/bin/python benchmarks/bench_stream.py --records 1000000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import machine

from courtside.stream.local import LocalStream


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=1000, help="bytes per record")
    parser.add_argument("--batch", type=int, default=1000, help="records per append_many")
    args = parser.parse_args()
    payload = b"x" * args.size
    print(f"machine: {machine()}")
    print(f"records: {args.records:,} x {args.size} B, batch {args.batch}")
    with tempfile.TemporaryDirectory() as tmp:
        with LocalStream(Path(tmp) / "s.db") as backend:
            started = time.perf_counter()
            for start in range(0, args.records, args.batch):
                n = min(args.batch, args.records - start)
                backend.append_many("tweets", [payload] * n)
            append_s = time.perf_counter() - started

            single = min(5000, args.records)
            started = time.perf_counter()
            for _ in range(single):
                backend.append("control", payload)
            single_s = time.perf_counter() - started

            consumer = backend.consumer("tweets", "bench")
            started = time.perf_counter()
            seen = 0
            while True:
                records = consumer.poll(5000)
                if not records:
                    break
                seen += len(records)
                consumer.commit()
            read_s = time.perf_counter() - started
    assert seen == args.records
    print(
        f"append (batches of {args.batch}, fsync per batch): "
        f"{args.records / append_s:,.0f} records/s  [target >= 50,000]"
    )
    print(f"append (one record per call, fsync each):      {single / single_s:,.0f} records/s")
    print(
        f"read (consumer poll 5000 + commit):             "
        f"{args.records / read_s:,.0f} records/s  [target >= 50,000]"
    )


if __name__ == "__main__":
    main()
