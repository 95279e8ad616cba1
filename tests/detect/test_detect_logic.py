"""The shared logic: enrichment, control events, window assignment, the window function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from detect_helpers import MINUTE, T0, roster, tweet_doc

from courtside.detect.logic import (
    Evaluated,
    PlayerLookup,
    alert_id,
    enrich,
    parse_control,
    parse_control_bytes,
    window_alert,
    window_start,
)
from courtside.errors import RecordError
from courtside.reference.control import change_event


def test_player_lookup_answers_like_the_table_and_bounds_its_memo() -> None:
    table = roster()
    lookup = PlayerLookup(table, max_entries=2)
    for player in table:
        assert lookup.by_account(player.account) == player
        assert lookup.by_name(player.name.upper()) == table.by_name(player.name)
    assert lookup.by_name("Nobody Known") is None
    assert lookup.by_name("Nobody Known") is None  # a miss is remembered too
    fresh = PlayerLookup(table, max_entries=2)
    fresh.by_name("Bea Beta")
    fresh.by_name("Abe Alpha")
    assert sorted(fresh._names) == ["Abe Alpha", "Bea Beta"]
    assert fresh.by_name("Bea Beta") == table.by_name("Bea Beta")  # a hit keeps the memo
    assert sorted(fresh._names) == ["Abe Alpha", "Bea Beta"]
    fresh.by_name("Nobody Known")  # full: emptied, then the new key
    assert list(fresh._names) == ["Nobody Known"]


def test_enrich_finds_source_and_every_destination() -> None:
    doc = tweet_doc("A1", ["Bea Beta", "luka doncic", "Nobody Known"], T0 + 5)
    items, unknown = enrich(doc, roster())
    assert unknown == 1
    assert [(i.team, i.player, i.target, i.target_team) for i in items] == [
        ("Team A", "Abe Alpha", "Bea Beta", "Team B"),
        ("Team A", "Abe Alpha", "Luka Dončić", "Team B"),
    ]
    assert all(i.event_ms == T0 + 5 and i.cross_team for i in items)


def test_enrich_legacy_shape_uses_event_time_over_created_at() -> None:
    doc = tweet_doc("a0", ["Bo Beta"], T0 + 123, legacy=True)
    doc["data"][0]["created_at"] = "2001-01-01T00:00:00Z"
    items, _ = enrich(doc, roster())
    assert items[0].event_ms == T0 + 123


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda d: d["includes"]["users"][0].update(username="fan_42"), "UnknownAuthor"),
        (lambda d: d.pop("includes"), "NoAuthor"),
        (lambda d: d["data"].update(context_annotations=[]), "NoAthlete"),
        (
            lambda d: d["data"].update(
                context_annotations=[{"domain": {"id": "60"}, "entity": {"name": "Michael Jordan"}}]
            ),
            "UnknownDestination",
        ),
        (lambda d: d["data"].pop("created_at"), "MissingCreatedAt"),
        (lambda d: d["data"].update(created_at="yesterday at noon"), "BadCreatedAt"),
        (lambda d: d.update(event_time="soon"), "BadEventTime"),
        (lambda d: d.update(data="not a post"), "BadData"),
    ],
    ids=[
        "unknown-author",
        "no-author",
        "no-athlete",
        "unknown-destination",
        "missing-time",
        "bad-time",
        "bad-event-time",
        "bad-data",
    ],
)
def test_enrich_rejects_bad_input_with_a_code(
    mutate: Callable[[dict[str, Any]], Any], code: str
) -> None:
    doc = tweet_doc("a0", ["Bo Beta"], T0)
    mutate(doc)
    with pytest.raises(RecordError) as info:
        enrich(doc, roster())
    assert info.value.code == code


def test_control_events_insert_modify_remove() -> None:
    assert parse_control(change_event("INSERT", "Team A", True, None)) == ("Team A", True)
    assert parse_control(change_event("MODIFY", "Team A", False, True)) == ("Team A", False)
    assert parse_control(change_event("REMOVE", "Team A", None, False)) == ("Team A", False)
    # REMOVE with only the keys (KEYS_ONLY view) still names the team.
    event = change_event("REMOVE", "Team C", None, None)
    assert parse_control(event) == ("Team C", False)


@pytest.mark.parametrize(
    ("event", "code"),
    [
        (
            {"eventName": "INSERT", "dynamodb": {"NewImage": {"control": {"BOOL": True}}}},
            "ControlMissingTeam",
        ),
        (
            {
                "eventName": "INSERT",
                "dynamodb": {"NewImage": {"team": {"S": " "}, "control": {"BOOL": True}}},
            },
            "ControlMissingTeam",
        ),
        (
            {
                "eventName": "MODIFY",
                "dynamodb": {"NewImage": {"team": {"S": "Team A"}, "control": {"S": "true"}}},
            },
            "ControlBadFlag",
        ),
        (
            {
                "eventName": "MODIFY",
                "dynamodb": {"NewImage": {"team": {"S": "Team A"}, "control": {"BOOL": "yes"}}},
            },
            "ControlBadFlag",
        ),
        (
            {"eventName": "INSERT", "dynamodb": {"NewImage": {"team": {"S": "Team A"}}}},
            "ControlBadFlag",
        ),
        ({"eventName": "UPSERT", "dynamodb": {}}, "ControlBadEvent"),
        ({"eventName": "REMOVE", "dynamodb": {"Keys": {}}}, "ControlMissingTeam"),
        (
            {
                "eventName": "INSERT",
                "dynamodb": {"NewImage": {"team": {"S": "A\r\nB"}, "control": {"BOOL": True}}},
            },
            "ControlBadTeam",
        ),
    ],
    ids=[
        "no-team",
        "blank-team",
        "string-flag",
        "non-bool-flag",
        "no-flag",
        "bad-name",
        "remove-no-team",
        "crlf-team",
    ],
)
def test_bad_control_events_are_rejected(event: dict[str, Any], code: str) -> None:
    with pytest.raises(RecordError) as info:
        parse_control(event)
    assert info.value.code == code


def test_control_bytes_not_json() -> None:
    with pytest.raises(RecordError) as info:
        parse_control_bytes(b"{nope")
    assert info.value.code == "NotJson"
    assert parse_control_bytes(orjson.dumps(change_event("INSERT", "T", True, None))) == (
        "T",
        True,
    )


def test_windows_are_epoch_aligned_and_half_open() -> None:
    assert window_start(T0, MINUTE) == T0
    assert window_start(T0 + MINUTE - 1, MINUTE) == T0
    assert window_start(T0 + MINUTE, MINUTE) == T0 + MINUTE
    assert window_start(T0 + 7, 10_000) == T0
    assert window_start(0, MINUTE) == 0


def test_alert_id_is_stable_and_distinct() -> None:
    a = alert_id("Team A", "Bo Beta", T0)
    assert a == alert_id("Team A", "Bo Beta", T0)
    assert (
        len(
            {
                a,
                alert_id("Team A", "Bo Beta", T0 + MINUTE),
                alert_id("Team C", "Bo Beta", T0),
                alert_id("Team A", "Bea Beta", T0),
            }
        )
        == 4
    )


def _item(player: str, team: str = "Team A", target_team: str = "Team B") -> Evaluated:
    return Evaluated("x", T0, team, player, player.lower(), "Bo Beta", target_team)


def test_window_function_counts_cross_team_posts_only() -> None:
    items = [_item("Anna Alpha"), _item("Abe Alpha"), _item("Anna Alpha")]
    alert = window_alert("Team A", "Bo Beta", T0, MINUTE, items, 2)
    assert alert is not None
    assert alert["total"] == 3
    assert alert["players"] == ["Abe Alpha", "Anna Alpha"]
    assert alert["window_start"] == "2020-03-01T00:00:00.000Z"
    assert alert["window_end"] == "2020-03-01T00:01:00.000Z"
    assert alert["version"] == 1 and alert["update"] is False
    assert window_alert("Team A", "Bo Beta", T0, MINUTE, items[:1], 2) is None
    same_team = [_item("Anna Alpha", "Team B"), _item("Abe Alpha", "Team B")]
    assert window_alert("Team B", "Bo Beta", T0, MINUTE, same_team, 2) is None
