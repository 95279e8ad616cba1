"""The webhook channel against a real local HTTP server: 200, 500, timeouts, 4xx."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from notify_helpers import alert, committed, put, with_notify

from courtside.notify.service import Notifier


class Hook:
    """A local webhook endpoint answering from a script of behaviours."""

    def __init__(self) -> None:
        self.script: list[int | float] = []  # status codes, or a float: sleep that long
        self.default: int = 200
        self.bodies: list[dict[str, Any]] = []
        self.calls = 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                hook.calls += 1
                step = hook.script.pop(0) if hook.script else hook.default
                if isinstance(step, float):
                    time.sleep(step)
                    step = 200
                if step == 200:
                    hook.bodies.append(body)
                self.send_response(step)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/secret-token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.server.shutdown()
    h.server.server_close()


def _settings(home: Path, hook: Hook, **kw: Any) -> Any:
    options = {"webhook_retries": 2, "webhook_backoff_s": 0.01, "timeout_s": 0.5} | kw
    return with_notify(home, webhook_url=hook.url, **options)


def test_webhook_posts_slack_text_and_the_alert_once(home: Path, hook: Hook) -> None:
    settings = _settings(home, hook)
    put(settings, alert(team="<!channel> Lakers & co"), alert(total=3, version=2))
    report = Notifier(settings, "webhook").run(once=True)
    assert (report.sent, report.updates) == (1, 1)
    first, second = hook.bodies
    assert first["text"] == (
        "*NBA Tampering Detect*\nNBA team &lt;!channel&gt; Lakers &amp; co sent 2 posts to "
        "player Jayson Tatum between 2020-03-01T00:00:00.000Z and 2020-03-01T00:01:00.000Z, "
        "from: Anthony Davis, LeBron James"
    )
    assert first["alert"]["tamperingPlayer"] == "Jayson Tatum" and first["update"] is False
    assert second["update"] is True and "update 2" in second["text"]
    assert Notifier(settings, "webhook").run(once=True).sent == 0  # restart: no repeat
    assert hook.calls == 2


def test_webhook_retries_500_with_backoff_then_succeeds(home: Path, hook: Hook) -> None:
    settings = _settings(home, hook)
    hook.script = [500, 503]
    put(settings, alert())
    report = Notifier(settings, "webhook").run(once=True)
    assert report.sent == 1 and report.down == 0
    assert hook.calls == 3 and len(hook.bodies) == 1


def test_webhook_down_keeps_the_alert_until_it_recovers(
    home: Path, hook: Hook, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the URL holds a secret: not even debug logs show it
    settings = _settings(home, hook)
    hook.default = 500
    put(settings, alert(), alert(window=1))
    report = Notifier(settings, "webhook").run(once=True)
    assert report.down == 1 and report.sent == 0
    assert hook.calls == 3  # one attempt plus two retries
    assert "answered 500 on each of 3 attempts" in str(report.last_error)
    assert "secret-token" not in caplog.text + str(report.last_error)
    assert committed(settings, "webhook") == 0
    hook.default = 200
    report = Notifier(settings, "webhook").run(once=True)
    assert report.sent == 2
    assert [b["alert"]["window_start"][-13:] for b in hook.bodies] == [
        "00:00:00.000Z",
        "00:01:00.000Z",
    ]


def test_webhook_timeout_is_a_down_channel(home: Path, hook: Hook) -> None:
    settings = _settings(home, hook, webhook_retries=1)
    hook.script = [1.5, 1.5]
    put(settings, alert())
    started = time.monotonic()
    report = Notifier(settings, "webhook").run(once=True)
    assert report.down == 1 and "timed out" in str(report.last_error)
    assert time.monotonic() - started < 5
    assert committed(settings, "webhook") == 0


def test_webhook_4xx_rejects_that_alert_and_moves_on(home: Path, hook: Hook) -> None:
    settings = _settings(home, hook)
    hook.script = [400]
    put(settings, alert(), alert(window=1))
    report = Notifier(settings, "webhook").run(once=True)
    assert (report.rejected, report.sent) == (1, 1)
    assert hook.calls == 2  # a 400 is not retried
    assert committed(settings, "webhook") == 2
