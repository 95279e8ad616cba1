"""Bluesky collector hardening against a local Jetstream: no reconnect storms, handles
kept across restarts, implausible cursors and hostile frames counted and skipped."""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from collect_servers import (
    ByteThenClose,
    Connection,
    FakeJetstream,
    jet_account,
    jet_identity,
    jet_post,
    mutate,
)

from courtside.collect.base import Stopper
from courtside.collect.bluesky import BlueskyCollector, cursor_path, load_cursor
from courtside.collect.bluesky_state import HandleStore, handles_path
from courtside.collect.config import BlueskySettings
from courtside.collect.service import run_collector
from courtside.config import Settings, load_settings
from courtside.errors import ConfigError
from courtside.home import open_stream
from courtside.records import loads, post_of, to_delivered

T0 = 1_725_911_162_000_000
DID = "did:plc:author0000000000000000"
RUN_S = 3.0


def _frames(events: list[dict[str, Any]]) -> list[tuple[int, bytes]]:
    return [(e["time_us"], json.dumps(e).encode()) for e in events]


def _records(settings: Settings) -> list[dict[str, Any]]:
    with open_stream(settings) as backend:
        return [loads(r.data) for r in backend.read("tweets", 0, 100_000)]


def _attempts_within(delays: list[float], seconds: float) -> int:
    elapsed, attempts = 0.0, 1
    for delay in delays:
        elapsed += delay
        if elapsed > seconds:
            break
        attempts += 1
    return attempts


def _run_for(settings: Settings, collector: BlueskyCollector, seconds: float) -> Any:
    stopper = Stopper()
    timer = threading.Timer(seconds, stopper.stop)
    timer.start()
    try:
        return run_collector(settings, collector, stopper=stopper, max_delay_s=0.0)
    finally:
        timer.cancel()


QUICK_ENDS = {
    "frame-then-close": ([jet_account(T0, DID)], 1),
    # A real post every time: what a connection delivered does not make it healthy.
    "post-then-close": ([jet_post(T0, "p1", "NBA tonight")], 1),
    "handshake-then-close": ([], 0),
}


@pytest.mark.parametrize("behaviour", sorted(QUICK_ENDS))
def test_connections_that_end_quickly_back_off(settings: Settings, behaviour: str) -> None:
    events, close_after = QUICK_ENDS[behaviour]
    with FakeJetstream(_frames(events), [Connection(close_after=close_after)]) as server:
        collector = BlueskyCollector(BlueskySettings(url=server.url), settings.state_dir)
        report = _run_for(settings, collector, RUN_S)
        attempts = len(server.paths)
    # Immediately once, then exponential from 1 s.
    allowed = _attempts_within([0.0, 1.0, 2.0, 4.0, 8.0], RUN_S)
    assert 2 <= attempts <= allowed + 1, (attempts, collector.delays)
    assert collector.delays[:3] == [0.0, 1.0, 2.0][: len(collector.delays)]
    assert report.events["disconnects"] >= 2


@pytest.mark.parametrize(
    "payload", [b"x", b"HTTP/1.1 200 OK\r\n\r\nnot a websocket"], ids=["byte", "plain-http"]
)
def test_a_server_that_speaks_no_websocket_is_retried_with_backoff(
    settings: Settings, payload: bytes
) -> None:
    with ByteThenClose(payload) as server:
        url = f"ws://127.0.0.1:{server.port}/subscribe"
        collector = BlueskyCollector(BlueskySettings(url=url), settings.state_dir)
        report = _run_for(settings, collector, RUN_S)
        attempts = server.accepted
    allowed = _attempts_within([1.0, 2.0, 4.0, 8.0], RUN_S)
    assert 2 <= attempts <= allowed + 1, (attempts, collector.delays)
    assert report.events["network_errors"] == attempts


def test_only_a_healthy_connection_earns_the_next_immediate_reconnect(
    settings: Settings,
) -> None:
    events = [jet_post(T0 + i, f"r{i}", f"NBA {i}") for i in range(1, 8)]
    connections = [
        Connection(close_after=1),  # quick: immediate (the one allowed)
        Connection(close_after=1),  # quick again: back off
        Connection(close_after=1, pace_s=0.5),  # healthy: 50 s on the scaled clock
        Connection(close_after=1),  # quick, but right after a healthy one
        Connection(close_after=1),
        Connection(),
    ]
    sleeps: list[float] = []
    with FakeJetstream(_frames(events), connections) as server:
        collector = BlueskyCollector(
            BlueskySettings(url=server.url, rewind_s=0),
            settings.state_dir,
            sleep=sleeps.append,
            clock=lambda: time.monotonic() * 100,
        )
        run_collector(settings, collector, limit=6, max_delay_s=0.0)
    assert sleeps == [0.0, 1.0, 0.0, 1.0, 2.0]


def test_handles_survive_a_restart(settings: Settings) -> None:
    """Posts replayed after a restart carry the handle the earlier copies had, although
    the identity event is before the rewound cursor."""
    other = "did:plc:other000000000000000000"
    first = [
        jet_identity(T0 + 1, DID, "hoops.bsky.social"),
        jet_identity(T0 + 2, other, "old.bsky.social"),
        jet_identity(T0 + 3, other, "new.bsky.social"),  # a handle change wins
        jet_post(T0 + 4, "p1", "NBA one"),
    ]
    with FakeJetstream(_frames(first), [Connection()]) as server:
        collector = BlueskyCollector(BlueskySettings(url=server.url), settings.state_dir)
        run_collector(settings, collector, limit=1, max_delay_s=0.0)
    # A new process: the replayed window holds posts only.
    replayed = [
        jet_post(T0 + 4, "p1", "NBA one"),
        jet_post(T0 + 5, "p2", "NBA two", did=other),
    ]
    with FakeJetstream(_frames(replayed), [Connection()]) as server:
        collector = BlueskyCollector(BlueskySettings(url=server.url), settings.state_dir)
        run_collector(settings, collector, limit=2, max_delay_s=0.0)
    users = [r["includes"]["users"][0]["username"] for r in _records(settings)]
    assert users == ["hoops.bsky.social", "hoops.bsky.social", "new.bsky.social"]


def test_handle_store_is_bounded_and_tolerates_a_damaged_file(tmp_path: Path) -> None:
    path = handles_path(tmp_path)
    store = HandleStore(path, max_entries=3)
    for i in range(5):
        store.learn(f"did:plc:user{i}", f"user{i}.bsky.social")
        store.save()
    store.learn("did:plc:user2", "renamed.bsky.social")  # refreshed: now the newest
    store.save()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM handles").fetchone()[0] == 3
    again = HandleStore(path, max_entries=3)
    again.load()
    assert list(again.handles.items()) == [
        ("did:plc:user3", "user3.bsky.social"),
        ("did:plc:user4", "user4.bsky.social"),
        ("did:plc:user2", "renamed.bsky.social"),
    ]
    path.write_bytes(b"this is not a database" * 100)
    damaged = HandleStore(path)
    damaged.load()  # logged, not raised
    damaged.learn("did:plc:x", "x.bsky.social")
    damaged.save()  # logged, kept in memory
    assert damaged.get("did:plc:x") == "x.bsky.social"


@pytest.mark.parametrize(
    "time_us",
    ["123", 1.5, 0, -5, True, None, 10**30, 2**64 - 1, T0 + 10**15],
    ids=str,
)
def test_implausible_time_us_is_rejected_and_never_moves_the_cursor(
    settings: Settings, time_us: Any
) -> None:
    bad = jet_post(T0 + 2, "bad", "NBA bad")
    bad["time_us"] = time_us
    events = [jet_post(T0 + 1, "a", "NBA a"), bad, jet_post(T0 + 3, "b", "NBA b")]
    raw = [(T0 + 1 + i, json.dumps(e).encode()) for i, e in enumerate(events)]
    wall = (T0 + 60_000_000) / 1_000_000  # a clock one minute after the events
    with FakeJetstream(raw, [Connection()]) as server:
        collector = BlueskyCollector(
            BlueskySettings(url=server.url), settings.state_dir, wall=lambda: wall
        )
        report = run_collector(settings, collector, limit=2, max_delay_s=0.0)
    assert [post_of(r)["text"] for r in _records(settings)] == ["NBA a", "NBA b"]
    assert report.rejected == {"BadTimeUs": 1}
    assert load_cursor(cursor_path(settings.state_dir)) == T0 + 3


def test_hostile_frames_are_counted_and_skipped(settings: Settings) -> None:
    rng = random.Random(11)
    mention = "did:plc:mentioned000000000000000"
    base = jet_post(
        T0,
        "3kbase",
        "NBA @m.bsky.social Luka Doncic",
        facets=[
            {
                "index": {"byteStart": 4, "byteEnd": 17},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": mention}],
            }
        ],
        reply={"root": {"uri": f"at://{mention}/app.bsky.feed.post/x", "cid": "c"}},
        embed={"$type": "app.bsky.embed.record", "record": {"uri": "at://d/x/y"}},
        labels={"values": [{"val": "x"}]},
    )
    ident = jet_identity(T0, DID, "hoops.bsky.social")
    events: list[dict[str, Any]] = []
    for i in range(400):
        doc = mutate(base if i % 4 else ident, rng)
        if isinstance(doc.get("time_us"), int) and not isinstance(doc["time_us"], bool):
            doc["time_us"] = T0 + i + 1
        events.append(doc)
    events.append(jet_post(T0, "x", "NBA", created_at="0001-01-01T00:30:00+01:00"))
    events.append(jet_identity(T0, DID, "x" * 300 + ".bsky.social"))
    sentinel = jet_post(T0 + 10_000, "last", "NBA the last good post")
    frames = [(T0, json.dumps(e).encode()) for e in events]
    frames += [(T0, b"[" * 5000), (T0, b'{"kind": "commit", "time_us": 1e400}')]
    frames.append((T0 + 10_000, json.dumps(sentinel).encode()))
    stopper = Stopper()
    with FakeJetstream(frames, [Connection()]) as server:
        collector = BlueskyCollector(
            BlueskySettings(url=server.url, keywords=[]), settings.state_dir
        )

        def stop_at_the_sentinel() -> None:
            while collector.position != T0 + 10_000:
                time.sleep(0.01)
            stopper.stop()

        threading.Thread(target=stop_at_the_sentinel, daemon=True).start()
        report = run_collector(settings, collector, stopper=stopper, max_delay_s=0.0)
    records = _records(settings)
    for record in records:
        to_delivered(record)
    assert post_of(records[-1])["text"] == "NBA the last good post"
    assert report.rejected_total > 20
    assert report.rejected.get("BadValue", 0) + report.rejected.get("BadCreatedAt", 0) >= 1
    assert all(len(h) <= 253 for h in collector.handles.values())


@pytest.mark.parametrize(
    "url", ["jetstream2.us-east.bsky.network/subscribe", "https://x.example/subscribe", "wss://"]
)
def test_malformed_bluesky_url_is_refused_at_load_time(
    home: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURTSIDE_BLUESKY__URL", url)
    with pytest.raises(ConfigError) as info:
        load_settings(home=home)
    assert info.value.key == "bluesky.url"
