"""Configuration of the collectors."""

from __future__ import annotations

from pydantic import Field, SecretStr

from courtside._model import Section


class XSettings(Section):
    """X API v2 filtered stream settings. The bearer token never prints.

    Attributes:
        bearer_token: App-only bearer token (else the ``X_BEARER_TOKEN`` variable).
        base_url: API root; tests point it at a local server.
        rule_value: The filtered-stream rule made sure to exist before connecting.
        rule_tag: The tag of that rule.
        stall_timeout_s: No byte (post or keep-alive) for this long means a stalled
            connection: reconnect. X sends a keep-alive about every 20 s.
        connect_timeout_s: TCP/TLS connect timeout.
        max_line_kib: Longest accepted stream line; longer ones are skipped and counted.
        rate_limit_max_s: Cap of the 429 back-off when no ``x-rate-limit-reset`` header
            says otherwise (X documents no cap; doubling from 60 s reaches it in 5 steps).
    """

    bearer_token: SecretStr | None = None
    base_url: str = "https://api.x.com"
    rule_value: str = "nba"
    rule_tag: str = "nba tweets"
    stall_timeout_s: float = Field(default=20.0, gt=0, le=3600)
    connect_timeout_s: float = Field(default=10.0, gt=0, le=300)
    max_line_kib: int = Field(default=1024, gt=0, le=65_536)
    rate_limit_max_s: float = Field(default=960.0, gt=0, le=86400)


class BlueskySettings(Section):
    """Bluesky Jetstream settings.

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
    keywords: list[str] = ["nba"]
    langs: list[str] = []
    rewind_s: float = Field(default=5.0, ge=0, le=86400)
    max_frame_kib: int = Field(default=1024, gt=0, le=65_536)
    reconnect_max_s: float = Field(default=30.0, gt=0, le=3600)
    open_timeout_s: float = Field(default=10.0, gt=0, le=300)
