"""Every error is one line on stderr, piped or not; global options work for every
command; commands that only read need an existing home."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli_runner_helpers import Courtside
from courtside.cli._common import READ_ONLY_COMMANDS


def _one_error_line(proc: subprocess.CompletedProcess[bytes]) -> str:
    assert proc.returncode == 1, proc
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and "Traceback" not in lines[0]
    return lines[0]


def test_a_long_error_stays_one_line_when_piped(courtside: Courtside, tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 8)
    line = _one_error_line(courtside("runs", home=deep, ok=False, env={"COLUMNS": "40"}))
    assert len(line) > 200 and str(deep) in line and "courtside init" in line


@pytest.mark.parametrize(
    "env,expected",
    [
        ({"COURTSIDE_DETECT__WINDOW_S": "1e12"}, "detect.window_s"),
        ({"COURTSIDE_DETECT__WINDOW_S": "1e300"}, "detect.window_s"),
        ({"COURTSIDE_DELIVER__BUFFER_MIB": "nan"}, "deliver.buffer_mib"),
        ({"COURTSIDE_LAKE_ROOT": "gs://bucket/lake"}, "gs:// lake locations are not supported"),
        ({"COURTSIDE_HOME": "/proc/self"}, "/proc/"),
        ({"COURTSIDE_HOME": "/etc/hostname"}, "is not a folder"),
    ],
)
def test_bad_configuration_is_one_line(
    courtside: Courtside, env: dict[str, str], expected: str
) -> None:
    for args in (("deliver", "--once"), ("detect", "--once"), ("init",)):
        assert expected in _one_error_line(courtside(*args, env=env, ok=False))


def test_lake_root_url_writes_nothing_locally(courtside: Courtside, tmp_path: Path) -> None:
    env = {"COURTSIDE_LAKE_ROOT": "s3://bucket/lake"}
    courtside("deliver", "--once", home=tmp_path / "home", cwd=tmp_path, env=env, ok=False)
    assert not (tmp_path / "s3:").exists()


def test_an_unexpected_exception_is_one_line_and_debug_shows_it(
    courtside: Courtside, tmp_path: Path
) -> None:
    code = (
        "import courtside.cli.runs as r\n"
        "def boom(*a, **k):\n    raise ValueError('year 33658 is out of range')\n"
        "r.RunRecorder = boom\n"
        "import courtside.runs; courtside.runs.RunRecorder = boom\n"
        "from courtside.cli import main; main()\n"
    )
    home = tmp_path / "home"
    courtside("init", home=home)
    args = [sys.executable, "-c", code, "--home", str(home), "runs"]
    proc = subprocess.run(args, capture_output=True, timeout=60)
    line = _one_error_line(proc)
    assert "ValueError: year 33658" in line and "--debug" in line
    debug = subprocess.run([*args[:3], "--debug", *args[3:]], capture_output=True, timeout=60)
    assert b"Traceback" in debug.stderr


@pytest.mark.parametrize("command", sorted(READ_ONLY_COMMANDS))
def test_read_only_commands_need_an_existing_home(
    courtside: Courtside, tmp_path: Path, command: str
) -> None:
    extra = {
        "catalog describe": ["tweets"],
        "catalog partitions": ["tweets"],
        "sql": ["SELECT 1"],
        "streams tail": ["tweets"],
    }.get(command, [])
    typo = tmp_path / "courtsid-home"
    line = _one_error_line(courtside(*command.split(), *extra, home=typo, ok=False))
    assert "does not exist" in line and "courtside init" in line
    assert not typo.exists()


def test_log_file_for_every_command(courtside: Courtside, tmp_path: Path) -> None:
    home, log = tmp_path / "home", tmp_path / "logs" / "courtside.log"
    courtside("--log-file", str(log), "init", home=home)
    courtside("generate", "-n", "20", home=home)
    proc = courtside("--log-file", str(log), "deliver", "--once", home=home)
    text = log.read_text()
    assert "INFO courtside.deliver.service: delivery finished" in text
    assert b"delivery finished" not in proc.stderr  # stderr keeps its WARNING level
    bad = courtside("--log-file", str(tmp_path), "init", home=home, ok=False)
    assert "cannot open --log-file" in _one_error_line(bad)


def test_shell_completion(courtside: Courtside, tmp_path: Path) -> None:
    script = courtside("--show-completion", "bash").stdout.decode()
    assert "_COURTSIDE_COMPLETE=complete_bash" in script and "complete " in script
    for words, expected in (("courtside pla", ["players"]), ("courtside players ex", ["export"])):
        env = {"_COURTSIDE_COMPLETE": "complete_bash", "COMP_WORDS": words}
        env["COMP_CWORD"] = str(len(words.split()) - 1)
        assert courtside(env=env).stdout.decode().split() == expected


@pytest.mark.parametrize("bad", ["bogus", "JOB", ""])
def test_runs_refuses_an_unknown_kind(courtside: Courtside, tmp_path: Path, bad: str) -> None:
    home = tmp_path / "home"
    courtside("init", home=home)
    line = _one_error_line(courtside("runs", "--kind", bad, home=home, ok=False))
    assert "--kind" in line and "workflow" in line
    assert courtside("runs", "--kind", "job", "--json", home=home).stdout.strip() == b"[]"


@pytest.mark.parametrize(
    "args",
    [("runs", "--bogus"), ("streams", "tail"), ("nosuchcmd",), ("demo", "--posts", "5")],
    ids=["unknown-option", "missing-argument", "unknown-command", "out-of-range"],
)
def test_usage_errors_are_one_line_too(
    courtside: Courtside, tmp_path: Path, args: tuple[str, ...]
) -> None:
    proc = courtside(*args, home=tmp_path, ok=False, env={"COLUMNS": "40"})
    assert proc.returncode == 2
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--help'" in lines[0]


@pytest.mark.parametrize("command", [("load",), ("pipeline", "nightly")])
def test_a_bad_load_mode_is_one_line_before_anything_runs(
    courtside: Courtside, tmp_path: Path, command: tuple[str, ...]
) -> None:
    home = tmp_path / "home"
    proc = courtside(*command, "--mode", "append", home=home, ok=False)
    assert "--mode must be replace-days or truncate, got 'append'" in _one_error_line(proc)
    assert not (home / "runs").exists() and not (home / "warehouse.duckdb").exists()
