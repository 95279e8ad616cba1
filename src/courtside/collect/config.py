"""Configuration of the collectors.

The endpoints are checked when the configuration is loaded, so a mistyped URL stops
``courtside collect`` at once with one line naming the key, instead of being retried
forever as a network error.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, StringConstraints, field_validator

from courtside._model import Section

MAX_REWIND_S = 36 * 3600.0
"""Jetstream replays at most about the last 36 hours; an older cursor is clamped."""

DEFAULT_TAMPERING_PER_CHUNK = 3
"""Tampering bursts per 1,000 records of the synthetic collector unless told otherwise
(``courtside collect --source synthetic --tampering N``; 0 turns them off)."""

_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def _valid_host(host: str) -> bool:
    """A DNS name (letters, digits, hyphens; dot-separated labels) or an IP address."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    if not name or len(name) > 253:
        return False
    labels = name.split(".")
    if labels[-1].isdigit():  # "1.2.3.999" is a broken address, not a name
        return False
    return all(_LABEL.fullmatch(label) for label in labels)


def check_url(value: str, schemes: tuple[str, ...]) -> str:
    """``value`` when it is an absolute URL with one of ``schemes``, a valid host and
    port, and no credentials, query or fragment to leak or lose.

    Raises:
        ValueError: saying what is wrong (pydantic turns it into a one-line error).
    """
    text = value.strip()
    if any(c.isspace() for c in text) or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("must not contain spaces or control characters")
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # e.g. a bracketed host that is not an IPv6 address
        raise ValueError(f"is not a valid URL: {exc}") from None
    expected = " or ".join(f"{s}://" for s in schemes)
    if parts.scheme.lower() not in schemes or not text.lower().startswith(parts.scheme + "://"):
        raise ValueError(f"must start with {expected} (e.g. {schemes[-1]}://host/...)")
    if "@" in parts.netloc:
        raise ValueError("must not carry credentials (user:password@)")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:  # a port that is not a number or out of range
        raise ValueError(f"has a bad port: {exc}") from None
    if not host or not _valid_host(host):
        raise ValueError(f"has no valid host name: {parts.netloc!r}")
    if port == 0:
        raise ValueError("has a bad port: 0")
    if parts.fragment:
        raise ValueError("must not have a #fragment")
    return text


class XSettings(Section):
    """X API v2 filtered stream settings. The bearer token never prints. Every number
    is bounded to what works (a timeout of 1e300 s would crash the sleep).

    Attributes:
        bearer_token: App-only bearer token (else the ``X_BEARER_TOKEN`` variable).
        base_url: API root; tests point it at a local server.
        rule_value: The filtered-stream rule made sure to exist before connecting.
        rule_tag: The tag of that rule.
        stall_timeout_s: No byte (post or keep-alive) for this long means a stalled
            connection: reconnect. X sends a keep-alive about every 20 s.
        connect_timeout_s: TCP/TLS connect timeout.
        max_line_kib: Longest accepted stream line; longer ones are skipped and counted.
        rate_limit_max_s: Cap of the 429 back-off's doubling from 60 s (X documents no
            cap; the default is reached in 5 steps). A later ``x-rate-limit-reset``
            still lengthens a wait past it, up to an hour; an earlier one never
            shortens it.
    """

    bearer_token: SecretStr | None = None
    base_url: str = "https://api.x.com"
    rule_value: str = "nba"
    rule_tag: str = "nba tweets"
    stall_timeout_s: float = Field(default=20.0, gt=0, le=3600)
    connect_timeout_s: float = Field(default=10.0, gt=0, le=600)
    max_line_kib: int = Field(default=1024, gt=0, le=64 * 1024)
    rate_limit_max_s: float = Field(default=960.0, ge=60, le=86_400)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        text = check_url(value, ("http", "https"))
        if urlsplit(text).query:
            raise ValueError("must not have a ?query")
        return text


class BlueskySettings(Section):
    """Bluesky Jetstream settings (numbers bounded, like :class:`XSettings`).

    Attributes:
        url: Jetstream ``/subscribe`` WebSocket URL.
        keywords: Posts must contain one of these (case-insensitive, whole words).
            An empty list keeps every post.
        langs: Posts must declare one of these languages (``en`` also matches
            ``en-US``). An empty list keeps every language.
        rewind_s: On (re)connect, resume this many seconds before the saved cursor.
        max_frame_kib: Largest accepted frame; larger ones are skipped and counted.
        reconnect_max_s: Cap of the exponential reconnect back-off (starts at 1 s).
        open_timeout_s: WebSocket opening handshake timeout.
    """

    url: str = "wss://jetstream2.us-east.bsky.network/subscribe"
    keywords: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        default=["nba"], max_length=1000
    )
    langs: list[Annotated[str, StringConstraints(max_length=35)]] = Field(
        default=[], max_length=200
    )
    rewind_s: float = Field(default=5.0, ge=0, le=MAX_REWIND_S)
    max_frame_kib: int = Field(default=1024, gt=0, le=64 * 1024)
    reconnect_max_s: float = Field(default=30.0, ge=1, le=3600)
    open_timeout_s: float = Field(default=10.0, gt=0, le=600)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value, ("ws", "wss"))
