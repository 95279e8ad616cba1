"""``up --only`` accepts known components only; ``status`` shows the nightly scheduler."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from courtside.supervisor import COMPONENTS, components_for
from courtside.up_config import UpSettings


def _cli(home: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from courtside.cli import main; main()",
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
        deadline = time.monotonic() + 30
        while _nightly(home).get("status") != "scheduled":
            assert time.monotonic() < deadline, "the nightly scheduler never showed up"
            time.sleep(0.3)
        first = _nightly(home)
        assert first["next_run"] and first["last_exit_code"] is None and first["runs"] == 0
        deadline = time.monotonic() + 120
        while _nightly(home).get("last_exit_code") is None:
            assert time.monotonic() < deadline, "the nightly pipeline never finished"
            time.sleep(0.5)
        done = _nightly(home)
        assert done["runs"] >= 1 and done["last_exit_code"] == 0 and done["last_finished"]
        table = subprocess.run(
            _cli(home, "status"), capture_output=True, check=True, timeout=60, env=_env()
        ).stdout.decode()
        assert "nightly" in table and "every 2s" in table and "succeeded" in table
    finally:
        up.send_signal(signal.SIGINT)
        up.communicate(timeout=120)
    assert up.returncode == 0
    assert _nightly(home)["status"] == "stopped"
