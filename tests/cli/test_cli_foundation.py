"""The CLI as a user runs it: init, generate, streams put/tail, deliver, players."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_runner_helpers import Courtside


def test_help_is_instant_and_lists_commands(courtside: Courtside, tmp_path: Path) -> None:
    started = time.monotonic()
    proc = courtside("--help", home=tmp_path)
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
    courtside("init", home=home)
    sample = tmp_path / "sample.jsonl"
    courtside(
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
        home=home,
    )
    lines = sample.read_bytes().split(b"\n")[:-1]
    assert len(lines) == 200
    courtside("streams", "put", "tweets", "-", home=home, stdin=sample.read_bytes())
    report = json.loads(courtside("deliver", "--once", "--json", home=home).stdout)
    assert report["records"] == 200 and report["delivered"] + report["failed"] == 200
    assert report["failed"] > 0 and report["files"] >= 3
    status = json.loads(courtside("streams", "--json", home=home).stdout)
    groups = {g["group"]: g for g in status["groups"]}
    assert groups["deliver"]["lag"] == 0
    tail = courtside("streams", "tail", "tweets", "-n", "3", home=home).stdout.split(b"\n")[:-1]
    assert tail == lines[-3:]


def test_generate_straight_into_the_stream_and_deterministic(
    courtside: Courtside, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    a = courtside(
        "generate", "-n", "50", "--seed", "3", "--start", "2020-01-01", "--out", "-", home=home
    )
    b = courtside(
        "generate", "-n", "50", "--seed", "3", "--start", "2020-01-01", "--out", "-", home=home
    )
    assert a.stdout == b.stdout and a.stdout.count(b"\n") == 50
    summary = json.loads(courtside("generate", "-n", "50", "--json", home=home).stdout)
    assert summary["records"] == 50 and summary["target"] == "stream:tweets"


def test_players_list_and_import(courtside: Courtside, tmp_path: Path) -> None:
    home = tmp_path / "home"
    courtside("init", home=home)
    players = json.loads(courtside("players", "list", "--json", home=home).stdout)
    assert len({p["team"] for p in players}) == 30
    csv = tmp_path / "p.csv"
    csv.write_text("account,name,team\nKingJames,LeBron James,Los Angeles Lakers\n")
    courtside("players", "import", str(csv), home=home)
    assert len(json.loads(courtside("players", "list", "--json", home=home).stdout)) == 1
    csv.write_text("account,name,team\nbad handle,X,Y\n")
    proc = courtside("players", "import", str(csv), home=home, ok=False)
    assert proc.returncode == 1 and b"invalid account" in proc.stderr
    assert len(json.loads(courtside("players", "list", "--json", home=home).stdout)) == 1


@pytest.mark.parametrize("env_value", ["-5", "lots"])
def test_bad_config_is_one_clear_line(courtside: Courtside, tmp_path: Path, env_value: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "courtside.toml").write_text(f'[deliver]\nbuffer_mib = "{env_value}"\n')
    proc = courtside("deliver", "--once", home=home, ok=False)
    err = proc.stderr.decode()
    assert proc.returncode == 1
    assert "deliver.buffer_mib" in err and "Traceback" not in err
    debug = courtside("--debug", "deliver", "--once", home=home, ok=False)
    assert b"Traceback" in debug.stderr
