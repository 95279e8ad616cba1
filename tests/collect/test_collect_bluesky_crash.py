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

from cli_runner_helpers import COMMAND
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
            *COMMAND,
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


# A collector process that kills itself (SIGKILL) at the first cursor write made after
# records reached the stream: the moment between the first append and the first save.
_KILL_AT_FIRST_SAVE_AFTER_APPEND = """
import os, signal, sys
from pathlib import Path
import courtside.collect.bluesky as bluesky
from courtside.config import load_settings
from courtside.home import open_stream

home = Path(sys.argv[1])
real_write = bluesky.write_atomic

def write_atomic(path, data, **kw):
    if path.name == bluesky.CURSOR_FILE:
        with open_stream(load_settings(home=home)) as backend:
            if backend.last_seq("tweets") > 0:
                os.kill(os.getpid(), signal.SIGKILL)
    return real_write(path, data, **kw)

bluesky.write_atomic = write_atomic
from courtside.cli import main
sys.argv = ["courtside", "--home", str(home), "collect", "--source", "bluesky"]
main()
"""


def test_kill_9_before_the_first_cursor_save_loses_nothing(home: Path) -> None:
    """On a live Jetstream, a restart without a cursor resumes at the live edge: whatever
    the killed process had not put on the stream would be gone. The collector saves a
    cursor before its first record can be appended, so the restart resumes from before
    everything already on the stream."""
    frames, _ = _events()
    cursor_file = cursor_path(load_settings(home=home).state_dir)
    with FakeJetstream(frames, [Connection()], publish_every_s=0.01) as server:
        env = {
            **os.environ,
            "COURTSIDE_BLUESKY__URL": server.url,
            "COURTSIDE_BLUESKY__REWIND_S": str(REWIND_S),
        }
        proc = subprocess.run(
            [sys.executable, "-c", _KILL_AT_FIRST_SAVE_AFTER_APPEND, str(home)],
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
        on_stream = _texts(home)
        assert on_stream, "killed before anything reached the stream: proves nothing"
        first_seen = server.starts[0]

        proc2 = _start(home, server.url)
        try:
            _wait(lambda: load_cursor(cursor_file) == frames[-1][0], 60, proc2)
        finally:
            proc2.send_signal(signal.SIGTERM)
            proc2.communicate(timeout=30)
        assert server.cursors()[1] is not None, "the restart had no cursor: resumed live"
    # Every post published from the first connection on is on the stream: nothing that
    # went by while the collector was dead (or was read but not appended) is missing.
    wanted = {
        f"NBA post number {i}" for i in range(first_seen, len(frames)) if i % 10 not in (3, 7, 9)
    }
    texts = set(_texts(home))
    assert wanted <= texts, sorted(wanted - texts)[:5]
