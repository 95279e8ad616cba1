"""The notification text (SPEC): subject ``NBA Tampering Detect`` and the body
``NBA team <team> sent <total> posts to player <player> between <start> and <end>,
from: <players>``.

An alert read from the ``alerts`` stream is untrusted: every text value is sanitised
(control characters including CR/LF and Unicode line separators become spaces, length is
capped) before it reaches a mail header, a body or a chat message.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from courtside.errors import RecordError

SUBJECT = "NBA Tampering Detect"
_MAX_TEXT = 200
_MAX_PLAYERS = 50
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")

__all__ = ["SUBJECT", "Notification", "clean", "notification", "parse_alert"]


def clean(value: Any, limit: int = _MAX_TEXT) -> str:
    """``value`` as one safe line: control/format characters (CR, LF, NUL, U+2028...)
    replaced by spaces, whitespace collapsed, at most ``limit`` characters."""
    text = str(value)
    out = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    out = " ".join(out.split())
    return out[:limit]


@dataclass(frozen=True)
class Notification:
    """A rendered notification of one alert version."""

    alert_id: str
    version: int
    subject: str
    body: str
    alert: dict[str, Any]

    @property
    def is_update(self) -> bool:
        """True for an update of an alert already notified (a later window firing)."""
        return self.version > 1


def parse_alert(doc: dict[str, Any]) -> dict[str, Any]:
    """Validate an alert document and return its sanitised fields.

    Raises:
        RecordError: ``BadAlert`` naming the first missing or malformed field.
    """

    def need(name: str, kinds: type | tuple[type, ...]) -> Any:
        value = doc.get(name)
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise RecordError("BadAlert", f"alert field {name!r} is missing or malformed")
        return value

    alert_id = need("alert_id", str)
    if not _ID.match(alert_id):
        raise RecordError("BadAlert", "alert field 'alert_id' is malformed")
    version = doc.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RecordError("BadAlert", "alert field 'version' is malformed")
    total = need("total", int)
    players = need("players", list)
    return {
        "alert_id": alert_id,
        "version": version,
        "team": clean(need("team", str)),
        "tamperingPlayer": clean(need("tamperingPlayer", str)),
        "total": total,
        "players": [clean(p) for p in players[:_MAX_PLAYERS]],
        "window_start": clean(need("window_start", str), 40),
        "window_end": clean(need("window_end", str), 40),
    }


def notification(doc: dict[str, Any]) -> Notification:
    """Render the notification of an alert document (validated and sanitised).

    Raises:
        RecordError: ``BadAlert`` for a malformed alert.
    """
    alert = parse_alert(doc)
    body = (
        f"NBA team {alert['team']} sent {alert['total']} posts to player "
        f"{alert['tamperingPlayer']} between {alert['window_start']} and "
        f"{alert['window_end']}, from: {', '.join(alert['players'])}"
    )
    subject = SUBJECT
    if alert["version"] > 1:
        subject = f"{SUBJECT} (update {alert['version']})"
        body = (
            f"Update {alert['version']} of alert {alert['alert_id']} (late posts arrived for "
            f"the same window): {body}"
        )
    return Notification(alert["alert_id"], alert["version"], subject, body, alert)
