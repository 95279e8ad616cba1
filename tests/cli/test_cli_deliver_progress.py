"""``courtside deliver`` in follow mode shows progress while it runs, not only at exit."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from pathlib import Path

from cli_runner_helpers import Courtside
from courtside.cli.deliver import progress_line
from courtside.deliver.service import DeliveryReport


def _read_until(proc: subprocess.Popen[bytes], needle: bytes, timeout_s: float) -> bytes:
    assert proc.stderr is not None
    os.set_blocking(proc.stderr.fileno(), False)
    seen = b""
    sel = selectors.DefaultSelector()
    sel.register(proc.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout_s
    while needle not in seen:
        assert time.monotonic() < deadline, f"no {needle!r} in {seen.decode()!r}"
        if sel.select(timeout=0.2):
            seen += proc.stderr.read() or b""
    return seen


def test_follow_mode_prints_progress_periodically(courtside: Courtside, tmp_path: Path) -> None:
    home = tmp_path / "home"
    courtside("init", home=home)
    env = {"COURTSIDE_DELIVER__BUFFER_INTERVAL_S": "1"}
    proc = courtside.start("deliver", "--progress-s", "0.3", home=home, env=env)
    try:
        _read_until(proc, b"following the tweets stream", 30)
        courtside("generate", "-n", "120", "--start", "2020-03-01", "--span-h", "30", home=home)
        seen = _read_until(proc, b"deliver: 120 records read", 30)
        # After the 1 s buffer interval the files are written and committed.
        seen += _read_until(proc, b"dropped); 0 behind (not yet committed)", 30)
        progress = [ln for ln in seen.decode().splitlines() if "records read" in ln]
        assert progress[-1].endswith("committed up to seq 120")
        assert "files written" in progress[-1] and "open partitions" in progress[-1]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert b"delivered 120" in out


def test_progress_line_names_every_figure() -> None:
    report = DeliveryReport(records=1200, delivered=1100, failed=60, dropped=40, files=7)
    report.open_partitions, report.committed_seq = 3, 900
    assert progress_line(report, behind=300) == (
        "deliver: 1,200 records read (1,100 delivered, 60 failed, 40 dropped); 300 behind "
        "(not yet committed); 3 open partitions; 7 files written; committed up to seq 900"
    )


def test_once_prints_no_progress_lines(courtside: Courtside, tmp_path: Path) -> None:
    home = tmp_path / "home"
    courtside("init", home=home)
    courtside("generate", "-n", "30", home=home)
    proc = courtside("deliver", "--once", home=home)
    assert b"records read" not in proc.stderr and b"delivered 30" in proc.stdout
