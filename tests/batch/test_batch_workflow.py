"""The workflow: dedupe then crawl, every run recorded, a failed step shown clearly."""

from __future__ import annotations

import pytest
from batch_helpers import delivered, write_raw

from cli_runner_helpers import Courtside
from courtside.batch.state import job_lock
from courtside.batch.workflow import WorkflowError, run_workflow
from courtside.catalog.store import Catalog
from courtside.config import Settings
from courtside.generate.generator import GeneratorConfig
from courtside.runs import RunRecorder


def test_workflow_success_runs_dedupe_then_crawl(settings: Settings) -> None:
    rows = delivered(GeneratorConfig(count=300, duplicate_rate=0.3, span_s=2 * 86400))
    write_raw(settings.lake, rows)
    result = run_workflow(settings)
    table = Catalog.open(settings).get_table("twitter_nba_db", "tweets")
    assert [c.name for c in table.partition_keys] == ["year", "month", "day"]
    assert len(Catalog.open(settings).partitions("twitter_nba_db", "tweets")) == 2
    recorder = RunRecorder(settings)
    wf = recorder.get(result.run_id)
    assert wf is not None and wf.status == "succeeded"
    assert [(t["state"], t["status"]) for t in wf.transitions] == [
        ("dedupe", "succeeded"),
        ("crawl", "succeeded"),
    ]
    steps = recorder.list(parent_id=result.run_id)
    assert sorted((s.kind, s.name, s.status) for s in steps) == [
        ("crawler", "tweets", "succeeded"),
        ("job", "dedupe", "succeeded"),
    ]


def test_workflow_failure_skips_the_crawl_and_runs_shows_it(
    courtside: Courtside, settings: Settings
) -> None:
    write_raw(settings.lake, delivered(GeneratorConfig(count=50)))
    with job_lock(settings, "dedupe"), pytest.raises(WorkflowError, match="step dedupe failed"):
        run_workflow(settings)
    recorder = RunRecorder(settings)
    (wf,) = recorder.list(kind="workflow")
    assert wf.status == "failed"
    assert [(t["state"], t["status"]) for t in wf.transitions] == [
        ("dedupe", "failed"),
        ("crawl", "skipped"),
    ]
    steps = {s.kind: s for s in recorder.list(parent_id=wf.id)}
    assert steps["job"].status == "failed" and "in progress" in (steps["job"].error or "")
    assert steps["crawler"].status == "skipped"
    assert Catalog.open(settings).tables() == []

    out = courtside.invoke("--home", str(settings.home), "runs", env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "FAILED" in out.output and "skipped" in out.output
    as_json = courtside.invoke("--home", str(settings.home), "runs", "--json")
    assert '"status": "failed"' in as_json.output


def test_etl_cli_dedupe_and_crawl(courtside: Courtside, settings: Settings) -> None:
    write_raw(settings.lake, delivered(GeneratorConfig(count=120, duplicate_rate=0.5)))
    home = ["--home", str(settings.home)]
    out = courtside.invoke(*home, "etl", "dedupe", "--format", "json")
    assert out.exit_code == 0, out.output
    assert "partition" in out.output
    out = courtside.invoke(*home, "etl", "crawl")
    assert out.exit_code == 0 and "created twitter_nba_db.tweets (json" in out.output
    out = courtside.invoke(*home, "catalog", "partitions", "tweets", "--json")
    assert '"values": ["2020", "03", "01"]' in out.output
    out = courtside.invoke(*home, "etl", "dedupe", "--engine", "nope")
    assert out.exit_code != 0
