"""The Flink detector in follow mode (RocksDB state backend): its web UI names every
operator, and a kill -9 mid-stream followed by a restart from the checkpoint neither loses
nor repeats an alert."""

from __future__ import annotations

import urllib.request
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


def _exported_up_to(home: Path, seq: int) -> bool:
    folder = home / "state" / "flink" / "detect" / "input" / "tweets"
    return any(p.name.endswith(f"-{seq}.jsonl") for p in folder.glob("tweets-*.jsonl"))


@pytest.mark.timeout(900)
def test_kill_9_mid_stream_then_restart_from_the_checkpoint(tmp_path: Path) -> None:
    from courtside.detect.flink_job import OPERATORS

    tweets, control = flink_inputs()
    want = embedded_alerts(tmp_path, tweets, control)
    settings = make_home(tmp_path, "flink", control, [])
    cut1, cut2 = len(tweets) // 3, 2 * len(tweets) // 3

    detector = Detector(settings, state_backend="rocksdb")
    job_id = detector.running_job()
    append(settings, "tweets", tweets[:cut1])
    wait_until(lambda: committed(settings) >= cut1, "a checkpoint covering the first part")
    assert alerts_of(settings), "alerts are published while the job runs"

    # The REST API and web UI of the running job, on the configured 127.0.0.1 port.
    state = flink_state(settings)
    assert state["rest_url"] == f"http://127.0.0.1:{detector.rest_port}"
    job = get_json(f"{state['rest_url']}/jobs/{job_id}")
    assert job["state"] == "RUNNING"
    chains = " | ".join(vertex["name"] for vertex in job["vertices"])
    for name in OPERATORS.values():
        assert name in chains, f"operator {name!r} not in the job graph: {chains}"
    with urllib.request.urlopen(state["rest_url"] + "/", timeout=10) as page:  # noqa: S310
        assert b"<title>Apache Flink Web Dashboard</title>" in page.read()

    append(settings, "tweets", tweets[cut1:cut2])
    wait_until(lambda: _exported_up_to(settings.home, cut2), "the second part exported")
    detector.kill_9()  # the JVM first, then the detector: the second part is mid-stream
    assert cut1 <= committed(settings) < len(tweets)

    restarted = Detector(settings, state_backend="rocksdb")
    restarted.running_job()
    assert "/chk-" in str(flink_state(settings)["restored_from"])
    append(settings, "tweets", tweets[cut2:])
    wait_until(lambda: committed(settings) >= len(tweets), "a checkpoint covering everything")
    assert restarted.stop() == 0, restarted.output()

    # --once resumes from the checkpoint (same state backend) and fires what is open.
    drain = Detector(settings, "--once", state_backend="rocksdb")
    assert drain.proc.wait(300) == 0, drain.output()

    got = alerts_of(settings)
    keys = [(a["alert_id"], a["version"]) for a in got]
    assert len(keys) == len(set(keys)), "an alert was published twice"
    assert sorted(core(a) for a in got) == want
