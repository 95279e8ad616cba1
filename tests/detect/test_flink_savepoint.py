"""Stop the Flink detector with a savepoint at parallelism 1, restore it at parallelism 2:
the alerts equal the embedded engine's."""

from __future__ import annotations

from pathlib import Path

import pytest
from detect_helpers import append, core
from flink_helpers import (
    Detector,
    alerts_of,
    committed,
    embedded_alerts,
    flink_inputs,
    flink_state,
    get_json,
    make_home,
    wait_until,
)

pytestmark = [
    pytest.mark.flink,
    pytest.mark.slow,
]
pytest.importorskip("pyflink", reason="apache-flink (PyFlink) is not installed")


@pytest.mark.timeout(900)
def test_savepoint_at_parallelism_1_restored_at_parallelism_2(tmp_path: Path) -> None:
    tweets, control = flink_inputs()
    want = embedded_alerts(tmp_path, tweets, control)
    settings = make_home(tmp_path, "flink", control, [])
    half = len(tweets) // 2

    first = Detector(settings, "--stop-with-savepoint")
    first.running_job()
    append(settings, "tweets", tweets[:half])
    wait_until(lambda: committed(settings) >= half, "a checkpoint covering the first half")
    assert first.stop() == 0, first.output()
    savepoint = str(flink_state(settings)["savepoint"])
    assert (Path(savepoint) / "_metadata").is_file()
    assert f"savepoint: {savepoint}" in first.output()

    second = Detector(settings, "--from-savepoint", savepoint, "--parallelism", "2")
    job_id = second.running_job()
    assert flink_state(settings)["restored_from"] == savepoint
    job = get_json(f"http://127.0.0.1:{second.rest_port}/jobs/{job_id}")
    assert {vertex["parallelism"] for vertex in job["vertices"]} == {2}
    append(settings, "tweets", tweets[half:])
    wait_until(lambda: committed(settings) >= len(tweets), "a checkpoint covering the rest")
    assert second.stop() == 0, second.output()

    drain = Detector(settings, "--once", "--parallelism", "2")
    assert drain.proc.wait(300) == 0, drain.output()
    got = alerts_of(settings)
    keys = [(a["alert_id"], a["version"]) for a in got]
    assert len(keys) == len(set(keys)), "an alert was published twice"
    assert sorted(core(a) for a in got) == want
