"""The notification text and the sanitising of untrusted alert fields."""

from __future__ import annotations

from typing import Any

import pytest
from notify_helpers import alert

from courtside.errors import RecordError
from courtside.notify.message import SUBJECT, clean, notification


def test_subject_and_body_are_the_spec_text() -> None:
    note = notification(alert())
    assert note.subject == SUBJECT == "NBA Tampering Detect"
    assert note.body == (
        "NBA team Los Angeles Lakers sent 2 posts to player Jayson Tatum between "
        "2020-03-01T00:00:00.000Z and 2020-03-01T00:01:00.000Z, from: Anthony Davis, "
        "LeBron James"
    )
    assert not note.is_update


def test_an_update_says_it_is_an_update() -> None:
    note = notification(alert(total=3, version=2))
    assert note.is_update
    assert note.subject == "NBA Tampering Detect (update 2)"
    assert note.body.startswith(f"Update 2 of alert {note.alert_id}")
    assert "sent 3 posts" in note.body


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("Lakers\r\nBcc: evil@example.com", "Lakers Bcc: evil@example.com"),
        ("Heat\u2028Subject: x", "Heat Subject: x"),
        ("Nets\x00\x1b[31m", "Nets [31m"),
        ("  Jazz \t ", "Jazz"),
        ("x" * 500, "x" * 200),
    ],
    ids=["crlf", "line-separator", "nul-escape", "spaces", "long"],
)
def test_clean_removes_line_breaks_and_control_characters(raw: str, want: str) -> None:
    assert clean(raw) == want


def test_hostile_names_end_up_on_one_line() -> None:
    note = notification(alert(team="Lakers\r\nBcc: evil@example.com", players=("A\nB",)))
    assert "\n" not in note.body and "\r" not in note.body
    assert note.alert["players"] == ["A B"]


@pytest.mark.parametrize(
    "change",
    [
        {"alert_id": None},
        {"alert_id": "../../etc"},
        {"version": 0},
        {"version": True},
        {"total": "2"},
        {"total": True},
        {"players": "LeBron"},
        {"team": 5},
        {"window_start": None},
    ],
    ids=[
        "no-id",
        "bad-id",
        "version-0",
        "version-bool",
        "total-str",
        "total-bool",
        "players-str",
        "team-int",
        "no-start",
    ],
)
def test_malformed_alerts_are_rejected(change: dict[str, Any]) -> None:
    doc = alert() | change
    with pytest.raises(RecordError) as info:
        notification(doc)
    assert info.value.code == "BadAlert"
