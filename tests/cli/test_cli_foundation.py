"""The CLI as a user runs it: init, generate, streams put/tail, deliver, players."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_runner_helpers import Courtside


def test_help_is_instant_and_lists_commands(courtside: Courtside, tmp_path: Path) -> None:
    run = functools.partial(courtside, home=tmp_path)
    started = time.monotonic()
    proc = run("--help")
    assert time.monotonic() - started < 5
    out = proc.stdout.decode()
    for command in ("init", "generate", "deliver", "streams", "players"):
        assert command in out
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, courtside.cli; "
            "print(sorted(m for m in ('pyspark', 'pyflink', 'streamlit') if m in sys.modules))",
        ],
        capture_output=True,
        check=True,
    )
    assert probe.stdout.strip() == b"[]", "heavy engines must load only in their commands"


def test_generate_put_deliver_tail(courtside: Courtside, tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = functools.partial(courtside, home=home)
    run("init")
    sample = tmp_path / "sample.jsonl"
    run(
        "generate",
        "-n",
        "200",
        "--start",
        "2020-03-01",
        "--span-h",
        "2",
        "--malformed",
        "0.05",
        "--out",
        str(sample),
    )
    lines = sample.read_bytes().split(b"\n")[:-1]
    assert len(lines) == 200
    run("streams", "put", "tweets", "-", stdin=sample.read_bytes())
    report = json.loads(run("deliver", "--once", "--json").stdout)
    assert report["records"] == 200 and report["delivered"] + report["failed"] == 200
    assert report["failed"] > 0 and report["files"] >= 3
    status = json.loads(run("streams", "--json").stdout)
    groups = {g["group"]: g for g in status["groups"]}
    assert groups["deliver"]["lag"] == 0
    tail = run("streams", "tail", "tweets", "-n", "3").stdout.split(b"\n")[:-1]
    assert tail == lines[-3:]


def test_generate_straight_into_the_stream_and_deterministic(
    courtside: Courtside, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    run = functools.partial(courtside, home=home)
    a = run("generate", "-n", "50", "--seed", "3", "--start", "2020-01-01", "--out", "-")
    b = run("generate", "-n", "50", "--seed", "3", "--start", "2020-01-01", "--out", "-")
    assert a.stdout == b.stdout and a.stdout.count(b"\n") == 50
    summary = json.loads(run("generate", "-n", "50", "--json").stdout)
    assert summary["records"] == 50 and summary["target"] == "stream:tweets"


def test_players_list_and_import(courtside: Courtside, tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = functools.partial(courtside, home=home)
    run("init")
    players = json.loads(run("players", "list", "--json").stdout)
    assert len({p["team"] for p in players}) == 30
    csv = tmp_path / "p.csv"
    csv.write_text("account,name,team\nKingJames,LeBron James,Los Angeles Lakers\n")
    run("players", "import", str(csv))
    assert len(json.loads(run("players", "list", "--json").stdout)) == 1
    csv.write_text("account,name,team\nbad handle,X,Y\n")
    proc = run("players", "import", str(csv), ok=False)
    assert proc.returncode == 1 and b"invalid account" in proc.stderr
    assert len(json.loads(run("players", "list", "--json").stdout)) == 1


@pytest.mark.parametrize("env_value", ["-5", "lots"])
def test_bad_config_is_one_clear_line(courtside: Courtside, tmp_path: Path, env_value: str) -> None:
    home = tmp_path / "home"
    run = functools.partial(courtside, home=home)
    home.mkdir()
    (home / "courtside.toml").write_text(f'[deliver]\nbuffer_mib = "{env_value}"\n')
    proc = run("deliver", "--once", ok=False)
    err = proc.stderr.decode()
    assert proc.returncode == 1
    assert "deliver.buffer_mib" in err and "Traceback" not in err
    debug = run("--debug", "deliver", "--once", ok=False)
    assert b"Traceback" in debug.stderr
