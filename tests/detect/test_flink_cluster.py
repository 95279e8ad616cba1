"""The same detector job on a standalone Flink cluster (started from the scripts in the
apache-flink wheel), submitted with ``flink run -py``: the same alerts as the
mini-cluster."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import orjson
import pytest
from detect_helpers import core, roster
from flink_helpers import alerts_of, committed, flink_inputs, make_home, standalone_cluster

from cli_runner_helpers import Courtside

pytestmark = [
    pytest.mark.flink,
    pytest.mark.slow,
]
pytest.importorskip("pyflink", reason="apache-flink (PyFlink) is not installed")


@pytest.mark.timeout(900)
def test_flink_run_on_a_standalone_cluster_gives_the_mini_cluster_alerts(
    courtside: Courtside, tmp_path: Path
) -> None:
    from courtside.detect.flink_runner import run_flink

    tweets, control = flink_inputs()
    mini = make_home(tmp_path, "mini", control, tweets)
    report = run_flink(mini, players=roster())
    want = sorted(core(a) for a in alerts_of(mini))
    assert len(want) >= 6

    home = make_home(tmp_path, "cluster", control, tweets)
    printed = courtside("detect", "--engine", "flink", "--print-job", "--json", home=home.home)
    job = json.loads(printed.stdout)
    assert job["command"][1:3] == ["run", "-py"]
    assert committed(home) == 0, "--print-job commits nothing"
    with standalone_cluster(tmp_path / "flink-cluster") as env:
        proc = subprocess.run(job["command"], env=env, capture_output=True, timeout=600)
        assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    out = Path(job["out"].removeprefix("file://"))
    lines = [
        line.split(b"\t", 1)
        for path in sorted(out.glob("part-*"))
        for line in path.read_bytes().splitlines()
    ]
    got = [orjson.loads(doc) for tag, doc in lines if tag == b"alert"]
    assert sorted(core(a) for a in got) == want
    errors = [orjson.loads(doc)["code"] for tag, doc in lines if tag == b"error"]
    exported_errors = job["report"]["errors_by_code"]  # counted by the export
    assert len(errors) + sum(exported_errors.values()) == report.errors
    assert sum(1 for tag, _ in lines if tag == b"all") == report.evaluated
