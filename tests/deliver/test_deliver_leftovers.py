"""A kill -9 in the middle of writing a file leaves its temporary file behind; the next
delivery removes it, and never a file another writer or a running process is writing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from deliver_helpers import raw_rows

from courtside.config import Settings
from courtside.deliver.service import deliver
from courtside.deliver.writer import STALE_S, LakeWriter
from courtside.home import open_stream
from courtside.lake.local import LocalLake

# Runs `courtside deliver` with every fsync hanging, so a temporary file stays on disk.
_HANGING_DELIVERY = """
import os, sys, time
os.fsync = lambda fd: time.sleep(600)
from courtside.cli import main
sys.argv = ["courtside", "--home", sys.argv[1], "deliver", "--once"]
main()
"""


def _records(n: int) -> list[bytes]:
    return [
        orjson.dumps({"data": {"id": str(i), "text": "t", "created_at": "2020-03-01T10:00:00Z"}})
        for i in range(n)
    ]


def _temporaries(lake: Path) -> list[Path]:
    return sorted(p for p in lake.rglob(".*.tmp"))


def test_kill_9_while_writing_then_restart_removes_the_temporary_file(
    home: Path, settings: Settings
) -> None:
    records = _records(300)
    with open_stream(settings) as backend:
        backend.append_many("tweets", records)
    proc = subprocess.Popen(
        [sys.executable, "-c", _HANGING_DELIVERY, str(home)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not _temporaries(settings.lake):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
            assert time.monotonic() < deadline, "no temporary file appeared"
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    (left,) = _temporaries(settings.lake)
    assert left.name.startswith(".courtside-deliver-")
    assert left.name.endswith(f".{proc.pid}.tmp")

    # Files that are not leftovers of a delivery: kept.
    partition = settings.lake / "errors" / "year=2020" / "month=03" / "day=01"
    partition.mkdir(parents=True, exist_ok=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = (
            partition
            / f".courtside-deliver-20200301T000000000000Z-0123456789.json.{sleeper.pid}.tmp"
        )
        others = [
            running,
            partition / ".courtside-dedupe-20200301T000000000000Z-0123456789.json.tmp",
            partition / ".detect-detect-20200301T000000000000Z-0123456789.json.pending",
            partition / ".courtside-deliver-notes.tmp",
        ]
        for path in others:
            path.write_bytes(b"in progress")
        report = deliver(settings, once=True)
        assert report.leftovers_removed == 1
        assert not left.exists()
        assert all(path.exists() for path in others)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert sorted(r["id"] for r in raw_rows(settings.lake)) == sorted(str(i) for i in range(300))


@pytest.mark.parametrize(
    ("name", "age_s", "removed"),
    [
        (".courtside-deliver-20200301T000000000000Z-0123456789.json.tmp", STALE_S + 60, True),
        (".courtside-deliver-20200301T000000000000Z-0123456789.json.gz.tmp", STALE_S + 60, True),
        (".courtside-deliver-20200301T000000000000Z-0123456789.json.tmp", 5, False),
        (f".courtside-deliver-20200301T000000000000Z-0123456789.json.{os.getpid()}.tmp", 5, False),
        (
            f".courtside-deliver-20200301T000000000000Z-0123456789.json.{os.getpid()}.tmp",
            STALE_S + 60,
            True,
        ),
        (".courtside-deliver-20200301T000000000000Z-0123456789.json", STALE_S + 60, False),
    ],
    ids=["no-pid-old", "gzip-no-pid-old", "no-pid-recent", "live-pid", "live-pid-old", "final"],
)
def test_which_temporary_files_count_as_leftovers(
    tmp_path: Path, name: str, age_s: float, removed: bool
) -> None:
    path = tmp_path / "original-data" / "year=2020" / "month=03" / "day=01" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(b"x")
    old = time.time() - age_s
    os.utime(path, (old, old))
    assert LakeWriter(LocalLake(tmp_path)).remove_leftovers() == int(removed)
    assert path.exists() is not removed
