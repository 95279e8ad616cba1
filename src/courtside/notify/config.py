"""Configuration of the notifier (the original's Lambda + SNS email)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from courtside._model import LocalPath, Section


class NotifySettings(Section):
    """SMTP and webhook settings. The password and the webhook URL never print.

    Attributes:
        smtp_host: SMTP server.
        smtp_port: SMTP port (25, or 587 with STARTTLS).
        smtp_starttls: Upgrade the connection with STARTTLS before logging in.
        smtp_cafile: CA bundle to verify the server's certificate (default: system CAs).
        smtp_user: Login user (no login when unset).
        smtp_password: Login password.
        mail_from: Sender address.
        mail_to: Recipient addresses.
        webhook_url: Where webhook notifications are POSTed (Slack-compatible ``text``).
        timeout_s: Timeout of one SMTP or HTTP attempt.
        webhook_retries: Extra attempts after a failed POST (5xx, 408, 429, timeout).
        webhook_backoff_s: Wait before the first retry; doubles on every further one.
        retry_pause_s: When a channel is down, how long a following notifier waits before
            trying the same alert again (nothing is skipped).
        group: Consumer-group prefix on ``alerts``; the group is ``<group>-<channel>``.
        sns_topic_arn: The SNS topic of the ``sns`` channel (the stack's AlertsTopicArn).
    """

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, gt=0, lt=65536)
    smtp_starttls: bool = False
    smtp_cafile: LocalPath | None = None
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "courtside@localhost"
    mail_to: list[str] = []
    webhook_url: SecretStr | None = None
    timeout_s: float = Field(default=10.0, gt=0, le=300)
    webhook_retries: int = Field(default=3, ge=0, le=20)
    webhook_backoff_s: float = Field(default=1.0, ge=0, le=60)
    retry_pause_s: float = Field(default=30.0, gt=0, le=3600)
    group: str = Field(default="notify", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    sns_topic_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:sns:[^\s]{1,256}$")
