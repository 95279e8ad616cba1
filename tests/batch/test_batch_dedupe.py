"""The de-duplication job on DuckDB: one row per id, earliest delivery, bookmarks,
atomic partitions and bad input."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import orjson
import pytest
from batch_helpers import delivered, output_rows, write_lines, write_raw

from cli_runner_helpers import Courtside
from courtside.batch.dedupe import run_dedupe
from courtside.batch.duckdb_engine import DuckDBEngine
from courtside.batch.engine import DedupePlan, EngineResult, Splitter
from courtside.batch.errors import BatchError, JobBusyError
from courtside.batch.state import job_lock
from courtside.config import Settings, load_settings
from courtside.errors import LakeError
from courtside.generate.generator import GeneratorConfig
from courtside.lake.tables import committed_files
from courtside.runs import RunRecorder

DAY1 = "year=2020/month=03/day=01"


def _rows(count: int = 600, seed: int = 1) -> list[dict]:
    return delivered(GeneratorConfig(seed=seed, count=count, duplicate_rate=0.3, span_s=3 * 86400))


@pytest.mark.parametrize("fmt", ["parquet", "json"])
def test_one_row_per_id_and_the_earliest_delivery_wins(settings: Settings, fmt: str) -> None:
    rows = _rows()
    first = rows[0]
    changed = dict(first, text="a later re-delivery with other text")
    write_raw(settings.lake, rows, per_file=40)
    write_raw(settings.lake, [changed])  # a later file: must lose

    result = run_dedupe(settings, format=fmt)

    out = output_rows(settings.lake, fmt)
    ids = [r["id"] for r in out]
    assert len(ids) == len(set(ids)) == len({r["id"] for r in rows})
    by_id = {r["id"]: r for r in out}
    assert by_id[first["id"]]["text"] == first["text"]
    assert by_id[first["id"]]["year"] == first["year"]
    assert by_id[first["id"]]["context_annotations"][0]["domain"]["id"] == "11"
    assert result.rows_out == len(out)
    assert result.lines_in == len(rows) + 1
    assert result.rows_dropped == len(rows) + 1 - len(out)
    assert len(result.partitions) == 3


def test_bookmarks_process_only_new_files_and_a_rerun_changes_nothing(
    settings: Settings,
) -> None:
    rows = _rows(900)
    old_files = write_raw(settings.lake, rows[:500], per_file=50)
    first = run_dedupe(settings)
    assert first.files_new == len(old_files)

    # New files: fresh posts plus re-deliveries of posts already in tweets/.
    redelivered = [dict(r, text="redelivered") for r in rows[:20]]
    new_files = write_raw(settings.lake, rows[500:] + redelivered, per_file=50)
    second = run_dedupe(settings)
    assert second.files_new == len(new_files)
    out = output_rows(settings.lake)
    assert len(out) == len({r["id"] for r in rows})
    assert not any(r["text"] == "redelivered" for r in out)

    snapshot = {p: p.stat().st_mtime_ns for p in (settings.lake / "tweets").rglob("*")}
    third = run_dedupe(settings)
    assert third.files_new == 0 and third.rows_out == 0
    assert {p: p.stat().st_mtime_ns for p in (settings.lake / "tweets").rglob("*")} == snapshot

    rebuilt = run_dedupe(settings, reset_bookmark=True)
    assert rebuilt.files_new == len(old_files) + len(new_files)
    assert output_rows(settings.lake) == out


def test_empty_raw_zone_is_a_successful_no_op(settings: Settings) -> None:
    result = run_dedupe(settings)
    assert result.files_new == 0
    assert list((settings.lake / "tweets").iterdir()) == []
    record = RunRecorder(settings).get(result.run_id)
    assert record is not None and record.status == "succeeded"


def test_missing_lake_fails_clearly_and_is_recorded(tmp_path: Path) -> None:
    cfg = load_settings(home=tmp_path / "nowhere")
    with pytest.raises(LakeError, match="does not exist"):
        run_dedupe(cfg)
    (record,) = RunRecorder(cfg).list()
    assert record.status == "failed" and "does not exist" in (record.error or "")


class _DeletingEngine:
    """DuckDB, but one raw file disappears after the listing and before the read."""

    name = "duckdb"

    def __init__(self, victim: Path, temp_dir: Path) -> None:
        self.victim = victim
        self.inner = DuckDBEngine(temp_dir=temp_dir)

    def run(self, plan: DedupePlan, split: Splitter | None = None) -> EngineResult:
        self.victim.unlink()
        return self.inner.run(plan, split)

    def close(self) -> None:
        self.inner.close()


def test_a_file_deleted_between_listing_and_reading_is_skipped(settings: Settings) -> None:
    rows = _rows(300)
    files = write_raw(settings.lake, rows, per_file=100)
    victim = files[1]
    kept = {r["id"] for f in files if f != victim for r in orjson_lines(f)}
    result = run_dedupe(settings, engine=_DeletingEngine(victim, settings.state_dir / "tmp"))
    assert result.missing == [str(victim.relative_to(settings.lake))]
    assert {r["id"] for r in output_rows(settings.lake)} == kept
    assert result.files_processed == len(files) - 1


def orjson_lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_a_second_run_refuses_while_the_first_holds_the_lock(settings: Settings) -> None:
    write_raw(settings.lake, _rows(100))
    with job_lock(settings, "dedupe"), pytest.raises(JobBusyError, match="in progress"):
        run_dedupe(settings)
    (record,) = RunRecorder(settings).list()
    assert record.status == "failed" and "JobBusyError" in (record.error or "")
    assert run_dedupe(settings).files_new > 0  # the lock is free again


def test_two_processes_at_once_never_corrupt(courtside: Courtside, settings: Settings) -> None:
    write_raw(settings.lake, _rows(1500, seed=7), per_file=100)
    procs = [courtside.start("etl", "dedupe", home=settings.home) for _ in range(2)]
    outcomes = [(p.wait(timeout=120), p.stderr.read().decode()) for p in procs]  # type: ignore[union-attr]
    assert any(rc == 0 for rc, _ in outcomes)
    for rc, err in outcomes:
        assert rc == 0 or "another dedupe run is in progress" in err, err
    out = output_rows(settings.lake)
    assert len(out) == len({r["id"] for r in out}) > 0
    assert not (settings.lake / ".courtside-staging").exists()


def test_readers_never_see_half_a_partition(settings: Settings) -> None:
    """A reader that takes the partition's committed objects (the lake's table contract)
    sees the old version or the new one, never a mix, while runs replace it."""
    rows = _rows(400, seed=3)
    day1 = [r for r in rows if r["day"] == "01"]
    write_raw(settings.lake, day1[:100], per_file=100)
    run_dedupe(settings)
    lake = settings.places.lake
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        import duckdb

        conn = duckdb.connect()
        while not stop.is_set():
            files = [lake.engine_url(o.key) for o in committed_files(lake, f"tweets/{DAY1}")]
            try:
                seen.add(
                    conn.execute("SELECT count(*) FROM read_parquet(?)", [files]).fetchall()[0][0]
                )
            except duckdb.Error:  # the old version was deleted between listing and read
                continue

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(1, 4):
            write_raw(settings.lake, day1[100 * i : 100 * (i + 1)], per_file=100)
            run_dedupe(settings)
    finally:
        stop.set()
        reader.join()
    expected = {len({r["id"] for r in day1[: 100 * (i + 1)]}) for i in range(4)}
    assert seen and seen <= expected


def test_output_format_cannot_change_silently(settings: Settings) -> None:
    rows = _rows(200)
    write_raw(settings.lake, rows[:100])
    run_dedupe(settings, format="parquet")
    write_raw(settings.lake, rows[100:])
    with pytest.raises(BatchError, match="holds parquet files"):
        run_dedupe(settings, format="json")
    assert os.listdir(settings.lake / "tweets")


def test_heterogeneous_and_missing_nested_fields_are_read_not_quarantined(
    settings: Settings,
) -> None:
    lines = [
        {"id": "1", "year": "2020", "text": "no nested fields at all"},
        {
            "id": 2,  # a number where the API sends a string
            "context_annotations": [{"domain": {"id": "60", "extra": 1}, "entity": {"name": "X"}}],
            "entities": {"mentions": [{"username": "a"}], "unknown_kind": [{"a": 1}]},
            "users": [{"username": "u", "public_metrics": {"followers_count": 5}}],
            "brand_new_field": {"deep": [1, 2]},
        },
        {"id": "3", "context_annotations": None, "entities": {}, "users": []},
    ]
    write_lines(settings.lake, DAY1, [orjson.dumps(line) + b"\n" for line in lines])
    result = run_dedupe(settings)
    assert result.quarantined == {}
    out = {r["id"]: r for r in output_rows(settings.lake)}
    assert sorted(out) == ["1", "2", "3"]
    assert out["1"]["entities"] is None and out["1"]["day"] == "01"
    assert out["2"]["context_annotations"][0]["entity"]["name"] == "X"
    assert out["2"]["users"][0]["public_metrics"]["followers_count"] == 5
    assert out["3"]["users"] == []


def test_a_partition_written_before_commit_markers_is_read_and_replaced(
    settings: Settings,
) -> None:
    """A partition in the old layout (a ``part-0.parquet`` swapped in, no marker) counts
    whole as the current version, is merged with the new rows, and is replaced by a
    committed version (the old file deleted)."""
    rows = _rows(300, seed=5)
    day1 = [r for r in rows if r["day"] == "01"]
    write_raw(settings.lake, day1[:100], per_file=50)
    run_dedupe(settings)
    part = settings.lake / "tweets" / DAY1
    (data,) = part.glob("part-*.parquet")
    data.rename(part / "part-0.parquet")
    for marker in part.glob("_committed-*"):
        marker.unlink()
    old = output_rows(settings.lake)

    write_raw(settings.lake, day1[100:] + [dict(day1[0], text="redelivered")], per_file=50)
    result = run_dedupe(settings)

    out = output_rows(settings.lake)
    assert result.rows_existing == len(old)
    assert len(out) == len({r["id"] for r in out}) == len({r["id"] for r in day1})
    assert not any(r["text"] == "redelivered" for r in out)
    assert not (part / "part-0.parquet").exists()
    assert len(list(part.glob("_committed-*"))) == 1
