"""Email through a real local SMTP server (aiosmtpd) started by the test."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from notify_helpers import alert, committed, put, with_notify

from courtside.notify.service import Notifier, SentBook

aiosmtpd = pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

USER, PASSWORD = "alerts", "s3cret-pw"


class Inbox:
    """aiosmtpd handler keeping every received message."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(inbox: Inbox, **kw: Any) -> Iterator[Controller]:
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=_authenticator,
        auth_required=True,
        **kw,
    )
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def plain_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    for controller in _start(inbox, auth_require_tls=False):
        yield inbox, controller.port


@pytest.fixture
def cert(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    key, crt = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(crt),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return crt, key


def _settings(home: Path, port: int, password: str = PASSWORD, **kw: Any) -> Any:
    return with_notify(
        home,
        smtp_port=port,
        smtp_user=USER,
        smtp_password=password,
        mail_from="courtside@example.org",
        mail_to=["gm@example.org", "coach@example.org"],
        **kw,
    )


def test_email_once_per_alert_across_restarts(home: Path, plain_server: tuple[Inbox, int]) -> None:
    inbox, port = plain_server
    settings = _settings(home, port)
    put(settings, alert(), alert(window=1), alert(total=3, version=2), alert())
    report = Notifier(settings, "email").run(once=True)
    assert (report.sent, report.updates, report.repeats) == (2, 1, 1)
    assert len(inbox.messages) == 3
    rcpts, msg = inbox.messages[0]
    assert rcpts == ["gm@example.org", "coach@example.org"]
    assert msg["Subject"] == "NBA Tampering Detect"
    assert msg["From"] == "courtside@example.org"
    assert msg.get_payload(decode=True).decode().strip() == (  # type: ignore[union-attr]
        "NBA team Los Angeles Lakers sent 2 posts to player Jayson Tatum between "
        "2020-03-01T00:00:00.000Z and 2020-03-01T00:01:00.000Z, from: Anthony Davis, "
        "LeBron James"
    )
    assert inbox.messages[2][1]["Subject"] == "NBA Tampering Detect (update 2)"
    # Restart: nothing is sent twice.
    assert Notifier(settings, "email").run(once=True).sent == 0
    assert len(inbox.messages) == 3


def test_refused_login_is_counted_nothing_lost_then_delivered_once(
    home: Path, plain_server: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    inbox, port = plain_server
    bad = _settings(home, port, password="wrong-password")
    put(bad, alert())
    report = Notifier(bad, "email").run(once=True)
    assert report.down == 1 and report.sent == 0
    assert "refused the login" in str(report.last_error)
    assert "wrong-password" not in str(report.last_error) + caplog.text
    assert committed(bad, "email") == 0  # the alert is kept for later
    assert inbox.messages == []
    good = _settings(home, port)
    assert Notifier(good, "email").run(once=True).sent == 1
    assert len(inbox.messages) == 1
    book = SentBook(good, "email")
    assert book.count() == 1
    book.close()


def test_hostile_team_name_cannot_inject_headers(
    home: Path, plain_server: tuple[Inbox, int]
) -> None:
    inbox, port = plain_server
    settings = _settings(home, port)
    put(
        settings,
        alert(
            team="Lakers\r\nBcc: thief@example.net\r\n\r\nforged body",
            players=("X\r\nSubject: forged",),
        ),
    )
    assert Notifier(settings, "email").run(once=True).sent == 1
    rcpts, msg = inbox.messages[0]
    assert rcpts == ["gm@example.org", "coach@example.org"]
    assert msg["Bcc"] is None
    assert msg.get_all("Subject") == ["NBA Tampering Detect"]
    body = msg.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert body.strip().startswith("NBA team Lakers Bcc: thief@example.net forged body sent")


def test_starttls_with_verified_certificate(home: Path, cert: tuple[Path, Path]) -> None:
    crt, key = cert
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(crt, key)
    inbox = Inbox()
    for controller in _start(
        inbox, tls_context=context, require_starttls=True, auth_require_tls=True
    ):
        settings = _settings(home, controller.port, smtp_starttls=True, smtp_cafile=crt)
        put(settings, alert())
        assert Notifier(settings, "email").run(once=True).sent == 1
        assert len(inbox.messages) == 1
        # Without STARTTLS the server refuses: the channel is down, nothing is lost.
        plain = _settings(home / "other", controller.port)
        put(plain, alert())
        report = Notifier(plain, "email").run(once=True)
        assert report.down == 1 and committed(plain, "email") == 0
