"""In CI (``CI=true``) a missing Java, Chromium or PostgreSQL fails the run at session start
with one message naming it and how to install it, and no test may skip; outside CI the
same tests skip with a reason. Each case runs pytest on a tiny test folder that uses the
suite's own ``conftest.py``."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from needs_helpers import NEEDS, need

TESTS = Path(__file__).resolve().parent
FAKE_PROGRAMS = ("chromium", "chromedriver", "openssl")


def _suite_copy(root: Path, body: str) -> Path:
    """A folder with the suite's conftest and helpers, and one test module ``body``."""
    root.mkdir()
    for path in (TESTS / "conftest.py", *TESTS.glob("*_helpers.py")):
        shutil.copy(path, root / path.name)
    (root / "pytest.ini").write_text("[pytest]\n")
    (root / "test_tiny.py").write_text(body)
    return root


def _bin_without_java(root: Path) -> Path:
    """A PATH folder holding (stand-ins for) every program the suite needs but Java."""
    folder = root / "bin"
    folder.mkdir()
    for name in FAKE_PROGRAMS:
        program = folder / name
        program.write_text("#!/bin/sh\nexit 0\n")
        program.chmod(0o755)
    return folder


def _pytest(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"HOME": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            folder,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, **env},
    )


NEEDS_JAVA = """
from needs_helpers import need

def test_spark_family():
    need("java")
"""


def test_ci_without_java_fails_at_session_start_naming_it(tmp_path: Path) -> None:
    folder = _suite_copy(tmp_path / "suite", NEEDS_JAVA)
    path = str(_bin_without_java(tmp_path))
    proc = _pytest(folder, CI="true", PATH=path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, out
    assert "CI=true, and this machine lacks" in out
    assert "- java (for the Spark and Flink tests)" in out
    assert "apt-get install -y openjdk-17-jre-headless" in out
    for present in FAKE_PROGRAMS:
        assert f"- {present} " not in out
    assert "test_spark_family" not in out and "passed" not in out  # nothing ran


def test_outside_ci_the_same_test_skips_with_the_reason(tmp_path: Path) -> None:
    folder = _suite_copy(tmp_path / "suite", NEEDS_JAVA)
    proc = _pytest(folder, PATH=str(_bin_without_java(tmp_path)), CI="false")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 skipped" in proc.stdout
    assert "needs java (`java` is not on PATH" in proc.stdout


def test_ci_without_postgresql_fails_naming_the_address(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = _suite_copy(tmp_path / "suite", "def test_nothing():\n    pass\n")
    proc = _pytest(folder, CI="true", PATH=str(_bin_without_java(tmp_path)), PGPORT=str(port))
    out = proc.stdout + proc.stderr
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, out
    assert "- postgresql (for the PostgreSQL warehouse, pipeline and dashboard tests): no " in out
    assert f"on 127.0.0.1:{port}" in out and "apt-get install -y postgresql" in out


def test_ci_fails_a_test_that_skips_anyway(tmp_path: Path) -> None:
    need(*NEEDS)  # with everything here, the session starts
    body = (
        "import pytest\n\n"
        "def test_skips():\n    pytest.skip('some reason')\n\n"
        "pytest.importorskip('no_such_module_courtside')\n"
    )
    folder = _suite_copy(tmp_path / "suite", body)
    import os

    proc = _pytest(folder, CI="true", PATH=os.environ["PATH"])
    out = proc.stdout + proc.stderr
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, out  # the module's collection failed
    assert "skipped in CI (CI=true), where nothing may skip" in out
    assert "no_such_module_courtside" in out

    folder = _suite_copy(tmp_path / "second", body.rsplit("\n\n", 1)[0] + "\n")
    proc = _pytest(folder, CI="true", PATH=os.environ["PATH"])
    out = proc.stdout + proc.stderr
    assert proc.returncode == pytest.ExitCode.TESTS_FAILED, out
    assert (
        "1 failed" in out and "skipped in CI (CI=true), where nothing may skip: some reason" in out
    )
