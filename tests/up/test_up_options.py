"""``up --only`` accepts known components only; ``status`` shows the nightly scheduler."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from cli_runner_helpers import COMMAND
from courtside.cli.up import _last_result, _nightly_row
from courtside.supervisor import COMPONENTS, components_for
from courtside.up_config import UpSettings


def _cli(home: Path, *args: str) -> list[str]:
    return [
        *COMMAND,
        "--home",
        str(home),
        *args,
    ]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("COURTSIDE_")}


@pytest.mark.parametrize("only", ["bogus", "Deliver", "deliver,detect", ""])
def test_up_refuses_an_unknown_component_before_starting_anything(
    tmp_path: Path, only: str
) -> None:
    home = tmp_path / "home"
    proc = subprocess.run(
        _cli(home, "up", "--only", "deliver", "--only", only),
        capture_output=True,
        timeout=60,
        env=_env(),
    )
    assert proc.returncode == 1
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1 and "is not a component" in lines[0] and "nightly" in lines[0]
    assert not (home / "state" / "up.json").exists()


def test_only_names_exactly_the_components_whatever_the_switches() -> None:
    off = UpSettings(enable_delivery=False, enable_quicksight=False)
    assert [c.name for c in components_for(off, ["dashboard", "deliver"])] == [
        "deliver",
        "dashboard",
    ]
    assert "deliver" not in [c.name for c in components_for(off)]
    assert {c.name for c in components_for(UpSettings(), COMPONENTS)} == set(COMPONENTS)


def test_up_nightly_interval_option_is_validated(tmp_path: Path) -> None:
    proc = subprocess.run(
        _cli(tmp_path / "home", "up", "--nightly-interval-s", "inf"),
        capture_output=True,
        timeout=60,
        env=_env(),
    )
    assert proc.returncode == 1 and b"--nightly-interval-s" in proc.stderr


def test_nightly_row_shows_schedule_and_last_result() -> None:
    now = time.time()
    base = {"enabled": True, "interval_s": 3600.0, "next_run": now + 60, "runs": 0}
    me = os.getpid()  # a live pid stands for a running supervisor
    row = _nightly_row({"running": True, "pid": me, "nightly": {**base, "running": False}})
    assert row is not None and row["status"] == "scheduled" and row["next_run"]
    assert row["last_exit_code"] is None and _last_result(row) == "no run yet"
    last = {"exit_code": 1, "finished": now - 5}
    running = {**base, "running": True, "pid": me, "runs": 2, "last": last}
    row = _nightly_row({"running": True, "pid": me, "nightly": running})
    assert row is not None and row["status"] == "running" and row["pid"] == me
    assert row["next_run"] is None and "failed (exit 1)" in _last_result(row)
    off = _nightly_row({"running": True, "pid": me, "nightly": {**base, "enabled": False}})
    assert off is not None and off["status"] == "off" and not off["running"]
    gone = _nightly_row({"running": False, "pid": me, "nightly": base})
    assert gone is not None and gone["status"] == "stopped"
    assert _nightly_row({"components": {}}) is None  # an older up.json without it


def _status(home: Path) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(
        _cli(home, "status", "--json"), capture_output=True, check=True, timeout=60, env=_env()
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _nightly(home: Path) -> dict:  # type: ignore[type-arg]
    rows = [c for c in _status(home)["components"] if c["component"] == "nightly"]
    return rows[0] if rows else {}


@pytest.mark.slow
def test_status_lists_the_nightly_scheduler_with_next_run_and_last_result(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    subprocess.run(_cli(home, "init"), check=True, capture_output=True, env=_env())
    up = subprocess.Popen(
        _cli(home, "up", "--only", "nightly", "--nightly-interval-s", "2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=_env(),
    )
    try:
        deadline = time.monotonic() + 60
        first = _nightly(home)
        while first.get("status") not in ("scheduled", "running"):
            assert time.monotonic() < deadline, "the nightly scheduler never showed up"
            time.sleep(0.3)
            first = _nightly(home)
        assert first["interval_s"] == 2, first
        if first["status"] == "scheduled":  # a busy machine may already be running it
            assert first["next_run"] and first["pid"] is None, first
        deadline = time.monotonic() + 120
        while _nightly(home).get("last_exit_code") is None:
            assert time.monotonic() < deadline, "the nightly pipeline never finished"
            time.sleep(0.5)
        done = _nightly(home)
        assert done["runs"] >= 1 and done["last_exit_code"] == 0 and done["last_finished"], done
        table = subprocess.run(
            _cli(home, "status"), capture_output=True, check=True, timeout=60, env=_env()
        ).stdout.decode()
        assert "nightly" in table and "every 2s" in table and "succeeded" in table, table
    finally:
        up.send_signal(signal.SIGINT)
        out, _ = up.communicate(timeout=120)
    assert up.returncode == 0, out.decode()
    assert _nightly(home)["status"] == "stopped"


def test_flink_engine_is_started_and_its_web_ui_shown(tmp_path: Path, home: Path) -> None:
    comps = components_for(UpSettings(detect_engine="flink"))
    assert next(c for c in comps if c.name == "detect").args == ["detect", "--engine", "flink"]
    assert next(c for c in components_for(UpSettings()) if c.name == "detect").args == ["detect"]
    # The Flink runner writes state/flink.json once its job runs; status shows the address.
    job = {"rest_url": "http://127.0.0.1:38081", "job_id": "a1b2", "status": "RUNNING"}
    (home / "state" / "flink.json").write_text(json.dumps(job))
    assert _status(home)["flink"] == job
    shown = subprocess.run(
        _cli(home, "status"), capture_output=True, text=True, check=True, timeout=60, env=_env()
    ).stdout
    assert "Flink detector: web UI http://127.0.0.1:38081 (job a1b2, RUNNING)" in shown
    said: list[str] = []
    from courtside.supervisor import Supervisor

    sup = Supervisor(home, UpSettings(detect_engine="flink"), [], None, say=said.append)
    sup._announce_flink()
    sup._announce_flink()  # once per job
    assert said == ["Flink web UI: http://127.0.0.1:38081 (job a1b2)"]
