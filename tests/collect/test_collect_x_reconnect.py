"""X collector hardening against local servers speaking the real protocol: no reconnect
storms, 429 waits that only grow, a bad ``x.base_url`` refused at start-up, and hostile
stream lines counted and skipped."""

from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Any

import pytest
from collect_servers import ByteThenClose, FakeX, Status, Stream, line, mutate, x_post
from pydantic import SecretStr

from cli_runner_helpers import Courtside
from courtside.collect.base import Stopper
from courtside.collect.config import XSettings
from courtside.collect.service import run_collector
from courtside.collect.x import XCollector
from courtside.config import Settings, load_settings
from courtside.errors import ConfigError
from courtside.home import open_stream
from courtside.records import loads, post_of, to_delivered

TOKEN = "test-token-1"
NOW = 1_700_000_000.0
RUN_S = 3.0


def _x(url: str, **kw: Any) -> XSettings:
    return XSettings(base_url=url, bearer_token=SecretStr(TOKEN), **kw)


def _attempts_within(delays: list[float], seconds: float) -> int:
    """How many attempts a schedule allows in ``seconds`` (the first one at 0)."""
    elapsed, attempts = 0.0, 1
    for delay in delays:
        elapsed += delay
        if elapsed > seconds:
            break
        attempts += 1
    return attempts


def _run_for(settings: Settings, collector: XCollector, seconds: float) -> Any:
    """Run with the real (interruptible) sleeps for ``seconds``."""
    stopper = Stopper()
    timer = threading.Timer(seconds, stopper.stop)
    timer.start()
    try:
        return run_collector(settings, collector, stopper=stopper, max_delay_s=0.0)
    finally:
        timer.cancel()


QUICK_ENDS = {
    # HTTP 200, one keep-alive, then a clean end of the chunked body.
    "keepalive-then-close": lambda: Stream([b"\r\n"]),
    # A real post every time: what a connection delivered does not make it healthy.
    "post-then-close": lambda: Stream([line(x_post("1"))]),
    "empty-200": lambda: Stream([]),
    "keepalive-then-cut": lambda: Stream([b"\r\n", "cut"]),
}


@pytest.mark.parametrize("behaviour", sorted(QUICK_ENDS))
def test_connections_that_end_quickly_back_off(settings: Settings, behaviour: str) -> None:
    with FakeX(TOKEN) as fake:
        fake.script = [QUICK_ENDS[behaviour]() for _ in range(5000)]
        collector = XCollector(_x(fake.url))
        report = _run_for(settings, collector, RUN_S)
        attempts = len(fake.stream_requests())
    # Immediately once, then X's network schedule (+250 ms per attempt).
    allowed = _attempts_within([0.0] + [0.25 * n for n in range(1, 100)], RUN_S)
    assert 3 <= attempts <= allowed + 1, (attempts, collector.delays)
    assert collector.delays[:4] == [0.0, 0.25, 0.5, 0.75]
    assert report.events["reconnects"] == len(collector.delays)


def test_a_server_that_speaks_no_http_is_retried_with_backoff(settings: Settings) -> None:
    with ByteThenClose() as server:
        collector = XCollector(_x(f"http://127.0.0.1:{server.port}"))
        report = _run_for(settings, collector, RUN_S)
        attempts = server.accepted
    allowed = _attempts_within([0.25 * n for n in range(1, 100)], RUN_S)
    assert 3 <= attempts <= allowed + 1, (attempts, collector.delays)
    assert report.events["network_errors"] == attempts


def test_only_a_healthy_connection_earns_the_next_immediate_reconnect(
    settings: Settings,
) -> None:
    with FakeX(TOKEN) as fake:
        fake.script = [
            Stream([line(x_post("1"))]),  # quick: immediate (the one allowed)
            Stream([line(x_post("2"))]),  # quick again: back off
            Stream([line(x_post("3"))]),
            Stream([line(x_post("4")), ("sleep", 0.5)]),  # healthy (50 s on the clock)
            Stream([line(x_post("5"))]),  # quick, but right after a healthy one
            Stream([line(x_post("6"))]),
        ]
        sleeps: list[float] = []
        collector = XCollector(
            _x(fake.url), sleep=sleeps.append, clock=_scaled_clock(), now=lambda: NOW
        )
        run_collector(settings, collector, limit=6, max_delay_s=0.0)
    assert sleeps == [0.0, 0.25, 0.5, 0.0, 0.25]


def _scaled_clock(factor: float = 100.0) -> Any:
    import time

    return lambda: time.monotonic() * factor


@pytest.mark.parametrize(
    ("resets", "expected"),
    [
        # A reset 1 s away never replaces the schedule: 60, 120, 240 as documented.
        ([NOW + 1, NOW + 1, NOW + 1], [60.0, 120.0, 240.0]),
        # A reset that has just passed does not restart the schedule either.
        ([NOW + 1, NOW - 1, NOW], [60.0, 120.0, 240.0]),
        # A later reset lengthens the wait; the schedule keeps doubling underneath.
        ([NOW + 500, NOW + 10, NOW + 1000], [500.0, 120.0, 1000.0]),
        # Values that are no usable time are ignored; a far one is capped at an hour.
        (["nan", "inf", "1e400", "soon", "-5", str(NOW + 10**9)], [60, 120, 240, 480, 960, 3600]),
    ],
    ids=["reset-soon", "reset-just-passed", "reset-later", "reset-unusable"],
)
def test_429_waits_double_and_the_reset_header_only_lengthens_them(
    settings: Settings, resets: list[Any], expected: list[float]
) -> None:
    with FakeX(TOKEN) as fake:
        fake.script = [
            *(Status(429, headers={"x-rate-limit-reset": str(r)}) for r in resets),
            Stream([line(x_post("1"))]),
        ]
        sleeps: list[float] = []
        collector = XCollector(_x(fake.url), sleep=sleeps.append, now=lambda: NOW)
        report = run_collector(settings, collector, limit=1, max_delay_s=0.0)
    assert sleeps == expected
    assert report.events["http_429"] == len(resets) and report.records == 1


@pytest.mark.parametrize(
    "url",
    [
        "api.x.com",
        "127.0.0.1:8080",
        "https//api.x.com",
        "ftp://api.x.com",
        "https://",
        "https://exa mple.com",
        "https://-bad-.example",
        "https://under_score.example",
        "https://api.x.com:99999",
        "https://api.x.com:port",
        "http://[not-ipv6]/",
        "https://user:secret@api.x.com",
    ],
)
def test_malformed_base_url_is_refused_at_load_time(
    home: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURTSIDE_X__BASE_URL", url)
    with pytest.raises(ConfigError) as info:
        load_settings(home=home)
    assert info.value.key == "x.base_url"
    assert "\n" not in str(info.value)
    # The same check guards every way in, e.g. settings built in code.
    with pytest.raises(ValueError, match="base_url"):
        XSettings(base_url=url)


def test_cli_rejects_a_malformed_base_url_in_one_line(courtside: Courtside, home: Path) -> None:
    env = {
        "X_BEARER_TOKEN": TOKEN,
        "COURTSIDE_X__BASE_URL": "api.x.com",
        "COLUMNS": "400",  # line wrapping of the terminal is not what is tested here
    }
    proc = courtside("collect", "--source", "x", home=home, env=env, ok=False, timeout_s=60)
    err = proc.stderr.decode().strip()
    assert proc.returncode == 1
    assert len(err.splitlines()) == 1, err
    assert "x.base_url" in err and "http" in err
    assert "Traceback" not in err


# -- hostile input -------------------------------------------------------------------------
def test_hostile_lines_are_counted_and_skipped(settings: Settings) -> None:
    rng = random.Random(7)
    base = x_post("10", "LeBron James tonight", public_metrics={"like_count": 3})
    base["includes"]["tweets"] = [
        {"id": "11", "text": "quoted", "author_id": "100", "created_at": "2020-03-01T11:00:00Z"}
    ]
    base["data"]["entities"] = {"mentions": [{"start": 0, "end": 3, "username": "kd"}]}
    base["data"]["context_annotations"] = [
        {"domain": {"id": "60", "name": "Athlete"}, "entity": {"id": "1", "name": "A B"}}
    ]
    lines = [line(mutate(base, rng)) for _ in range(400)]
    lines += [
        line(x_post("12", created_at="0001-01-01T00:30:00+01:00")),
        b'{"data": {"id": "13", "created_at": 10000000000000000000000000000000}}\r\n',
        b"[" * 5000 + b"\r\n",
        b'{"errors": 5}\r\n',
        b'{"errors": [1, "x", {"title": ["nested"]}]}\r\n',
    ]
    sentinel = x_post("999", "the last good post")
    with FakeX(TOKEN) as fake:
        fake.script = [Stream([*lines, line(sentinel)])]
        stopper = Stopper()
        collector = XCollector(_x(fake.url), sleep=lambda s: stopper.stop())
        report = run_collector(settings, collector, stopper=stopper, max_delay_s=0.0)
    with open_stream(settings) as backend:
        records = [loads(r.data) for r in backend.read("tweets", 0, 100_000)]
    for record in records:
        to_delivered(record)  # everything on the stream is usable downstream
    assert post_of(records[-1])["id"] == "999"
    assert report.rejected_total > 20
    assert report.rejected.get("BadValue", 0) + report.rejected.get("BadCreatedAt", 0) >= 1
