"""Configuration of the collectors."""

from __future__ import annotations

from pydantic import Field, SecretStr

from courtside._model import Section


class XSettings(Section):
    """X API v2 filtered stream settings. The bearer token never prints."""

    bearer_token: SecretStr | None = None
    base_url: str = "https://api.x.com"
    rule_value: str = "nba"
    rule_tag: str = "nba tweets"
    stall_timeout_s: float = Field(default=20.0, gt=0)


class BlueskySettings(Section):
    """Bluesky Jetstream settings."""

    url: str = "wss://jetstream2.us-east.bsky.network/subscribe"
    keywords: list[str] = ["nba"]
    langs: list[str] = []
    rewind_s: float = Field(default=5.0, ge=0)
