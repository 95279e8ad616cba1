"""Configuration of the notifier (the original's Lambda + SNS email)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from courtside._model import Section


class NotifySettings(Section):
    """SMTP and webhook settings. The password never prints."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, gt=0, lt=65536)
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "courtside@localhost"
    mail_to: list[str] = []
    webhook_url: str | None = None
    timeout_s: float = Field(default=10.0, gt=0)
