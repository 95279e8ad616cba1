"""The X filtered-stream collector against a local server speaking the real protocol."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from collect_servers import Drop, FakeX, Status, Stream, line, x_post
from pydantic import SecretStr

from cli_runner_helpers import Courtside
from courtside.collect.config import XSettings
from courtside.collect.service import reject_log_path, run_collector
from courtside.collect.x import XCollector
from courtside.collect.x_api import (
    EXPANSIONS,
    PLACE_FIELDS,
    TWEET_FIELDS,
    USER_FIELDS,
    XAuthError,
)
from courtside.config import Settings
from courtside.home import open_stream
from courtside.records import athletes, loads, post_of, to_delivered

TOKEN = "test-token-1"
NOW = 1_700_000_000.0


def _x(fake: FakeX, token: str = TOKEN, **kw: Any) -> XSettings:
    return XSettings(base_url=fake.url, bearer_token=SecretStr(token), **kw)


def _records(settings: Settings) -> list[dict[str, Any]]:
    with open_stream(settings) as backend:
        return [loads(r.data) for r in backend.read("tweets", 0, 100_000)]


def _run(settings: Settings, collector: XCollector, limit: int) -> Any:
    return run_collector(settings, collector, limit=limit, max_delay_s=0.0)


def test_stream_parameters_rule_and_records(settings: Settings) -> None:
    with FakeX(TOKEN) as fake:
        included = {
            "id": "9",
            "text": "quoted",
            "author_id": "200",
            "created_at": "2020-03-01T11:00:00.000Z",
        }
        main = x_post("1", "LeBron James and Luka Dončić tonight", author="300")
        # X does not promise the author comes first; the collector puts it first.
        main["includes"]["users"] = [
            {"id": "200", "username": "other"},
            {"id": "300", "username": "author"},
        ]
        main["includes"]["tweets"] = [included]
        annotated = x_post(
            "2",
            "Just words",
            context_annotations=[
                {
                    "domain": {"id": "60", "name": "Athlete"},
                    "entity": {"id": "1", "name": "X Given"},
                }
            ],
        )
        fake.script = [Stream([line(main), b"\r\n", b"\r\n", line(annotated)])]
        report = _run(settings, XCollector(_x(fake), sleep=lambda s: None, now=lambda: NOW), 3)

        query = fake.stream_requests()[0]["query"]
        assert query["expansions"].split(",") == list(EXPANSIONS)
        assert query["tweet.fields"].split(",") == list(TWEET_FIELDS)
        assert query["user.fields"].split(",") == list(USER_FIELDS)
        assert query["place.fields"].split(",") == list(PLACE_FIELDS)
        # The configured rule was made sure to exist before connecting.
        gets = [r for r in fake.requests if r["method"] == "GET"]
        assert gets[0]["path"].endswith("/rules") and gets[1]["path"].endswith("/stream")
        assert fake.rules == [{"id": "1001", "value": "nba", "tag": "nba tweets"}]

    records = _records(settings)
    assert [post_of(r)["id"] for r in records] == ["1", "9", "2"]
    for record in records:
        to_delivered(record)
    assert records[0]["includes"]["users"][0]["username"] == "author"
    assert records[1]["includes"]["users"] == [{"id": "200", "username": "other"}]
    # No X annotations: the annotator adds them; existing ones are kept as they are.
    assert athletes(post_of(records[0])) == ["LeBron James", "Luka Doncic"]
    assert athletes(post_of(records[2])) == ["X Given"]
    assert report.records == 3 and report.events["keepalives"] == 2
    assert report.events["included_posts"] == 1


def test_existing_rule_is_not_added_again(settings: Settings) -> None:
    with FakeX(TOKEN) as fake:
        fake.rules = [{"id": "7", "value": "nba", "tag": "mine"}]
        fake.script = [Stream([line(x_post("1"))])]
        _run(settings, XCollector(_x(fake), sleep=lambda s: None), 1)
        assert [r["method"] for r in fake.rule_requests()] == ["GET"]


def test_backoff_schedule_follows_x_documentation(settings: Settings) -> None:
    reset_at = NOW + 30
    with FakeX(TOKEN) as fake:
        fake.script = [
            Drop(),
            Drop(),
            Status(503),
            Status(500),
            # A reset due sooner than the schedule does not shorten the 60 s wait.
            Status(429, headers={"x-rate-limit-reset": str(int(reset_at))}),
            Status(429),
            Status(429),
            Stream([line(x_post("1")), ("sleep", 0.5)]),  # healthy, then closed
            Status(503),  # the schedules were reset by the healthy connection
            Drop(),
            Stream([line(x_post("2"))]),
        ]
        sleeps: list[float] = []
        collector = XCollector(_x(fake), sleep=sleeps.append, now=lambda: NOW, clock=_fast_clock())
        report = _run(settings, collector, 2)
    assert sleeps == [0.25, 0.5, 5.0, 10.0, 60.0, 120.0, 240.0, 0.0, 5.0, 0.25]
    assert report.events["http_429"] == 3 and report.events["http_503"] == 2
    assert report.events["network_errors"] == 3
    assert report.records == 2


def _fast_clock(factor: float = 100.0) -> Callable[[], float]:
    """A monotonic clock running ``factor`` times faster than real time: a connection
    held open 0.5 s has lived 50 s (healthy), a quick one well under a second."""
    return lambda: time.monotonic() * factor


def test_backoff_caps() -> None:
    from courtside.collect.backoff import XBackoff

    backoff = XBackoff(rate_limit_max_s=960)
    assert [backoff.network() for _ in range(70)][-1] == 16.0
    assert [backoff.http() for _ in range(9)] == [5, 10, 20, 40, 80, 160, 320, 320, 320]
    assert [backoff.rate_limited(None, NOW) for _ in range(6)] == [60, 120, 240, 480, 960, 960]


def test_stall_reconnects_immediately(settings: Settings) -> None:
    with FakeX(TOKEN) as fake:
        fake.script = [
            Stream([line(x_post("1")), ("sleep", 3.0)]),  # no keep-alive: a stall
            Stream([line(x_post("2"))]),
        ]
        sleeps: list[float] = []
        collector = XCollector(_x(fake, stall_timeout_s=0.8), sleep=sleeps.append)
        report = _run(settings, collector, 2)
    assert report.events["stalls"] == 1
    assert sleeps == [0.0]
    assert [post_of(r)["id"] for r in _records(settings)] == ["1", "2"]


def test_bad_input_is_counted_and_the_collector_keeps_going(settings: Settings) -> None:
    operational = {
        "errors": [
            {
                "title": "operational-disconnect",
                "disconnect_type": "UpstreamOperationalDisconnect",
                "detail": "This stream has been disconnected upstream for operational reasons.",
                "type": "https://api.x.com/2/problems/operational-disconnect",
            }
        ]
    }
    too_many = {
        "title": "ConnectionException",
        "detail": "This stream is currently at the maximum allowed connection limit.",
        "connection_issue": "TooManyConnections",
        "type": "https://api.x.com/2/problems/streaming-connection",
    }
    huge = x_post("3", "x" * (1024 * 1024 + 100))
    bad_time = x_post("4", created_at="yesterday at noon")
    with FakeX(TOKEN) as fake:
        fake.script = [
            Stream(
                [
                    b"{not json\r\n",
                    line(x_post("1")),
                    line(operational),
                    line(huge)[:700_000],
                    line(huge)[700_000:],
                    line(bad_time),
                    b"[1, 2]\r\n",
                    line(too_many),
                    b'{"data": {"id": "5", "text": "cut',
                    "cut",  # closes mid-record
                ]
            ),
            Stream([line(x_post("6"))]),
        ]
        report = _run(settings, XCollector(_x(fake), sleep=lambda s: None), 2)
    assert [post_of(r)["id"] for r in _records(settings)] == ["1", "6"]
    assert report.rejected == {
        "NotJson": 1,
        "LineTooLarge": 1,
        "BadCreatedAt": 1,
        "NotObject": 1,
        "TruncatedRecord": 1,
    }
    assert report.events["inband_error:operational-disconnect"] == 1
    assert report.events["inband_error:TooManyConnections"] == 1
    assert report.events["disconnects"] == 1
    kept = [json.loads(x) for x in reject_log_path(settings).read_text().splitlines()]
    assert [k["code"] for k in kept] == [
        "NotJson",
        "LineTooLarge",
        "BadCreatedAt",
        "NotObject",
        "TruncatedRecord",
    ]


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_are_terminal_without_retry(settings: Settings, status: int) -> None:
    with FakeX(TOKEN) as fake:
        fake.script = [Status(status, json.dumps({"title": "Forbidden"}).encode())]
        sleeps: list[float] = []
        with open_stream(settings) as backend:
            backend.append("tweets", b"{}")  # unrelated, must survive
        with pytest.raises(XAuthError) as info:
            _run(settings, XCollector(_x(fake), sleep=sleeps.append), 10)
        assert len(fake.stream_requests()) == 1 and sleeps == []
    message = str(info.value)
    assert f"HTTP {status}" in message
    assert ("bearer token" in message) if status == 401 else ("Project" in message)


def test_wrong_token_on_rules_endpoint(settings: Settings) -> None:
    with FakeX(TOKEN) as fake, pytest.raises(XAuthError, match="X_BEARER_TOKEN"):
        _run(settings, XCollector(_x(fake, token="wrong"), sleep=lambda s: None), 1)


def test_canary_token_never_leaks(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    canary = "CANARY-7f3a9c21-bearer"
    caplog.set_level(logging.DEBUG)
    with FakeX(canary, echo_token=True) as fake:
        fake.script = [
            Status(503),  # bodies echo the token back: must be redacted
            Status(429, headers={"x-rate-limit-reset": "0"}),
            Drop(),
            Stream([line(x_post("1", f"hello {canary[:6]}")), b"{bad\r\n", "cut"]),
            Status(500),
            Stream([line(x_post("2"))]),
        ]
        collector = XCollector(_x(fake, token=canary), sleep=lambda s: None, now=lambda: NOW)
        report = _run(settings, collector, 2)
        assert report.rejected == {"NotJson": 1} and report.events["http_500"] == 1
        fake.script = [Status(401)]
        fake.token = "rotated"  # now every call is rejected, echoing what it got
        with pytest.raises(XAuthError) as info:
            _run(settings, XCollector(_x(fake, token=canary), sleep=lambda s: None), 5)
    assert caplog.records, "debug logging captured nothing"
    for record in caplog.records:
        assert canary not in record.getMessage()
    assert canary not in caplog.text
    assert canary not in str(info.value) and canary not in repr(info.value)
    with open_stream(settings) as backend:
        assert all(canary.encode() not in r.data for r in backend.read("tweets", 0, 1000))
    assert canary not in reject_log_path(settings).read_text()
    assert canary not in repr(_x(fake, token=canary))


def test_x_rules_cli_calls(
    courtside: Courtside, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeX(TOKEN) as fake:
        monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
        monkeypatch.setenv("COURTSIDE_X__BASE_URL", fake.url)
        home = ["--home", str(settings.home)]
        result = courtside.invoke(*home, "collect", "x-rules", "add", "--json")
        assert result.exit_code == 0, result.output
        result = courtside.invoke(
            *home, "collect", "x-rules", "add", "lakers OR celtics", "--tag", "rivals"
        )
        assert result.exit_code == 0, result.output
        result = courtside.invoke(*home, "collect", "x-rules", "list", "--json")
        listed = json.loads(result.stdout)
        assert [r["value"] for r in listed] == ["nba", "lakers OR celtics"]
        result = courtside.invoke(*home, "collect", "x-rules", "delete", listed[0]["id"])
        assert result.exit_code == 0 and "deleted 1 rule" in result.stdout
        posts = [r["json"] for r in fake.rule_requests() if r["method"] == "POST"]
    assert posts == [
        {"add": [{"value": "nba", "tag": "nba tweets"}]},
        {"add": [{"value": "lakers OR celtics", "tag": "rivals"}]},
        {"delete": {"ids": ["1001"]}},
    ]
    assert [r["value"] for r in fake.rules] == ["lakers OR celtics"]


def test_cli_exits_non_zero_on_401(courtside: Courtside, home: Path) -> None:
    with FakeX(TOKEN) as fake:
        env = {"X_BEARER_TOKEN": "CANARY-cli-token", "COURTSIDE_X__BASE_URL": fake.url}
        args = ("-vv", "collect", "--source", "x")
        proc = courtside(*args, home=home, env=env, ok=False, timeout_s=60)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "HTTP 401" in err and "X_BEARER_TOKEN" in err
    assert "CANARY-cli-token" not in err + proc.stdout.decode()
