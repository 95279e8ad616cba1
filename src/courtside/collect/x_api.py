"""X API v2 plumbing shared by the filtered-stream collector and ``x-rules``: the bearer
token, the HTTP client, error classification and the stream rule endpoints.

The bearer token is a ``SecretStr`` from ``x.bearer_token`` or ``X_BEARER_TOKEN``. It is
only ever placed in the ``Authorization`` header; every message built from a response is
passed through :func:`redact` as a second line of defence.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import httpx
import orjson
from pydantic import SecretStr

from courtside.collect.config import XSettings
from courtside.errors import ConfigError, TerminalError, TransientError

log = logging.getLogger(__name__)

STREAM_PATH = "/2/tweets/search/stream"
RULES_PATH = "/2/tweets/search/stream/rules"
EXPANSIONS = (
    "entities.mentions.username",
    "author_id",
    "geo.place_id",
    "in_reply_to_user_id",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
)
TWEET_FIELDS = (
    "context_annotations",
    "author_id",
    "conversation_id",
    "created_at",
    "entities",
    "geo",
    "in_reply_to_user_id",
    "lang",
    "possibly_sensitive",
    "referenced_tweets",
    "source",
)
USER_FIELDS = ("name", "location", "description", "entities", "id", "username")
PLACE_FIELDS = ("country", "country_code", "full_name", "geo", "name", "id", "place_type")
_MAX_ERROR_BODY = 64 * 1024

__all__ = [
    "EXPANSIONS",
    "PLACE_FIELDS",
    "RULES_PATH",
    "STREAM_PATH",
    "TWEET_FIELDS",
    "USER_FIELDS",
    "XAuthError",
    "XHttpError",
    "XNetworkError",
    "XRuleError",
    "XRules",
    "bearer_token",
    "make_client",
    "redact",
    "stream_params",
]


class XAuthError(ConfigError):
    """X refused the credentials (HTTP 401/403): retrying cannot help.

    Attributes:
        status: The HTTP status.
    """

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message, key="x.bearer_token")
        self.status = status


class XHttpError(TransientError):
    """An HTTP error status from X that is worth retrying (429, 5xx, ...).

    Attributes:
        status: The HTTP status.
        reset_epoch_s: ``x-rate-limit-reset`` when the response carried it.
    """

    def __init__(self, message: str, *, status: int, reset_epoch_s: float | None = None):
        super().__init__(message)
        self.status = status
        self.reset_epoch_s = reset_epoch_s


class XNetworkError(TransientError):
    """X could not be reached, or the connection broke (refused, reset, timed out)."""


class XRuleError(TerminalError):
    """X rejected a stream rule (invalid syntax, too many rules, unknown id)."""


def bearer_token(settings: XSettings) -> SecretStr:
    """The bearer token from the config, else ``X_BEARER_TOKEN``.

    Raises:
        ConfigError: when neither is set.
    """
    if settings.bearer_token is not None and settings.bearer_token.get_secret_value():
        return settings.bearer_token
    env = os.environ.get("X_BEARER_TOKEN", "").strip()
    if env:
        return SecretStr(env)
    raise ConfigError(
        "no X bearer token: set X_BEARER_TOKEN or x.bearer_token in courtside.toml "
        "(an app-only token from the X developer portal)",
        key="x.bearer_token",
    )


def redact(text: str, token: SecretStr) -> str:
    """``text`` with every occurrence of the token replaced by ``***``."""
    secret = token.get_secret_value()
    return text.replace(secret, "***") if secret else text


def make_client(settings: XSettings, token: SecretStr) -> httpx.Client:
    """An HTTP client for the X API: base URL, bearer header, and a read timeout equal
    to the stall timeout (no byte for that long means a stalled stream)."""
    return httpx.Client(
        base_url=settings.base_url.rstrip("/"),
        headers={
            "Authorization": f"Bearer {token.get_secret_value()}",
            "User-Agent": "courtside-collect",
        },
        timeout=httpx.Timeout(
            connect=settings.connect_timeout_s,
            read=settings.stall_timeout_s,
            write=settings.connect_timeout_s,
            pool=settings.connect_timeout_s,
        ),
    )


def stream_params() -> dict[str, str]:
    """Query parameters of the filtered stream: the original client's expansions and
    fields."""
    return {
        "expansions": ",".join(EXPANSIONS),
        "tweet.fields": ",".join(TWEET_FIELDS),
        "user.fields": ",".join(USER_FIELDS),
        "place.fields": ",".join(PLACE_FIELDS),
    }


def _problem(body: bytes) -> str:
    """A short description of an X error body (``title: detail``), or ''."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body[:200].decode("utf-8", "replace").strip()
    if not isinstance(doc, dict):
        return ""
    listed = doc.get("errors")
    items: list[Any] = listed if isinstance(listed, list) else [doc]
    parts = []
    for item in items[:3]:
        if isinstance(item, dict):
            title = item.get("title") or item.get("reason") or ""
            detail = item.get("detail") or item.get("message") or ""
            parts.append(f"{title}: {detail}".strip(": "))
    return "; ".join(p for p in parts if p)[:500]


def raise_for_status(
    status: int, headers: httpx.Headers, body: bytes, token: SecretStr, what: str
) -> None:
    """Raise the courtside error for an X error response (nothing for 2xx)."""
    if status < 400:
        return
    problem = redact(_problem(body), token)
    suffix = f" ({problem})" if problem else ""
    if status == 401:
        raise XAuthError(
            f"X rejected the bearer token for {what} (HTTP 401 Unauthorized){suffix}: "
            "check x.bearer_token / X_BEARER_TOKEN (expired, revoked or mistyped)",
            status=status,
        )
    if status == 403:
        raise XAuthError(
            f"X refused access to {what} (HTTP 403 Forbidden){suffix}: the token's app "
            "must belong to a Project whose access level includes the filtered stream",
            status=status,
        )
    reset: float | None = None
    if status == 429:
        raw = headers.get("x-rate-limit-reset")
        try:
            reset = float(raw) if raw is not None else None
        except ValueError:
            reset = None
    raise XHttpError(
        f"X answered HTTP {status} for {what}{suffix}", status=status, reset_epoch_s=reset
    )


class XRules:
    """The filtered stream's rule endpoints (``GET``/``POST /2/tweets/search/stream/rules``).

    Args:
        settings: X settings (base URL, token).
        client: An HTTP client (default: one made from ``settings``).
    """

    def __init__(self, settings: XSettings, client: httpx.Client | None = None) -> None:
        self.token = bearer_token(settings)
        self.client = client or make_client(settings, self.token)

    def _call(self, method: str, json: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            resp = self.client.request(method, RULES_PATH, json=json)
        except httpx.HTTPError as exc:
            message = redact(f"{type(exc).__name__}: {exc}", self.token)
            raise XNetworkError(f"cannot reach the X rules endpoint: {message}") from None
        raise_for_status(resp.status_code, resp.headers, resp.content, self.token, "stream rules")
        try:
            doc = orjson.loads(resp.content)
        except orjson.JSONDecodeError:
            raise XHttpError(
                "X rules endpoint answered non-JSON", status=resp.status_code
            ) from None
        return doc if isinstance(doc, dict) else {}

    def rules(self) -> list[dict[str, Any]]:
        """Every rule: dicts with ``id``, ``value`` and maybe ``tag``."""
        data = self._call("GET").get("data")
        return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []

    def add(self, value: str, tag: str | None = None) -> dict[str, Any]:
        """Add one rule and return it (the existing one when X reports a duplicate).

        Raises:
            XRuleError: when X rejects the rule.
        """
        rule: dict[str, str] = {"value": value}
        if tag:
            rule["tag"] = tag
        doc = self._call("POST", {"add": [rule]})
        data = doc.get("data")
        if isinstance(data, list) and data and isinstance(data[0], dict):
            return data[0]
        errors = doc.get("errors")
        for err in errors if isinstance(errors, list) else []:
            if isinstance(err, dict) and err.get("title") == "DuplicateRule":
                return {"id": str(err.get("id", "")), "value": value, "tag": tag}
        raise XRuleError(f"X rejected the rule {value!r}: {_problem(orjson.dumps(doc))}")

    def delete(self, ids: list[str]) -> int:
        """Delete rules by id; return how many X deleted.

        Raises:
            XRuleError: when X reports ids it could not delete.
        """
        doc = self._call("POST", {"delete": {"ids": list(ids)}})
        meta = doc.get("meta")
        summary = meta.get("summary") if isinstance(meta, dict) else None
        if not isinstance(summary, dict):
            summary = {}
        deleted = summary.get("deleted", 0)
        if summary.get("not_deleted"):
            raise XRuleError(
                f"X deleted {deleted} of {len(ids)} rule(s): {_problem(orjson.dumps(doc))}"
            )
        return int(deleted) if isinstance(deleted, int) else 0

    def ensure(self, value: str, tag: str | None) -> dict[str, Any]:
        """Make sure a rule with ``value`` exists (adding it with ``tag`` if not)."""
        for rule in self.rules():
            if rule.get("value") == value:
                return rule
        rule = self.add(value, tag)
        log.info("added X stream rule %r (tag %r, id %s)", value, tag, rule.get("id"))
        return rule

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()
