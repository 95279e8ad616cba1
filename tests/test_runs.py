"""Run records: lifecycle, failures, secrets never stored."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from courtside.config import Settings
from courtside.runs import RunRecorder


def test_run_lifecycle_counts_details_transitions(settings: Settings) -> None:
    recorder = RunRecorder(settings)
    with recorder.run("job", "dedupe", {"engine": "duckdb"}) as run:
        run.count("rows", 2)
        run.count("rows", 3)
        run.detail("partitions", ["year=2020/month=03/day=01"])
        run.transition("read")
    (record,) = recorder.list()
    assert (record.kind, record.name, record.status) == ("job", "dedupe", "succeeded")
    assert record.counts == {"rows": 5} and record.params == {"engine": "duckdb"}
    assert record.details["partitions"] == ["year=2020/month=03/day=01"]
    assert record.transitions[0]["state"] == "read"
    assert record.ended_at is not None and record.duration_s is not None
    assert record.started_at.tzinfo is not None


def test_failures_are_recorded_and_reraised_without_secrets(settings: Settings) -> None:
    recorder = RunRecorder(settings)
    params = {"bearer_token": "abc123", "password": SecretStr("pw"), "dsn": "x", "n": 1}
    with pytest.raises(RuntimeError), recorder.run("job", "load", params) as run:
        run.transition("connect", "failed", error="password=hunter2 rejected")
        raise RuntimeError("auth failed with Bearer abc123 for postgres://u:hunter2@h/db")
    (record,) = recorder.list(status="failed")
    text = repr(record)
    assert "abc123" not in text and "hunter2" not in text and "'pw'" not in text
    assert record.params["bearer_token"] == "<redacted>" and record.params["n"] == 1
    assert record.error is not None and record.error.startswith("RuntimeError: auth failed")


def test_parent_child_and_skip(settings: Settings) -> None:
    recorder = RunRecorder(settings)
    with recorder.run("workflow", "wf") as wf:
        with recorder.run("crawler", "tweets", parent=wf) as step:
            step.skip("dedupe failed")
    (child,) = recorder.list(parent_id=wf.id)
    assert child.status == "skipped" and child.details["skipped"] == "dedupe failed"
    assert [r.kind for r in recorder.list()] == ["crawler", "workflow"]
    assert recorder.list(kind="workflow")[0].status == "succeeded"
