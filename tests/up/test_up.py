"""``courtside up``: supervised components, restart after a crash, clean Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from cli_runner_helpers import COMMAND
from courtside.config import load_settings
from courtside.home import open_stream


def _cli(home: Path, *args: str) -> list[str]:
    return [
        *COMMAND,
        "--home",
        str(home),
        *args,
    ]


def _wait(cond: Callable[[], bool], what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _state(home: Path) -> dict:  # type: ignore[type-arg]
    try:
        return json.loads((home / "state" / "up.json").read_text())
    except (OSError, ValueError):
        return {}


def _raw_ids(home: Path) -> set[str]:
    ids = set()
    for path in (home / "lake" / "raw").rglob("*.json"):
        ids |= {orjson.loads(line)["id"] for line in path.read_bytes().splitlines()}
    return ids


def test_up_restarts_a_killed_component_and_stops_cleanly(tmp_path: Path) -> None:
    home = tmp_path / "home"
    # Buffers flush only on size or at shutdown: a clean stop must flush them.
    env = {**os.environ, "COURTSIDE_DELIVER__BUFFER_INTERVAL_S": "600"}
    subprocess.run(
        _cli(
            home,
            "generate",
            "-n",
            "300",
            "--start",
            "2020-03-01",
            "--out",
            str(tmp_path / "a.jsonl"),
        ),
        check=True,
        env=env,
    )
    up = subprocess.Popen(
        _cli(home, "up", "--only", "deliver"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(
            lambda: _state(home).get("components", {}).get("deliver", {}).get("pid"),
            "deliver to start",
        )
        first_pid = _state(home)["components"]["deliver"]["pid"]
        os.kill(first_pid, signal.SIGKILL)
        _wait(
            lambda: (
                _state(home)["components"]["deliver"]["restarts"] == 1
                and _state(home)["components"]["deliver"]["up_s"] > 2
            ),
            "the supervisor to restart deliver",
        )
        assert _state(home)["components"]["deliver"]["pid"] != first_pid

        settings = load_settings(home=home)
        lines = (tmp_path / "a.jsonl").read_bytes().splitlines()
        with open_stream(settings) as backend:
            backend.append_many("tweets", lines)
            time.sleep(2)
            assert backend.committed("tweets", "deliver") == 0, "nothing flushed before stop"
        up.send_signal(signal.SIGINT)
        out, _ = up.communicate(timeout=60)
        assert up.returncode == 0, out.decode()
        assert b"all components stopped" in out
        with open_stream(settings) as backend:
            assert backend.committed("tweets", "deliver") == backend.last_seq("tweets") == 300
        expected = {orjson.loads(line)["data"]["id"] for line in lines}
        assert _raw_ids(home) == expected
        assert _state(home)["running"] is False

        status = subprocess.run(_cli(home, "status", "--json"), capture_output=True, check=True)
        report = json.loads(status.stdout)
        assert report["supervisor_running"] is False
        assert {"component": "deliver", "running": False}.items() <= report["components"][0].items()
        assert {"stream": "tweets", "group": "deliver", "lag": 0} in report["lags"]
    finally:
        if up.poll() is None:
            up.kill()
