"""Benchmark of the de-duplication job.

Builds a raw lake of generated records (30% duplicates) and measures, each in its own
process so peak RSS is per run:

* baseline: one hand-written DuckDB ``COPY (... QUALIFY row_number() ...)`` query;
* the DuckDB engine (full run, memory limit set, spilling allowed);
* the DuckDB engine, incremental run after adding 1% new raw data;
* the Spark engine (full run, session start included), unless ``--no-spark``.

Usage::

    .venv/bin/python benchmarks/bench_dedupe.py --records 1000000
    .venv/bin/python benchmarks/bench_dedupe.py --records 50000 --no-spark
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from courtside.generate.generator import GeneratorConfig, generate
from courtside.lake.layout import object_name, within
from courtside.records import loads, to_delivered
from courtside.reference.players import PlayersTable

START = datetime(2020, 3, 1, tzinfo=UTC)


def build_raw(
    lake: Path, records: int, days: int, per_file: int, seed: int, start: datetime
) -> tuple[int, list[Path]]:
    """Generate ``records`` records and write them as raw files.

    Returns:
        Bytes written and the files.
    """
    config = GeneratorConfig(
        seed=seed, count=records, duplicate_rate=0.3, span_s=days * 86400.0, start=start
    )
    buffers: dict[str, list[bytes]] = {}
    total = 0
    paths: list[Path] = []

    def flush(key: str) -> int:
        lines = buffers.pop(key)
        path = within(lake, f"raw/{key}/{object_name('bench', '.json')}")
        path.parent.mkdir(parents=True, exist_ok=True)
        data = b"".join(lines)
        path.write_bytes(data)
        paths.append(path)
        return len(data)

    for raw in generate(config, PlayersTable.default()):
        row = to_delivered(loads(raw))
        key = f"year={row['year']}/month={row['month']}/day={row['day']}"
        buffers.setdefault(key, []).append(orjson.dumps(row) + b"\n")
        if len(buffers[key]) >= per_file:
            total += flush(key)
    for key in list(buffers):
        total += flush(key)
    return total, paths


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children_peak_rss_mib() -> float:
    """Peak RSS of child processes still running (Spark's JVM), from /proc."""
    import psutil

    total = 0.0
    for proc in psutil.Process().children(recursive=True):
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) / 1024
    return total


def child(args: argparse.Namespace) -> None:
    """Run one measurement in this process and print JSON."""
    from courtside.config import load_settings

    home = Path(args.home)
    started = time.perf_counter()
    if args.child == "baseline":
        import duckdb

        out = home / "baseline-out"
        shutil.rmtree(out, ignore_errors=True)
        conn = duckdb.connect()
        conn.execute(f"SET memory_limit = '{args.memory_mib}MB'")
        conn.execute(f"SET temp_directory = '{home / 'baseline-tmp'}'")
        conn.execute("SET preserve_insertion_order = false")
        raw = home / "lake" / "raw"
        conn.execute(
            f"""COPY (
                SELECT * EXCLUDE (filename) FROM read_json('{raw}/*/*/*/*.json',
                    format = 'newline_delimited', filename = true)
                QUALIFY row_number() OVER (PARTITION BY id ORDER BY filename) = 1
            ) TO '{out}' (FORMAT parquet, PARTITION_BY (year, month, day))"""
        )
        seconds = time.perf_counter() - started
        rows = conn.sql(f"SELECT count(*) FROM read_parquet('{out}/*/*/*/*.parquet')").fetchall()
        print(json.dumps({"seconds": seconds, "rss_mib": _peak_rss_mib(), "rows": rows[0][0]}))
        return

    from courtside.batch.dedupe import run_dedupe
    from courtside.batch.duckdb_engine import DuckDBEngine
    from courtside.batch.engine import DedupeEngine

    settings = load_settings(home=home)
    engine: DedupeEngine
    if args.child == "spark":
        from courtside.batch.spark_dedupe import SparkEngine
        from courtside.engines.config import SparkSettings
        from courtside.engines.spark import spark_session

        # Session start is part of the measure.
        spark = spark_session(SparkSettings(driver_memory="4g"), app="courtside-dedupe")
        engine = SparkEngine(spark)
    else:
        engine = DuckDBEngine(memory_limit_mib=args.memory_mib, temp_dir=home / "duckdb-tmp")
    result = run_dedupe(settings, engine=engine, reset_bookmark=args.child != "incremental")
    seconds = time.perf_counter() - started
    rss = _peak_rss_mib() + (_children_peak_rss_mib() if args.child == "spark" else 0.0)
    if args.child == "spark":
        spark.stop()
    out = {"seconds": seconds, "rss_mib": rss, "rows": result.rows_out}
    out["files"] = result.files_processed
    print(json.dumps(out))


def measure(kind: str, home: Path, memory_mib: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", kind, "--home", str(home)]
    cmd += ["--memory-mib", str(memory_mib)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"{kind} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def reset_output(home: Path) -> None:
    shutil.rmtree(home / "lake" / "tweets", ignore_errors=True)
    (home / "lake" / "tweets").mkdir(parents=True)
    for name in ("bookmarks.db", "bookmarks.db-wal", "bookmarks.db-shm"):
        (home / "state" / name).unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-file", type=int, default=5000, help="records per raw file")
    parser.add_argument("--memory-mib", type=int, default=1024, help="DuckDB memory limit")
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--repeat", type=int, default=2, help="baseline/engine rounds")
    parser.add_argument("--workdir", default="/tmp/courtside-bench-dedupe")
    parser.add_argument("--keep", action="store_true", help="reuse an existing raw lake")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    home = Path(args.workdir)
    lake = home / "lake"
    if not (args.keep and (lake / "raw").exists()):
        shutil.rmtree(home, ignore_errors=True)
        from courtside.config import load_settings
        from courtside.home import init_home

        init_home(load_settings(home=home))
        t0 = time.perf_counter()
        size, _ = build_raw(lake, args.records, args.days, args.per_file, 42, START)
        print(
            f"raw lake: {args.records:,} records, {size / 2**20:,.0f} MiB"
            f" (generated in {time.perf_counter() - t0:.0f} s)"
        )
    n = args.records
    print(
        f"machine: {os.cpu_count()} CPUs (shared with other jobs), DuckDB limit"
        f" {args.memory_mib} MiB"
    )

    # The machine is shared: alternate baseline and engine, keep each one's best run.
    bases, fulls = [], []
    for _ in range(args.repeat):
        bases.append(measure("baseline", home, args.memory_mib))
        reset_output(home)
        fulls.append(measure("duckdb", home, args.memory_mib))
    base = min(bases, key=lambda m: m["seconds"])
    full = min(fulls, key=lambda m: m["seconds"])
    full["rss_mib"] = max(m["rss_mib"] for m in fulls)
    extra = max(1, n // 100)
    end = START + timedelta(days=args.days)
    _, added = build_raw(lake, extra, 1, args.per_file, 4242, end - timedelta(hours=12))
    inc = measure("incremental", home, args.memory_mib)
    for path in added:  # back to the same input for the Spark run (and --keep)
        path.unlink()
    spark = None
    if not args.no_spark:
        reset_output(home)
        spark = measure("spark", home, args.memory_mib)
    print(
        "all runs (s): baseline "
        + ", ".join(f"{m['seconds']:.1f}" for m in bases)
        + "; engine "
        + ", ".join(f"{m['seconds']:.1f}" for m in fulls)
    )

    def line(name: str, m: dict[str, float], records: int) -> str:
        return (
            f"{name:<34} {m['seconds']:8.1f} s {records / m['seconds']:>11,.0f} rec/s"
            f" {m['rss_mib']:>8,.0f} MiB  {int(m['rows']):>10,} rows"
        )

    print()
    print(f"{'run':<34} {'time':>10} {'throughput':>17} {'peak RSS':>12} {'output':>15}")
    print(line("baseline: hand-written DuckDB COPY", base, n))  # best of --repeat
    print(line("courtside DuckDB engine (full)", full, n))
    print(line(f"courtside DuckDB incremental (+{extra:,})", inc, extra))
    if spark:
        print(line("courtside Spark engine (full)", spark, n))
    print()
    print(
        f"DuckDB engine / baseline time: {full['seconds'] / base['seconds']:.2f}x (target <= 1.3x)"
    )
    if spark:
        ratio = spark["seconds"] / full["seconds"]
        print(f"Spark / DuckDB engine time:    {ratio:.2f}x (target >= 4x)")
    print(f"DuckDB engine peak RSS:        {full['rss_mib']:,.0f} MiB (target < 2048 MiB)")
    print(f"incremental / full time:       {inc['seconds'] / full['seconds']:.1%} (target < 10%)")


if __name__ == "__main__":
    main()
