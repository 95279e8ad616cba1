"""The Spark engine gives the same rows as DuckDB (few tests: one shared session)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from batch_helpers import (
    ODD_BUT_READABLE,
    bad_lines,
    delivered,
    output_rows,
    reset_names,
    write_lines,
    write_raw,
)

from courtside.batch.dedupe import run_dedupe
from courtside.batch.duckdb_engine import DuckDBEngine
from courtside.batch.engine import DedupeEngine, DedupePlan, EngineResult
from courtside.batch.spark_dedupe import SparkEngine, run_standalone
from courtside.config import load_settings
from courtside.generate.generator import GeneratorConfig
from courtside.home import init_home

pytestmark = pytest.mark.spark


def _lake(home: Path, rows: list[dict[str, Any]]) -> Any:
    cfg = load_settings(home=home)
    init_home(cfg)
    write_raw(cfg.lake, rows, per_file=60)
    return cfg


def test_spark_and_duckdb_produce_the_same_rows(tmp_path: Path, spark: Any) -> None:
    rows = delivered(
        GeneratorConfig(seed=11, count=900, duplicate_rate=0.35, span_s=3 * 86400, legacy=True)
    )
    # The same id re-delivered with other content, in a later file of another day.
    moved = dict(rows[0], text="moved", day="03")
    first, second = rows[:600], rows[600:] + [moved]
    good = orjson.dumps(rows[1]) + b"\n"
    hostile = [
        [good, good[:30] + b"\n"],  # truncated line
        [good.replace(b'"text":"', b'"text":"\xff', 1)],  # not UTF-8
        [b'{"id": "x1", "entities": {"mentions": [{"start": "three"}]}}\n'],  # wrong type
    ]
    results = {}
    for engine in ("duckdb", "spark"):
        reset_names()
        cfg = _lake(tmp_path / engine, first)
        for lines in hostile:
            write_lines(cfg.lake, "year=2020/month=03/day=01", lines)
        chosen = SparkEngine(spark) if engine == "spark" else "duckdb"
        r1 = run_dedupe(cfg, engine=chosen)
        after_first = output_rows(cfg.lake)
        write_raw(cfg.lake, second, per_file=60)
        r2 = run_dedupe(cfg, engine=chosen)
        results[engine] = (r1, after_first, r2, output_rows(cfg.lake))

    d1, d_first, d2, d_out = results["duckdb"]
    s1, s_first, s2, s_out = results["spark"]
    assert d_first == s_first and len(d_first) > 0
    assert d_out == s_out
    assert len(d_out) == len({r["id"] for r in d_out}) == len({r["id"] for r in rows})
    assert {r["id"]: r["text"] for r in d_out}[rows[0]["id"]] == rows[0]["text"]
    # Bad lines are rejected one by one, the same ones on both engines.
    assert d1.quarantined == s1.quarantined == {}
    assert len(d1.rejected) == len(s1.rejected) == 3
    assert {k: v["rows"] for k, v in d1.rejected.items()} == {
        k: v["rows"] for k, v in s1.rejected.items()
    }
    assert (d1.rows_out, d2.rows_out, d2.rows_dropped) == (
        s1.rows_out,
        s2.rows_out,
        s2.rows_dropped,
    )


def test_both_engines_reject_the_same_rows_and_keep_the_same_values(
    tmp_path: Path, spark: Any
) -> None:
    good = [
        dict(r, year="2020", month="03", day="01")
        for r in delivered(GeneratorConfig(seed=4, count=40, duplicate_rate=0.0, span_s=3600))
    ]
    bad = bad_lines(good[0])
    # Lenient conversions both readers make in a file without any bad line...
    lenient = [
        b'{"id": "n1", "public_metrics": {"like_count": "12"}}',
        b'{"id": "n2", "possibly_sensitive": "true",'
        b' "geo": {"coordinates": {"coordinates": [1, "2.5"]}}}',
        b'{"id": "n3", "text": 17, "author_id": true}',
    ]
    results = {}
    for engine in ("duckdb", "spark"):
        reset_names()
        cfg = _lake(tmp_path / engine, good[:20])
        mixed = [orjson.dumps(r) + b"\n" for r in good[20:]]
        for i, (line, _) in enumerate(bad.values()):
            mixed.insert(2 * i, line + b"\n")
        mixed += [line + b"\n" for line in ODD_BUT_READABLE.values()]
        write_lines(cfg.lake, "year=2020/month=03/day=01", mixed)
        write_lines(cfg.lake, "year=2020/month=03/day=01", [line + b"\n" for line in lenient])
        # ...and the same lines in a file that also holds a bad line.
        write_lines(
            cfg.lake,
            "year=2020/month=03/day=01",
            [line.replace(b'"n', b'"q') + b"\n" for line in lenient] + [b"[1]\n"],
        )
        chosen = SparkEngine(spark) if engine == "spark" else "duckdb"
        result = run_dedupe(cfg, engine=chosen)
        rejects = sorted(
            (doc["lineNumber"], doc["errorCode"])
            for path in (cfg.lake / "errors").rglob("*.json")
            for doc in map(orjson.loads, path.read_bytes().splitlines())
        )
        results[engine] = (result, output_rows(cfg.lake), rejects)

    d, d_rows, d_rejects = results["duckdb"]
    s, s_rows, s_rejects = results["spark"]
    assert d_rows == s_rows
    assert d_rejects == s_rejects and len(d_rejects) == len(bad) + 1
    assert (d.rows_out, d.rows_rejected, d.status) == (s.rows_out, s.rows_rejected, s.status)
    by_id = {r["id"]: r for r in d_rows}
    for prefix in ("n", "q"):
        assert by_id[f"{prefix}1"]["public_metrics"]["like_count"] == 12
        assert by_id[f"{prefix}2"]["possibly_sensitive"] is True
        assert by_id[f"{prefix}2"]["geo"]["coordinates"]["coordinates"] == [1.0, 2.5]
        assert by_id[f"{prefix}3"]["text"] == "17"


def test_standalone_script_mode_rewrites_only_touched_partitions(
    tmp_path: Path, spark: Any
) -> None:
    rows = delivered(GeneratorConfig(seed=5, count=300, duplicate_rate=0.3, span_s=2 * 86400))
    cfg = _lake(tmp_path / "standalone", rows)
    # One bad line costs one line: the good line of the same file is kept.
    extra = dict(rows[0], id="extra-1")
    write_lines(
        cfg.lake,
        f"year={rows[0]['year']}/month={rows[0]['month']}/day={rows[0]['day']}",
        [orjson.dumps(extra) + b"\n", b'{"id": "bad", "users": {"username": "x"}}\n'],
    )
    out_uri = (cfg.lake / "tweets").as_uri()
    counts = run_standalone(spark, (cfg.lake / "raw").as_uri(), out_uri, "parquet")
    assert counts["partitions"] == 2
    assert (counts["files_with_rejects"], counts["rows_rejected"]) == (1, 1)
    out = output_rows(cfg.lake)
    assert len(out) == len({r["id"] for r in rows}) + 1
    assert "extra-1" in {r["id"] for r in out} and "bad" not in {r["id"] for r in out}
    assert not (cfg.lake / ".courtside-staging").exists() or not any(
        (cfg.lake / ".courtside-staging").iterdir()
    )
    assert run_standalone(spark, (cfg.lake / "raw").as_uri(), out_uri, "parquet")["files"] > 0
    assert output_rows(cfg.lake) == out  # idempotent


def test_spark_sql_sees_the_same_catalog_tables_as_duckdb(tmp_path: Path, spark: Any) -> None:
    from courtside.catalog.crawler import crawl
    from courtside.catalog.query import open_duckdb, register_spark
    from courtside.catalog.store import Catalog

    rows = delivered(GeneratorConfig(seed=9, count=200, duplicate_rate=0.3, span_s=2 * 86400))
    cfg = _lake(tmp_path / "sql", rows)
    run_dedupe(cfg)
    crawl(cfg)
    assert register_spark(spark, Catalog.open(cfg)) == ["twitter_nba_db.tweets"]
    query = (
        "SELECT day, count(*) AS n, count(DISTINCT id) AS ids FROM twitter_nba_db.tweets"
        " WHERE year = '2020' GROUP BY day ORDER BY day"
    )
    on_spark = [tuple(r) for r in spark.sql(query).collect()]
    assert on_spark == open_duckdb(cfg).sql(query).fetchall()
    assert len(on_spark) == 2


def test_both_engines_return_the_same_typed_result(tmp_path: Path, spark: Any) -> None:
    rows = delivered(GeneratorConfig(seed=3, count=120, duplicate_rate=0.3, span_s=2 * 86400))
    results: dict[str, EngineResult] = {}
    staged: dict[str, list[dict[str, Any]]] = {}
    for name in ("duckdb", "spark"):
        reset_names()
        cfg = _lake(tmp_path / name, rows)
        files = [str(p) for p in write_raw(cfg.lake, rows[:30], per_file=15)]
        files += sorted(str(p) for p in (cfg.lake / "raw").rglob("*.json") if str(p) not in files)
        staging = cfg.lake / "tweets"
        plan = DedupePlan(tuple(files), (), (), str(staging), "parquet")
        engine: DedupeEngine = (
            SparkEngine(spark) if name == "spark" else DuckDBEngine(temp_dir=tmp_path / "tmp")
        )
        results[name] = engine.run(plan)
        staged[name] = output_rows(cfg.lake)
    assert type(results["duckdb"]) is type(results["spark"]) is EngineResult
    assert results["duckdb"] == results["spark"] == EngineResult()
    assert staged["duckdb"] == staged["spark"]
    assert len(staged["spark"]) == len({r["id"] for r in rows})
