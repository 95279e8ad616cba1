"""Notification channels: console, email (SMTP) and webhook (Slack-compatible JSON).

A channel's ``send`` either returns (delivered) or raises:

* :class:`ChannelDownError` (transient): the channel cannot deliver right now (server
  unreachable, 5xx after every retry, timeout, refused login). The notifier keeps the
  alert and tries again later; nothing is skipped.
* :class:`AlertRejectedError` (terminal): the channel refused this one alert for good
  (a 4xx answer other than 408/429). The notifier records it as failed and moves on.

Secrets (the SMTP password, the webhook URL) never appear in errors or logs.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TextIO
from urllib.parse import urlsplit

import httpx

from courtside.aws.config import AwsSettings
from courtside.errors import ConfigError, TerminalError, TransientError
from courtside.notify.config import NotifySettings
from courtside.notify.message import Notification

log = logging.getLogger(__name__)

CHANNELS = ("console", "email", "webhook", "sns")
_HTTP_LOGGERS = ("httpx", "httpcore")

__all__ = [
    "CHANNELS",
    "AlertRejectedError",
    "Channel",
    "ChannelDownError",
    "ConsoleChannel",
    "EmailChannel",
    "WebhookChannel",
    "make_channel",
]


class ChannelDownError(TransientError):
    """The channel cannot deliver now; retry the same alert later."""


class AlertRejectedError(TerminalError):
    """The channel refused this alert for good."""


class Channel(ABC):
    """Delivers rendered notifications."""

    name: str

    @abstractmethod
    def send(self, note: Notification) -> None:
        """Deliver ``note`` or raise (see the module docstring)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources."""


class ConsoleChannel(Channel):
    """Prints each notification (subject, then body) on a text stream."""

    name = "console"

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out

    def send(self, note: Notification) -> None:
        out = self.out or sys.stdout
        out.write(f"[{note.subject}] {note.body}\n")
        out.flush()


class EmailChannel(Channel):
    """Sends each notification as a plain-text email through SMTP.

    Raises:
        ConfigError: at construction when no recipient is configured.
    """

    name = "email"

    def __init__(self, cfg: NotifySettings) -> None:
        if not cfg.mail_to:
            raise ConfigError("notify.mail_to lists no recipient", key="notify.mail_to")
        if cfg.smtp_user and cfg.smtp_password is None:
            raise ConfigError("notify.smtp_user is set without a password", key="notify")
        self.cfg = cfg

    def message(self, note: Notification) -> EmailMessage:
        """The email of a notification (subject and body are single sanitised lines)."""
        msg = EmailMessage()
        msg["Subject"] = note.subject
        msg["From"] = self.cfg.mail_from
        msg["To"] = ", ".join(self.cfg.mail_to)
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = make_msgid(domain="courtside.local")
        msg["X-Courtside-Alert"] = f"{note.alert_id}/{note.version}"
        msg.set_content(note.body + "\n")
        return msg

    def send(self, note: Notification) -> None:
        cfg = self.cfg
        msg = self.message(note)
        where = f"{cfg.smtp_host}:{cfg.smtp_port}"
        try:
            with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout_s) as smtp:
                smtp.ehlo()
                if cfg.smtp_starttls:
                    context = ssl.create_default_context(
                        cafile=str(cfg.smtp_cafile) if cfg.smtp_cafile else None
                    )
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if cfg.smtp_user:
                    assert cfg.smtp_password is not None
                    smtp.login(cfg.smtp_user, cfg.smtp_password.get_secret_value())
                refused = smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelDownError(
                f"SMTP server {where} refused the login of {cfg.smtp_user!r} "
                f"({exc.smtp_code}); check notify.smtp_user/smtp_password"
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise AlertRejectedError(
                f"SMTP server {where} refused every recipient: {sorted(exc.recipients)}"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelDownError(
                f"cannot send mail through {where}: {type(exc).__name__}: {exc}"
            ) from None
        if refused:
            log.warning("SMTP server %s refused some recipients: %s", where, sorted(refused))


class _HideSecretUrl(logging.Filter):
    """Drops httpx/httpcore log records that would show the webhook URL (a secret: a
    Slack webhook URL is its own credential)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        parts = urlsplit(url)
        self.needles = [url, parts.path] if len(parts.path) > 1 else [url]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(needle in message for needle in self.needles)


def _slack_escape(text: str) -> str:
    # Slack reads <...> as links/mentions (<!channel>); escape as its docs say.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class WebhookChannel(Channel):
    """POSTs each notification as JSON: Slack-compatible ``text`` plus the ``alert``.

    Retries 5xx, 408, 429, timeouts and connection errors with exponential backoff.

    Raises:
        ConfigError: at construction when no URL is configured.
    """

    name = "webhook"

    def __init__(
        self,
        cfg: NotifySettings,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if cfg.webhook_url is None:
            raise ConfigError("notify.webhook_url is not set", key="notify.webhook_url")
        self.cfg = cfg
        self.url = cfg.webhook_url.get_secret_value()
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError("notify.webhook_url must be an http(s) URL", key="notify")
        self.client = client or httpx.Client(timeout=cfg.timeout_s)
        self._hide = _HideSecretUrl(self.url)
        for name in _HTTP_LOGGERS:
            logging.getLogger(name).addFilter(self._hide)
        self._sleep = sleep or time.sleep
        self.attempts = 0

    def payload(self, note: Notification) -> dict[str, object]:
        """The JSON body of the POST."""
        return {
            "text": _slack_escape(f"*{note.subject}*\n{note.body}"),
            "alert": note.alert,
            "update": note.is_update,
        }

    def send(self, note: Notification) -> None:
        payload = self.payload(note)
        cfg = self.cfg
        problem = ""
        for attempt in range(cfg.webhook_retries + 1):
            if attempt:
                self._sleep(cfg.webhook_backoff_s * 2 ** (attempt - 1))
            self.attempts += 1
            try:
                response = self.client.post(self.url, json=payload)
            except httpx.TimeoutException:
                problem = f"timed out after {cfg.timeout_s:g} s"
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}"
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return
                if 400 <= status < 500 and status not in (408, 429):
                    raise AlertRejectedError(f"webhook answered {status}; alert not accepted")
                problem = f"answered {status}"
            log.warning(
                "webhook attempt %d of %d %s", attempt + 1, cfg.webhook_retries + 1, problem
            )
        raise ChannelDownError(f"webhook {problem} on each of {cfg.webhook_retries + 1} attempts")

    def close(self) -> None:
        self.client.close()
        for name in _HTTP_LOGGERS:
            logging.getLogger(name).removeFilter(self._hide)


def make_channel(name: str, cfg: NotifySettings, aws: AwsSettings | None = None) -> Channel:
    """The channel called ``name`` (``console``, ``email``, ``webhook`` or ``sns``).

    Raises:
        ConfigError: for an unknown channel or missing channel settings.
    """
    if name == "console":
        return ConsoleChannel()
    if name == "email":
        return EmailChannel(cfg)
    if name == "webhook":
        return WebhookChannel(cfg)
    if name == "sns":
        from courtside.notify.sns import SnsChannel

        return SnsChannel(cfg.sns_topic_arn, aws or AwsSettings())
    raise ConfigError(f"unknown channel {name!r}; use one of {', '.join(CHANNELS)}")
