"""Benchmark of the daily job and the warehouse load.

On the lake of the de-duplication benchmark (``bench_dedupe.build_raw``: generated
records, 30% duplicates, 30 days, then the workflow: dedupe + crawl), measures, each in
its own process so peak RSS is per run:

* the daily job for every day on the DuckDB engine (engine start included): both of its
  queries, the players total and the per-player daily sentiment (the lake is enriched by
  the dedupe step);
* the same on the Spark engine (session start included), unless ``--no-spark``; both
  engines' outputs (both queries) must be identical;
* ``courtside load`` into PostgreSQL of a synthesised ``players_total_tweets/`` of
  ``--load-rows`` rows (reading the lake, checking and COPY in one transaction), and the
  same rows into the DuckDB warehouse for comparison.

Usage::

    .venv/bin/python benchmarks/bench_daily.py --records 1000000
    .venv/bin/python benchmarks/bench_daily.py --records 20000 --load-rows 100000 --no-spark
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _common import machine
from bench_dedupe import START, _children_peak_rss_mib, build_raw

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _peak_rss_mib() -> float:
    """This process's peak RSS since it started (VmHWM: unlike ru_maxrss, it does not
    inherit the parent's peak across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(args: argparse.Namespace) -> None:
    """Run one measurement in this process and print JSON."""
    from courtside.config import load_settings

    settings = load_settings(home=Path(args.home))
    started = time.perf_counter()
    if args.child in ("duckdb", "spark"):
        from courtside.job.daily import run_days
        from courtside.job.output import read_output, read_sentiment_output
        from courtside.job.pending import input_days

        days = sorted(input_days(settings))
        batch = run_days(settings, days, engine=args.child)
        seconds = time.perf_counter() - started
        if not batch.ok:
            raise SystemExit(f"{args.child}: {batch.results[-1].error}")
        rss = _peak_rss_mib() + (_children_peak_rss_mib() if args.child == "spark" else 0.0)
        table = read_output(settings.lake)
        import pyarrow as pa

        sentiment = read_sentiment_output(settings.lake)
        for name, output in (("output", table), ("sentiment", sentiment)):
            out = Path(args.home) / f"{name}-{args.child}.arrow"
            with pa.OSFile(str(out), "wb") as sink, pa.ipc.new_file(sink, output.schema) as w:
                w.write_table(output)
        sentiment_rows = sum(r.sentiment_rows or 0 for r in batch.results)
        print(
            json.dumps(
                {
                    "seconds": seconds,
                    "rss_mib": rss,
                    "days": len(days),
                    "rows": batch.rows,
                    "sentiment_rows": sentiment_rows,
                }
            )
        )
        return
    from courtside.warehouse.loader import load

    target = args.child.removeprefix("load-")
    started = time.perf_counter()
    outcome = load(settings, target=target, url=args.url if target == "postgres" else None)
    seconds = time.perf_counter() - started
    assert outcome.stats is not None
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss_mib": _peak_rss_mib(),
                "rows": outcome.rows,
                "copy_seconds": outcome.stats.seconds,
            }
        )
    )


def measure(kind: str, home: Path, url: str = "") -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", kind, "--home", str(home), "--url", url]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"{kind} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def synthesise_output(home: Path, rows: int) -> int:
    """A ``players_total_tweets/`` of about ``rows`` rows (1,000 players a day)."""
    import duckdb

    days = max(1, rows // 1000)
    out = home / "lake" / "players_total_tweets"
    shutil.rmtree(out, ignore_errors=True)
    con = duckdb.connect()
    con.execute(
        f"""COPY (
            SELECT strftime(d, '%Y') AS year, strftime(d, '%m') AS month,
                   strftime(d, '%d') AS day, 'Player number ' || p AS player,
                   (p * 7 + epoch(d)::BIGINT) % 500 + 1 AS total
            FROM range(DATE '2000-01-01', DATE '2000-01-01' + INTERVAL {days} DAY,
                       INTERVAL 1 DAY) AS t(d), range(1000) AS q(p)
        ) TO '{out}' (FORMAT json, PARTITION_BY (year, month, day))"""
    )
    return days * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-file", type=int, default=5000, help="records per raw file")
    parser.add_argument("--load-rows", type=int, default=1_000_000)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--workdir", default="/tmp/courtside-bench-daily")
    parser.add_argument("--keep", action="store_true", help="reuse an existing lake")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    from courtside.config import load_settings
    from courtside.home import init_home

    print(f"machine: {machine()} (CPU shared with other jobs)")
    home = Path(args.workdir)
    if not (args.keep and (home / "lake" / "tweets").exists()):
        shutil.rmtree(home, ignore_errors=True)
        settings = load_settings(home=home)
        init_home(settings)
        t0 = time.perf_counter()
        size, _ = build_raw(home / "lake", args.records, args.days, args.per_file, 42, START)
        from courtside.batch.workflow import run_workflow

        result = run_workflow(settings)
        print(
            f"lake: {args.records:,} generated records ({size / 2**20:,.0f} MiB raw), "
            f"{result.dedupe.rows_out:,} posts in tweets/ after dedupe"
            f" (built in {time.perf_counter() - t0:.0f} s)"
        )
    shutil.rmtree(home / "lake" / "players_total_tweets", ignore_errors=True)
    shutil.rmtree(home / "lake" / "players_daily_sentiment", ignore_errors=True)

    duck = measure("duckdb", home)
    print(
        f"\ndaily job, both queries, all {duck['days']} days ({duck['rows']:,} players-total"
        f" rows, {duck['sentiment_rows']:,} sentiment rows):"
    )
    print(f"  duckdb engine : {duck['seconds']:7.2f} s  peak RSS {duck['rss_mib']:6.0f} MiB")
    if not args.no_spark:
        spark = measure("spark", home)
        print(
            f"  spark engine  : {spark['seconds']:7.2f} s  peak RSS {spark['rss_mib']:6.0f} MiB"
            " (driver + JVM)"
        )
        import pyarrow as pa

        same = all(
            pa.ipc.open_file(str(home / f"{name}-duckdb.arrow"))
            .read_all()
            .equals(pa.ipc.open_file(str(home / f"{name}-spark.arrow")).read_all())
            for name in ("output", "sentiment")
        )
        print(
            f"  speed-up      : {spark['seconds'] / duck['seconds']:7.1f}x (target >= 5x);"
            f" identical output: {same}"
        )

    load_home = home / "load"
    shutil.rmtree(load_home, ignore_errors=True)
    init_home(load_settings(home=load_home))
    rows = synthesise_output(load_home, args.load_rows)
    print(f"\nload of a synthesised players_total_tweets/ ({rows:,} rows, {rows // 1000} days):")
    import psycopg

    name = f"courtside_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        for kind in ("postgres", "duckdb"):
            first = measure(f"load-{kind}", load_home, url)
            again = measure(f"load-{kind}", load_home, url)  # replace-days, full table
            for label, m in (("empty table", first), ("replacing", again)):
                print(
                    f"  {kind:8} {label:11}: {m['rows'] / m['seconds']:>10,.0f} rows/s"
                    f" ({m['seconds']:.2f} s, transaction {m['copy_seconds']:.2f} s,"
                    f" peak RSS {m['rss_mib']:.0f} MiB)"
                )
        print("  target: PostgreSQL >= 100,000 rows/s")
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
