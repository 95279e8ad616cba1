"""Local servers that speak the real protocols, for the collector tests.

* :class:`FakeX`: the X API v2 filtered stream and its rules endpoints over HTTP/1.1,
  with chunked streaming, ``\\r\\n`` keep-alives, scripted error statuses and abrupt
  disconnects; it records every request (method, path, query, JSON body).
* :class:`FakeJetstream`: a Jetstream ``/subscribe`` WebSocket that replays a fixed
  list of events from the ``cursor`` query parameter, like the real service; in live
  mode events are published over time and a connection without a cursor gets only
  those published from then on, as on the real service.
* :class:`ByteThenClose`: a TCP server that accepts, sends a byte and closes (a broken
  endpoint that speaks neither HTTP nor WebSocket), counting connection attempts.
"""

from __future__ import annotations

import copy
import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

# -- X ------------------------------------------------------------------------------------


@dataclass
class Status:
    """Answer a stream connection with an error status."""

    code: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Drop:
    """Accept the connection and close it without any response."""


@dataclass
class Stream:
    """HTTP 200 chunked stream. Parts: bytes (one chunk each), ``("sleep", s)``, or
    ``"cut"`` (close the socket at once, without the terminating chunk)."""

    parts: list[Any]


def x_post(
    post_id: str,
    text: str = "NBA tonight",
    *,
    created_at: str = "2020-03-01T12:00:00.000Z",
    author: str = "100",
    username: str = "fan_one",
    **extra: Any,
) -> dict[str, Any]:
    """A real-shaped filtered-stream record."""
    data = {
        "id": post_id,
        "text": text,
        "author_id": author,
        "created_at": created_at,
        "lang": "en",
        "conversation_id": post_id,
        "edit_history_tweet_ids": [post_id],
        **extra,
    }
    return {
        "data": data,
        "includes": {"users": [{"id": author, "name": username.title(), "username": username}]},
        "matching_rules": [{"id": "1298318516463095809", "tag": "nba tweets"}],
    }


def line(doc: dict[str, Any]) -> bytes:
    """One stream line, as X sends it."""
    return json.dumps(doc).encode() + b"\r\n"


class FakeX:
    """A local X API: ``script`` is consumed one item per stream connection; when it is
    empty, connections get an endless keep-alive stream."""

    def __init__(self, token: str, *, echo_token: bool = False) -> None:
        self.token = token
        self.echo_token = echo_token
        self.script: list[Status | Drop | Stream] = []
        self.rules: list[dict[str, str]] = []
        self.requests: list[dict[str, Any]] = []
        self.rules_status: int | None = None
        self._next_id = 1000
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stream_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == "/2/tweets/search/stream"]

    def rule_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].endswith("/rules")]

    def __enter__(self) -> FakeX:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _body(self) -> Any:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                return json.loads(raw) if raw else None

            def _send(self, code: int, doc: Any, headers: dict[str, str] | None = None) -> None:
                body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _authorised(self) -> bool:
                auth = self.headers.get("Authorization", "")
                if auth == f"Bearer {fake.token}":
                    return True
                detail = f"token {auth} rejected" if fake.echo_token else "Unauthorized"
                self._send(401, {"title": "Unauthorized", "status": 401, "detail": detail})
                return False

            def _record(self, body: Any) -> None:
                parts = urlsplit(self.path)
                with fake._lock:
                    fake.requests.append(
                        {
                            "method": self.command,
                            "path": parts.path,
                            "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                            "json": body,
                        }
                    )

            def do_GET(self) -> None:  # noqa: N802
                self._record(None)
                if not self._authorised():
                    return
                path = urlsplit(self.path).path
                if path.endswith("/rules"):
                    self._rules_get()
                elif path == "/2/tweets/search/stream":
                    self._stream()
                else:
                    self._send(404, {"title": "Not Found"})

            def do_POST(self) -> None:  # noqa: N802
                body = self._body()
                self._record(body)
                if not self._authorised():
                    return
                if fake.rules_status is not None:
                    self._send(fake.rules_status, {"title": "scripted"})
                    return
                if "add" in body:
                    created = []
                    for rule in body["add"]:
                        fake._next_id += 1
                        created.append({"id": str(fake._next_id), **rule})
                    fake.rules += created
                    self._send(201, {"data": created, "meta": {"summary": {"created": 1}}})
                else:
                    ids = set(body["delete"]["ids"])
                    before = len(fake.rules)
                    fake.rules = [r for r in fake.rules if r["id"] not in ids]
                    deleted = before - len(fake.rules)
                    summary = {"deleted": deleted, "not_deleted": len(ids) - deleted}
                    self._send(200, {"meta": {"summary": summary}})

            def _rules_get(self) -> None:
                if fake.rules_status is not None:
                    self._send(fake.rules_status, {"title": "scripted"})
                elif fake.rules:
                    self._send(200, {"data": fake.rules, "meta": {"result_count": 1}})
                else:
                    self._send(200, {"meta": {"result_count": 0}})

            def _stream(self) -> None:
                with fake._lock:
                    item = fake.script.pop(0) if fake.script else None
                if isinstance(item, Status):
                    body = item.body
                    if fake.echo_token and not body:
                        body = json.dumps({"detail": f"echo {fake.token}"}).encode()
                    self._send(item.code, body, item.headers)
                    return
                if isinstance(item, Drop):
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                parts: Iterator[Any] = iter(item.parts) if item else _keepalives()
                try:
                    for part in parts:
                        if part == "cut":
                            self.close_connection = True
                            self.connection.shutdown(socket.SHUT_RDWR)
                            return
                        if isinstance(part, tuple):
                            time.sleep(part[1])
                            continue
                        self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                except OSError:
                    pass
                self.close_connection = True

        return Handler


def _keepalives() -> Iterator[Any]:
    for _ in range(200):
        yield b"\r\n"
        yield ("sleep", 0.05)


# -- Bluesky Jetstream ------------------------------------------------------------------


@dataclass
class Connection:
    """How one Jetstream connection behaves: pace between frames, and an optional
    number of frames after which the server closes it (0: right after the handshake;
    the close happens even when fewer frames were left to send)."""

    pace_s: float = 0.0
    close_after: int | None = None


class FakeJetstream:
    """A local Jetstream: ``frames`` is a list of ``(time_us, payload)``; a connection
    gets every frame with ``time_us >= cursor`` (all of them without a cursor).

    With ``publish_every_s`` the server is *live*: frame ``i`` is published
    ``i * publish_every_s`` after the server starts, a connection receives a frame only
    once it is published, and a connection without a cursor starts at the first frame
    not yet published (what happened before it connected is not sent), like the real
    service. ``starts`` records the index of the first frame offered to each connection.
    """

    def __init__(
        self,
        frames: list[tuple[int, bytes]],
        connections: list[Connection],
        *,
        publish_every_s: float | None = None,
    ):
        self.frames = frames
        self.connections = list(connections)
        self.publish_every_s = publish_every_s
        self.paths: list[str] = []
        self.starts: list[int] = []
        self.sent = 0
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self.server = serve(self._handle, "127.0.0.1", 0, max_size=None, compression=None)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self.server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/subscribe"

    def cursors(self) -> list[int | None]:
        out: list[int | None] = []
        for path in self.paths:
            query = parse_qs(urlsplit(path).query)
            out.append(int(query["cursor"][0]) if "cursor" in query else None)
        return out

    def __enter__(self) -> FakeJetstream:
        self._started = time.monotonic()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()

    def _published_at(self, index: int) -> float:
        assert self.publish_every_s is not None
        return self._started + index * self.publish_every_s

    def _first_index(self, cursor: int | None) -> int:
        if cursor is not None:
            return next(
                (i for i, (t, _) in enumerate(self.frames) if t >= cursor), len(self.frames)
            )
        if self.publish_every_s is None:
            return 0
        elapsed_s = time.monotonic() - self._started
        return min(len(self.frames), int(elapsed_s / self.publish_every_s) + 1)

    def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        query = parse_qs(urlsplit(ws.request.path).query)
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        first = self._first_index(cursor)
        with self._lock:
            self.paths.append(ws.request.path)
            self.starts.append(first)
            conf = self.connections.pop(0) if len(self.connections) > 1 else self.connections[0]
        sent = 0
        try:
            for index in range(first, len(self.frames)):
                if conf.close_after is not None and sent >= conf.close_after:
                    ws.close()
                    return
                if self.publish_every_s is not None:
                    wait_s = self._published_at(index) - time.monotonic()
                    if wait_s > 0:
                        time.sleep(wait_s)
                payload = self.frames[index][1]
                ws.send(payload.decode() if _is_text(payload) else payload)
                sent += 1
                with self._lock:
                    self.sent += 1
                if conf.pace_s:
                    time.sleep(conf.pace_s)
            if conf.close_after is not None and sent >= conf.close_after:
                ws.close()
                return
            while True:  # like the real service: stay open, waiting for new events
                ws.recv()
        except ConnectionClosed:
            return


class ByteThenClose:
    """A TCP server on 127.0.0.1 that accepts every connection, sends ``payload`` and
    closes it: neither HTTP nor WebSocket. ``accepted`` counts connection attempts."""

    def __init__(self, payload: bytes = b"x") -> None:
        self.payload = payload
        self.accepted = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            with conn:
                try:
                    conn.sendall(self.payload)
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def __enter__(self) -> ByteThenClose:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.thread.join(5)
        self.sock.close()


def _is_text(payload: bytes) -> bool:
    try:
        payload.decode()
    except UnicodeDecodeError:
        return False
    return True


def jet_post(
    time_us: int,
    rkey: str,
    text: str,
    *,
    did: str = "did:plc:author0000000000000000",
    created_at: str = "2024-09-09T19:46:02.102Z",
    operation: str = "create",
    **record: Any,
) -> dict[str, Any]:
    """A real-shaped Jetstream commit event for a post."""
    commit: dict[str, Any] = {
        "rev": "3l3qo2vutsw2b",
        "operation": operation,
        "collection": "app.bsky.feed.post",
        "rkey": rkey,
    }
    if operation != "delete":
        commit["record"] = {
            "$type": "app.bsky.feed.post",
            "createdAt": created_at,
            "langs": ["en"],
            "text": text,
            **record,
        }
        commit["cid"] = "bafyreidc6sydkkbchcyg62v77wbhzvb2mvytlmsychqgwf2xojjtirmzj4"
    return {"did": did, "time_us": time_us, "kind": "commit", "commit": commit}


def jet_identity(time_us: int, did: str, handle: str) -> dict[str, Any]:
    return {
        "did": did,
        "time_us": time_us,
        "kind": "identity",
        "identity": {
            "did": did,
            "handle": handle,
            "seq": 1409752997,
            "time": "2024-09-05T06:11:04.870Z",
        },
    }


def jet_account(time_us: int, did: str) -> dict[str, Any]:
    return {
        "did": did,
        "time_us": time_us,
        "kind": "account",
        "account": {
            "active": True,
            "did": did,
            "seq": 1409753013,
            "time": "2024-09-05T06:11:04.870Z",
        },
    }


# -- hostile input ------------------------------------------------------------------------
HOSTILE: list[Any] = [
    None,
    True,
    -1,
    1.5,
    10**30,  # orjson reads it as a float
    2**64 - 1,
    "",
    "x" * 3000,
    [],
    {},
    [[[[]]]],
    {"a": {"b": [1, {"c": None}]}},
    "0001-01-01T00:30:00+01:00",  # leaves datetime's range once made UTC
    "9999-12-31T23:30:00-01:00",
    "\u0000",
]


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def mutate(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``doc`` with one to three values (anywhere in it) replaced by hostile ones."""
    doc = json.loads(json.dumps(doc))
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(_paths(doc))
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = copy.deepcopy(rng.choice(HOSTILE))  # never share HOSTILE's
    return doc
