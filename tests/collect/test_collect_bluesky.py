"""The Bluesky Jetstream collector against a local WebSocket server with real-shaped
events: conversion, filtering, bad frames, reconnects with a rewound cursor."""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

from collect_servers import Connection, FakeJetstream, jet_account, jet_identity, jet_post

from courtside.collect.base import Stopper
from courtside.collect.bluesky import BlueskyCollector, cursor_path, load_cursor
from courtside.collect.bluesky_convert import post_uri, stable_id
from courtside.collect.config import BlueskySettings
from courtside.collect.service import run_collector
from courtside.config import Settings
from courtside.home import open_stream
from courtside.records import athletes, loads, post_of, to_delivered

T0 = 1_725_911_162_000_000
DID = "did:plc:author0000000000000000"
MENTIONED = "did:plc:mentioned000000000000000"


def _frames(events: list[dict[str, Any] | tuple[int, bytes]]) -> list[tuple[int, bytes]]:
    out = []
    for event in events:
        if isinstance(event, tuple):
            out.append(event)
        else:
            out.append((event["time_us"], json.dumps(event).encode()))
    return out


def _records(settings: Settings) -> list[dict[str, Any]]:
    with open_stream(settings) as backend:
        return [loads(r.data) for r in backend.read("tweets", 0, 100_000)]


def _collector(server: FakeJetstream, settings: Settings, **kw: Any) -> BlueskyCollector:
    return BlueskyCollector(BlueskySettings(url=server.url, **kw), settings.state_dir)


def test_conversion_filtering_and_other_events(settings: Settings) -> None:
    # "🏀 " is 5 UTF-8 bytes but 2 characters: facet offsets must be converted.
    text = "🏀 @mention.bsky.social watch Luka Dončić tonight #NBA https://nba.com"
    raw = text.encode()
    at = raw.index(b"@mention")
    tag = raw.index(b"#NBA")
    link = raw.index(b"https://")
    facets = [
        {
            "index": {"byteStart": at, "byteEnd": at + len(b"@mention.bsky.social")},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": MENTIONED}],
        },
        {
            "index": {"byteStart": tag, "byteEnd": tag + 4},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "NBA"}],
        },
        {
            "index": {"byteStart": link, "byteEnd": len(raw)},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://nba.com"}],
        },
        {"index": {"byteStart": 1, "byteEnd": 2}, "features": []},  # inside the emoji
    ]
    parent = f"at://{MENTIONED}/app.bsky.feed.post/3kparent"
    events: list[dict[str, Any] | tuple[int, bytes]] = [
        jet_identity(T0 + 1, DID, "hoops.bsky.social"),
        jet_account(T0 + 2, DID),
        jet_post(
            T0 + 3,
            "3kpost1",
            text,
            facets=facets,
            created_at="2024-09-09T21:46:02.102+02:00",
            reply={"root": {"uri": parent, "cid": "x"}, "parent": {"uri": parent, "cid": "x"}},
        ),
        jet_post(T0 + 4, "3kpost2", "nbaa is not a word match"),
        jet_post(T0 + 5, "3kpost3", "NBA's best", created_at="not a time"),
        jet_post(T0 + 6, "3kpost4", "NBA update", operation="update"),
        jet_post(T0 + 7, "3kpost5", "", operation="delete"),
        {
            **jet_post(T0 + 8, "x", "NBA"),
            "commit": {"operation": "create", "collection": "app.bsky.feed.like", "rkey": "x"},
        },
        (T0 + 9, b"{not json"),
        (
            T0 + 10,
            b'{"did": "did:plc:x", "time_us": 1, "kind": "commit", "commit": '
            + b'"'
            + b"a" * (1024 * 1024 + 10)
            + b'"}',
        ),
        jet_post(T0 + 11, "3kpost6", "Le NBA ce soir", langs=["fr"]),
        jet_post(T0 + 12, "3kpost7", "#nba all day"),
    ]
    with FakeJetstream(_frames(events), [Connection()]) as server:
        collector = _collector(server, settings)
        report = run_collector(settings, collector, limit=3, max_delay_s=0.0)

    records = _records(settings)
    assert [post_of(r)["text"] for r in records] == [text, "Le NBA ce soir", "#nba all day"]
    for record in records:
        to_delivered(record)
    first = records[0]
    post = first["data"]
    assert post["id"] == stable_id(post_uri(DID, "3kpost1"))
    assert post["created_at"] == "2024-09-09T19:46:02.102Z"
    assert post["source"] == "Bluesky" and post["lang"] == "en"
    assert post["referenced_tweets"] == [{"type": "replied_to", "id": stable_id(parent)}]
    assert post["in_reply_to_user_id"] == stable_id(MENTIONED)
    mention = post["entities"]["mentions"][0]
    assert text[mention["start"] : mention["end"]] == "@mention.bsky.social"
    assert mention["username"] == "mention.bsky.social"
    assert mention["id"] == stable_id(MENTIONED)
    hashtag = post["entities"]["hashtags"][0]
    assert text[hashtag["start"] : hashtag["end"]] == "#NBA" and hashtag["tag"] == "NBA"
    assert post["entities"]["urls"][0]["expanded_url"] == "https://nba.com"
    # The identity event taught the collector the author's handle.
    assert first["includes"]["users"][0] == {
        "id": stable_id(DID),
        "username": "hoops.bsky.social",
        "name": "hoops.bsky.social",
    }
    assert athletes(post) == ["Luka Doncic"]
    assert report.rejected == {"BadCreatedAt": 1, "NotJson": 1, "FrameTooLarge": 1}
    ev = report.events
    assert ev["identity_events"] == 1 and ev["account_events"] == 1
    assert ev["post_updates"] == 1 and ev["post_deletes"] == 1
    assert ev["other_collections"] == 1 and ev["filtered_keywords"] == 1
    path = server.paths[0]
    assert "wantedCollections=app.bsky.feed.post" in path and "cursor" not in path
    assert load_cursor(cursor_path(settings.state_dir)) == T0 + 12


def test_language_filter(settings: Settings) -> None:
    events: list[dict[str, Any] | tuple[int, bytes]] = [
        jet_post(T0 + 1, "a", "NBA en", langs=["en-US"]),
        jet_post(T0 + 2, "b", "NBA fr", langs=["fr"]),
        jet_post(T0 + 3, "c", "NBA none", langs=[]),
        jet_post(T0 + 4, "d", "NBA es", langs=["es"]),
    ]
    with FakeJetstream(_frames(events), [Connection()]) as server:
        collector = _collector(server, settings, langs=["en", "es"])
        report = run_collector(settings, collector, limit=2, max_delay_s=0.0)
    assert [post_of(r)["text"] for r in _records(settings)] == ["NBA en", "NBA es"]
    assert report.events["filtered_langs"] == 2


def test_reconnect_resumes_from_the_rewound_cursor(settings: Settings) -> None:
    events: list[dict[str, Any] | tuple[int, bytes]] = [
        jet_post(T0 + i * 1_000_000, f"r{i}", f"NBA post {i}") for i in range(10)
    ]
    sleeps: list[float] = []
    with FakeJetstream(_frames(events), [Connection(close_after=4), Connection()]) as server:
        collector = _collector(server, settings, rewind_s=2.0)
        collector._sleep = sleeps.append
        report = run_collector(settings, collector, limit=12, max_delay_s=0.0)
        cursors = server.cursors()
    # 4 frames, then a reconnect at (last time_us - 2 s): frames 2 and 3 again.
    assert cursors == [None, T0 + 3_000_000 - 2_000_000]
    assert sleeps == [0.0]
    ids = [post_of(r)["text"] for r in _records(settings)]
    assert ids == [f"NBA post {i}" for i in [0, 1, 2, 3, 1, 2, 3, 4, 5, 6, 7, 8]]
    assert report.events["disconnects"] == 1


def test_cursor_file_resumes_a_new_process(settings: Settings) -> None:
    cursor = cursor_path(settings.state_dir)
    cursor.parent.mkdir(parents=True, exist_ok=True)
    cursor.write_text(json.dumps({"time_us": T0 + 5_000_000}))
    events: list[dict[str, Any] | tuple[int, bytes]] = [
        jet_post(T0 + i * 1_000_000, f"r{i}", f"NBA post {i}") for i in range(10)
    ]
    with FakeJetstream(_frames(events), [Connection()]) as server:
        collector = _collector(server, settings, rewind_s=1.5)
        run_collector(settings, collector, limit=6, max_delay_s=0.0)
        assert server.cursors() == [T0 + 3_500_000]
    assert [post_of(r)["text"] for r in _records(settings)][0] == "NBA post 4"


def test_backoff_when_the_server_is_unreachable(settings: Settings) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    stopper = Stopper()
    sleeps: list[float] = []

    def sleep(delay: float) -> None:
        sleeps.append(delay)
        if len(sleeps) == 7:
            stopper.stop()

    config = BlueskySettings(url=f"ws://127.0.0.1:{port}/subscribe", reconnect_max_s=30)
    collector = BlueskyCollector(config, settings.state_dir, sleep=sleep)
    report = run_collector(settings, collector, stopper=stopper)
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert report.events["network_errors"] == 7 and report.records == 0


def test_stop_from_another_thread_flushes_and_saves_the_cursor(settings: Settings) -> None:
    events: list[dict[str, Any] | tuple[int, bytes]] = [
        jet_post(T0 + i, f"s{i}", f"NBA {i}") for i in range(1, 6)
    ]
    stopper = Stopper()
    with FakeJetstream(_frames(events), [Connection()]) as server:
        collector = _collector(server, settings)

        def stop_when_all_seen() -> None:
            while collector.position != T0 + 5:
                time.sleep(0.01)
            stopper.stop()

        threading.Thread(target=stop_when_all_seen, daemon=True).start()
        report = run_collector(settings, collector, stopper=stopper, max_delay_s=30.0)
    assert report.records == 5 and len(_records(settings)) == 5
    assert load_cursor(cursor_path(settings.state_dir)) == T0 + 5
