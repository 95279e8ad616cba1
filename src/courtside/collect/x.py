"""The X API v2 filtered-stream collector (the original system's Go client).

Before connecting it makes sure the configured rule exists, then reads
``GET /2/tweets/search/stream`` (chunked HTTP, one JSON document per ``\\r\\n``-terminated
line, blank keep-alive lines about every 20 s) and puts every post on the ``tweets``
stream, plus each post in ``includes.tweets`` as a record of its own, like the original.

* No byte for ``x.stall_timeout_s`` (the client's read timeout) is a stalled connection;
  it is dropped and re-opened.
* Reconnects follow X's documented schedule (see :mod:`courtside.collect.backoff`):
  immediately once after an established connection drops, then linear for network
  errors and for connections that end quickly (whatever they delivered), exponential
  for HTTP errors and 429 (``x-rate-limit-reset`` only ever lengthens a wait). Only a
  connection that stayed up for :data:`~courtside.collect.backoff.STABLE_AFTER_S`
  starts the schedules anew. The sleeper, the wall clock and the monotonic clock are
  injectable.
* HTTP 401/403 raise :class:`~courtside.collect.x_api.XAuthError` (terminal, no retry).
* In-band error objects (``errors`` without ``data``, e.g. ``operational-disconnect``,
  or a ``TooManyConnections`` problem) are logged and counted, never put on the stream.
* Lines that are not JSON, or longer than ``x.max_line_kib``, and a record cut short by
  a disconnect are rejected and counted; the collector keeps reading.
* For the detector's sake the post's author is moved to the front of
  ``includes.users`` (X does not promise an order).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from courtside.collect.backoff import STABLE_AFTER_S, XBackoff
from courtside.collect.base import Output, Stopper
from courtside.collect.config import XSettings
from courtside.collect.x_api import (
    STREAM_PATH,
    XHttpError,
    XNetworkError,
    XRules,
    bearer_token,
    make_client,
    raise_for_status,
    redact,
    stream_params,
)
from courtside.errors import RecordError
from courtside.records import loads

log = logging.getLogger(__name__)

_ERROR_BODY_BYTES = 64 * 1024


@dataclass
class _Drop:
    """How an established (HTTP 200) connection ended."""

    reason: str  # "closed", "stall", "network", "stopped"
    lived_s: float  # from the HTTP 200 to the end


class XCollector:
    """Collects the X filtered stream.

    Args:
        settings: X settings.
        sleep: Called with each back-off delay (default: an interruptible wait).
        now: Wall clock in epoch seconds, for ``x-rate-limit-reset`` (injectable).
        clock: Monotonic clock measuring how long connections live (injectable).
        client: An HTTP client (default: made from ``settings``).
        stable_after_s: A connection that lived this long was healthy.
    """

    name = "x"

    def __init__(
        self,
        settings: XSettings,
        *,
        sleep: Callable[[float], Any] | None = None,
        now: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.monotonic,
        client: httpx.Client | None = None,
        stable_after_s: float = STABLE_AFTER_S,
    ) -> None:
        self.settings = settings
        self.token = bearer_token(settings)
        self.client = client or make_client(settings, self.token)
        self.rules = XRules(settings, self.client)
        self._sleep = sleep
        self._now = now
        self._clock = clock
        self.max_line_bytes = settings.max_line_kib * 1024
        self.backoff = XBackoff(settings.rate_limit_max_s, stable_after_s)
        self.delays: list[float] = []

    # -- the reconnect loop ------------------------------------------------------------
    def run(self, output: Output, stopper: Stopper) -> None:
        """Collect until stopped or ``output`` is full; 401/403 raise ``XAuthError``."""
        report = output.report
        rule_ok = False
        try:
            while not stopper.requested and not output.full:
                try:
                    if not rule_ok:
                        self.rules.ensure(self.settings.rule_value, self.settings.rule_tag)
                        rule_ok = True
                    drop = self._connect(output, stopper)
                except XNetworkError as exc:
                    report.count("network_errors")
                    delay = self.backoff.network()
                    log.warning("%s; retrying in %.2fs", exc, delay)
                except XHttpError as exc:
                    if exc.status == 429:
                        report.count("http_429")
                        delay = self.backoff.rate_limited(exc.reset_epoch_s, self._now())
                    else:
                        report.count(f"http_{exc.status}")
                        delay = self.backoff.http()
                    log.warning("%s; retrying in %.2fs", exc, delay)
                else:
                    if drop.reason == "stopped":
                        break
                    report.count("disconnects" if drop.reason != "stall" else "stalls")
                    delay = self.backoff.dropped(drop.lived_s)
                    log.warning(
                        "X stream %s; reconnecting in %.2fs",
                        "stalled" if drop.reason == "stall" else f"dropped ({drop.reason})",
                        delay,
                    )
                output.sink.flush()
                if stopper.requested or output.full:
                    break
                report.count("reconnects")
                self._wait(delay, stopper)
        finally:
            self.client.close()

    def _wait(self, delay_s: float, stopper: Stopper) -> None:
        self.delays.append(delay_s)
        if self._sleep is not None:
            self._sleep(delay_s)
        elif delay_s > 0:
            stopper.wait(delay_s)

    # -- one connection ----------------------------------------------------------------
    def _connect(self, output: Output, stopper: Stopper) -> _Drop:
        report = output.report
        try:
            with self.client.stream("GET", STREAM_PATH, params=stream_params()) as resp:
                if resp.status_code != 200:
                    body = _read_some(resp)
                    raise_for_status(
                        resp.status_code, resp.headers, body, self.token, "the filtered stream"
                    )
                    raise XHttpError(
                        f"X answered HTTP {resp.status_code} for the filtered stream",
                        status=resp.status_code,
                    )
                report.count("connections")
                log.info("connected to the X filtered stream")
                return self._read(resp, output, stopper)
        except httpx.TransportError as exc:
            raise XNetworkError(self._describe(exc)) from None

    def _describe(self, exc: Exception) -> str:
        return redact(
            f"cannot reach the X filtered stream: {type(exc).__name__}: {exc}", self.token
        )

    def _read(self, resp: httpx.Response, output: Output, stopper: Stopper) -> _Drop:
        opened = self._clock()
        reason = self._read_lines(resp, output, stopper)
        return _Drop(reason, self._clock() - opened)

    def _read_lines(self, resp: httpx.Response, output: Output, stopper: Stopper) -> str:
        """Read until the connection ends; return how it ended."""
        buf = bytearray()
        skipping = False
        limit = self.max_line_bytes
        try:
            for chunk in resp.iter_bytes():
                start = 0
                while True:
                    nl = chunk.find(b"\n", start)
                    if nl < 0:
                        if not skipping:
                            buf += chunk[start:]
                            if len(buf) > limit:
                                output.reject(
                                    "LineTooLarge",
                                    f"stream line over {limit} bytes skipped",
                                    bytes(buf[:1024]),
                                )
                                buf.clear()
                                skipping = True
                        break
                    if skipping:
                        skipping = False
                    elif len(buf) + nl - start > limit + 1:  # +1: the line's "\r"
                        output.reject(
                            "LineTooLarge",
                            f"stream line over {limit} bytes skipped",
                            bytes(buf[:1024]),
                        )
                        buf.clear()
                    else:
                        buf += chunk[start:nl]
                        line = bytes(buf)
                        with output.guarded("X stream line", line):
                            self._line(line, output)
                        buf.clear()
                    start = nl + 1
                if not buf and output.sink.pending:
                    output.sink.flush()
                else:
                    output.sink.maybe_flush()
                if stopper.requested or output.full:
                    return "stopped"
        except httpx.ReadTimeout:
            return "stall"
        except httpx.TransportError as exc:
            self._truncated(buf, output)
            log.info("X stream connection lost: %s", self._describe(exc))
            return "network"
        self._truncated(buf, output)
        return "closed"

    def _truncated(self, buf: bytearray, output: Output) -> None:
        if buf.strip():
            output.reject(
                "TruncatedRecord", "connection closed in the middle of a record", bytes(buf)
            )

    def _line(self, line: bytes, output: Output) -> None:
        report = output.report
        if output.full:  # the rest of this chunk is past the record limit
            return
        if not line.strip():
            report.count("keepalives")
            return
        try:
            doc = loads(line)
        except RecordError as exc:
            output.reject(exc.code, f"X stream line: {exc}", line)
            return
        if "data" not in doc:
            self._inband_error(doc, report_count=report.count)
            return
        if "errors" in doc:
            report.count("partial_errors")
        data = doc.get("data")
        if isinstance(data, dict):
            _author_first(data, doc.get("includes"))
        if output.post(doc):
            report.count("posts")
        includes = doc.get("includes")
        tweets = includes.get("tweets") if isinstance(includes, dict) else None
        if isinstance(includes, dict) and isinstance(tweets, list):
            for tweet in tweets:
                if not isinstance(tweet, dict):
                    continue
                record = {
                    "data": tweet,
                    "includes": {"users": _authors(tweet, includes)},
                    "matching_rules": doc.get("matching_rules", []),
                }
                if output.post(record):
                    report.count("included_posts")

    def _inband_error(self, doc: dict[str, Any], report_count: Callable[[str], None]) -> None:
        listed = doc.get("errors")
        errors: list[Any] = listed if isinstance(listed, list) else [doc]
        for err in errors:
            if not isinstance(err, dict):
                continue
            kind = str(
                err.get("connection_issue") or err.get("title") or err.get("type") or "unknown"
            )[:80]
            detail = str(err.get("detail") or err.get("message") or "")[:300]
            report_count(f"inband_error:{kind}")
            log.warning("X stream error object %s: %s", kind, redact(detail, self.token))


def _read_some(resp: httpx.Response) -> bytes:
    body = bytearray()
    try:
        for chunk in resp.iter_bytes():
            body += chunk
            if len(body) >= _ERROR_BODY_BYTES:
                break
    except httpx.HTTPError:
        pass
    return bytes(body[:_ERROR_BODY_BYTES])


def _authors(tweet: dict[str, Any], includes: dict[str, Any]) -> list[Any]:
    users = includes.get("users")
    author = tweet.get("author_id")
    if isinstance(users, list) and author is not None:
        for user in users:
            if isinstance(user, dict) and user.get("id") == author:
                return [user]
    return []


def _author_first(post: dict[str, Any], includes: Any) -> None:
    if not isinstance(includes, dict):
        return
    users = includes.get("users")
    author = post.get("author_id")
    if not isinstance(users, list) or author is None:
        return
    for i, user in enumerate(users):
        if isinstance(user, dict) and user.get("id") == author:
            if i:
                users.insert(0, users.pop(i))
            return
