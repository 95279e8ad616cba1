"""Bad records are isolated row by row: one wrong-typed field costs one row (sent to the
error zone with its reason), never the whole raw file; only an unreadable file is
quarantined; the run says so in its status."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from batch_helpers import (
    ODD_BUT_READABLE,
    bad_lines,
    delivered,
    output_rows,
    write_lines,
    write_raw,
)

from cli_runner_helpers import Courtside
from courtside.batch import rows as rows_module
from courtside.batch.dedupe import run_dedupe
from courtside.batch.duckdb_engine import DuckDBEngine
from courtside.batch.workflow import run_workflow
from courtside.config import Settings
from courtside.generate.generator import GeneratorConfig
from courtside.runs import RunRecorder

DAY1 = "year=2020/month=03/day=01"


def _good_rows(count: int, seed: int = 1) -> list[dict[str, Any]]:
    rows = delivered(GeneratorConfig(seed=seed, count=count, duplicate_rate=0.0, span_s=3600))
    return [dict(r, year="2020", month="03", day="01") for r in rows]


def _mixed_file(settings: Settings, good: list[dict[str, Any]]) -> tuple[Path, dict[int, str]]:
    """One raw file: good rows with every bad and odd line spread among them; returns it
    and the expected code per (1-based) bad line number."""
    lines: list[bytes] = []
    expected: dict[int, str] = {}
    bad = list(bad_lines(good[0]).values())
    odd = list(ODD_BUT_READABLE.values())
    for i, row in enumerate(good):
        lines.append(orjson.dumps(row))
        if i < len(bad):
            lines.append(bad[i][0])
            expected[len(lines)] = bad[i][1]
        elif i - len(bad) < len(odd):
            lines.append(odd[i - len(bad)])
    return write_lines(settings.lake, DAY1, [line + b"\n" for line in lines]), expected


def _rejects(lake: Path) -> list[dict[str, Any]]:
    docs = []
    for path in sorted((lake / "errors").rglob("*.json")):
        assert path.parent.name == "error=dedupe-rejected"
        docs += [orjson.loads(line) for line in path.read_bytes().splitlines()]
    return docs


def test_bad_rows_are_rejected_one_by_one_and_the_good_rows_kept(settings: Settings) -> None:
    good = _good_rows(60)
    write_raw(settings.lake, good[30:], per_file=15)  # clean files next to the mixed one
    mixed, expected = _mixed_file(settings, good[:30])
    original = mixed.read_bytes().splitlines()

    result = run_dedupe(settings)

    assert result.quarantined == {}
    out = {r["id"]: r for r in output_rows(settings.lake)}
    assert {r["id"] for r in good} <= set(out)
    assert {"77", "d1", "u1", "m1"} <= set(out)
    assert out["d1"]["text"] == "last"  # the last of duplicate keys, as Spark reads it
    assert out["m1"]["users"][0]["username"] == "x"
    assert not {f"b{i}" for i in range(1, 10)} & set(out)

    rejects = _rejects(settings.lake)
    assert {r["lineNumber"]: r["errorCode"] for r in rejects} == expected
    for r in rejects:
        assert base64.b64decode(r["rawData"]) == original[r["lineNumber"] - 1]
        assert r["rawFile"] == str(mixed.relative_to(settings.lake)) and r["errorMessage"]
        assert r["runId"] == result.run_id
    by_line = {r["lineNumber"]: r["errorMessage"] for r in rejects}
    like_line = next(n for n, c in expected.items() if c == "WrongType")
    assert "public_metrics" in by_line[like_line] and "many" in by_line[like_line]
    errors_dir = settings.lake / "errors" / DAY1 / "error=dedupe-rejected"
    assert [p.name for p in errors_dir.iterdir()] == [mixed.name]

    assert result.status == "succeeded_with_rejects"
    assert result.rows_rejected == len(expected)
    assert result.rows_added == len(out)
    assert result.rows_dropped == 0
    record = RunRecorder(settings).get(result.run_id)
    assert record is not None and record.status == "succeeded_with_rejects"
    assert record.counts["rows_rejected"] == len(expected)
    assert record.counts["files_with_rejects"] == 1
    assert record.details["rejected"][str(mixed.relative_to(settings.lake))]["rows"] == len(
        expected
    )
    assert mixed.exists()  # the raw file stays where it was

    # Idempotent: nothing new; a full rebuild gives the same rows and the same rejects.
    assert run_dedupe(settings).files_new == 0
    rebuilt = run_dedupe(settings, reset_bookmark=True)
    assert {r["id"]: r for r in output_rows(settings.lake)} == out
    assert sorted((r["lineNumber"], r["rawData"]) for r in _rejects(settings.lake)) == sorted(
        (r["lineNumber"], r["rawData"]) for r in rejects
    )
    assert rebuilt.rows_rejected == len(expected)


def test_an_unreadable_file_is_still_quarantined_whole(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _good_rows(20)
    write_raw(settings.lake, good[:10], per_file=10)
    line = orjson.dumps(good[10])
    broken = write_lines(settings.lake, DAY1, [line + b"\n", line[:20] + b"\n"])
    real = rows_module.split_rows

    def failing_read(source: Path, cleaned: Path, conn: Any) -> Any:
        if source == broken:
            raise OSError(5, "Input/output error")
        return real(source, cleaned, conn)

    monkeypatch.setattr(rows_module, "split_rows", failing_read)
    result = run_dedupe(settings)
    rel = str(broken.relative_to(settings.lake))
    assert list(result.quarantined) == [rel]
    assert "Input/output error" in result.quarantined[rel]
    moved = settings.lake / "quarantine" / rel
    assert moved.exists() and not broken.exists()
    assert result.status == "succeeded_with_rejects"
    assert len(output_rows(settings.lake)) == 10


def test_many_bad_files_cost_a_bounded_number_of_attempts(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _good_rows(80)
    write_raw(settings.lake, good[:40], per_file=10)
    bad = list(bad_lines(good[0]).values())
    for i in range(8):
        write_lines(
            settings.lake,
            DAY1,
            [
                orjson.dumps(good[40 + i]) + b"\n",
                bad[i][0] + b"\n",
                orjson.dumps(good[48 + i]) + b"\n",
            ],
        )
    attempts = []
    real = DuckDBEngine._write

    def counting(self: DuckDBEngine, conn: Any, plan: Any, files: list[str]) -> None:
        attempts.append(len(files))
        real(self, conn, plan, files)

    monkeypatch.setattr(DuckDBEngine, "_write", counting)
    result = run_dedupe(settings)
    assert len(attempts) <= 3  # the failing run, one after the named file, the last
    assert result.rows_rejected == 8 and len(result.rejected) == 8
    assert len(output_rows(settings.lake)) == 56


def test_workflow_and_runs_say_succeeded_with_rejects(
    courtside: Courtside, settings: Settings
) -> None:
    good = _good_rows(20)
    _mixed_file(settings, good)
    result = run_workflow(settings)
    record = RunRecorder(settings).get(result.run_id)
    assert record is not None and record.status == "succeeded_with_rejects"
    assert record.counts["rows_rejected"] == result.dedupe.rows_rejected > 0
    assert record.transitions[0]["status"] == "succeeded_with_rejects"
    assert record.transitions[1] == {
        **record.transitions[1],
        "state": "crawl",
        "status": "succeeded",
    }

    def cli(*args: str) -> str:
        return courtside(*args, home=settings.home).stdout.decode()

    listed = cli("runs")
    assert "succeeded_with_rejects" in listed and "rows_rejected=" in listed
    only = json.loads(cli("runs", "--rejects", "--json"))
    assert {r["kind"] for r in only} == {"workflow", "job"}
    assert all(r["status"] == "succeeded_with_rejects" for r in only)


def test_dedupe_summary_says_what_each_number_is(courtside: Courtside, settings: Settings) -> None:
    good = _good_rows(30)
    write_raw(settings.lake, good[:20], per_file=20)
    run_dedupe(settings)
    # 10 new posts, 5 re-deliveries of posts already kept, 1 bad line: 16 lines.
    lines = [orjson.dumps(r) + b"\n" for r in good[20:] + good[:5]] + [b"[1]\n"]
    write_lines(settings.lake, DAY1, lines)
    out = courtside.invoke("etl", "dedupe", home=settings.home)
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "read 16 line(s) of 1 new raw file(s)" in text
    assert "10 new post(s) kept, 5 duplicate(s) dropped, 1 bad row(s) rejected" in text
    assert "the 1 partition(s) rewritten now hold 30 post(s)" in text
    assert "rejected 1 row(s)" in text and "error=dedupe-rejected" in text


def test_the_nightly_pipeline_says_succeeded_with_rejects_too(settings: Settings) -> None:
    from courtside.pipeline import run_nightly

    _mixed_file(settings, _good_rows(20))
    result = run_nightly(settings)
    record = RunRecorder(settings).get(result.run_id)
    assert record is not None and record.status == "succeeded_with_rejects"
    steps = {t["state"]: t["status"] for t in record.transitions}
    assert steps["workflow"] == "succeeded_with_rejects"
    assert steps["daily"] == steps["load"] == "succeeded"
