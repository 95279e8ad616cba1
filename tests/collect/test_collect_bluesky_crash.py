"""kill -9 a Bluesky collector process mid-stream, restart it: it reconnects with the
saved cursor rewound, and no post is missing from the stream; SIGTERM stops it cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from collect_servers import Connection, FakeJetstream, jet_account, jet_identity, jet_post

from courtside.collect.bluesky import cursor_path, load_cursor
from courtside.config import load_settings
from courtside.home import open_stream
from courtside.records import loads, post_of, to_delivered

T0 = 1_725_911_162_000_000
STEP_US = 100_000  # events 0.1 s apart in Jetstream time
REWIND_S = 2.0


def _events() -> tuple[list[tuple[int, bytes]], set[str]]:
    frames: list[tuple[int, bytes]] = []
    wanted: set[str] = set()
    for i in range(400):
        time_us = T0 + i * STEP_US
        did = f"did:plc:user{i % 7:022d}"
        if i % 10 == 3:
            event: dict[str, Any] = jet_identity(time_us, did, f"user{i % 7}.bsky.social")
        elif i % 10 == 7:
            event = jet_account(time_us, did)
        elif i % 10 == 9:
            event = jet_post(time_us, f"p{i}", "nothing to see here", did=did)
        else:
            event = jet_post(time_us, f"p{i}", f"NBA post number {i}", did=did)
            wanted.add(f"NBA post number {i}")
        frames.append((time_us, json.dumps(event).encode()))
    return frames, wanted


def _start(home: Path, url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "COURTSIDE_BLUESKY__URL": url,
        "COURTSIDE_BLUESKY__REWIND_S": str(REWIND_S),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from courtside.cli import main; main()",
            "--home",
            str(home),
            "collect",
            "--source",
            "bluesky",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _texts(home: Path) -> list[str]:
    with open_stream(load_settings(home=home)) as backend:
        out = []
        for rec in backend.read("tweets", 0, 100_000):
            record = loads(rec.data)
            to_delivered(record)
            out.append(post_of(record)["text"])
        return out


def _wait(predicate: Any, timeout_s: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if proc.poll() is not None:
            raise AssertionError(f"collector exited early: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the collector")
        time.sleep(0.05)


def test_kill_9_then_resume_with_rewound_cursor(home: Path) -> None:
    frames, wanted = _events()
    cursor_file = cursor_path(load_settings(home=home).state_dir)
    connections = [Connection(pace_s=0.01), Connection(pace_s=0.001)]
    with FakeJetstream(frames, connections) as server:
        proc = _start(home, server.url)
        try:
            _wait(lambda: len(_texts(home)) >= 60 and cursor_file.exists(), 60, proc)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        saved = load_cursor(cursor_file)
        assert saved is not None and saved < frames[-1][0], "killed too late to prove anything"
        before = len(_texts(home))

        proc = _start(home, server.url)
        try:
            _wait(lambda: wanted <= set(_texts(home)), 60, proc)
            _wait(lambda: load_cursor(cursor_file) == frames[-1][0], 30, proc)
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        cursors = server.cursors()

    assert proc.returncode == 0, err.decode()
    assert cursors[0] is None
    assert cursors[1] == saved - int(REWIND_S * 1_000_000)
    texts = _texts(home)
    assert wanted <= set(texts), sorted(wanted - set(texts))[:5]
    assert len(texts) > before
    assert "collected" in out.decode()
