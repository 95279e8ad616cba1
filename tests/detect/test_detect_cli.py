"""``courtside control`` and ``courtside detect`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
from detect_helpers import T0, alerts_on, append, tweet, write_roster

from cli_runner_helpers import Courtside
from courtside.config import Settings
from courtside.home import open_stream


def test_control_commands_change_the_table_and_the_stream(
    courtside: Courtside, home: Path, settings: Settings
) -> None:
    write_roster(home)
    assert (
        "Team A: INSERT (control seq 1)"
        in courtside("control", "allow", "team a", home=home).stdout.decode()
    )
    assert "unchanged" in courtside("control", "allow", "Team A", home=home).stdout.decode()
    courtside("control", "deny", "Team B", home=home)
    courtside("control", "deny", "Team A", home=home)
    courtside("control", "remove", "Team B", home=home)
    listed = json.loads(courtside("control", "list", "--json", home=home).stdout)
    assert listed == [{"team": "Team A", "allowed": False}]
    refused = courtside("control", "allow", "Team Z", home=home, ok=False)
    assert refused.returncode == 1
    assert "unknown team 'Team Z'" in refused.stderr.decode()
    assert courtside("control", "allow", "Team Z", "--any-team", home=home).returncode == 0
    with open_stream(settings) as backend:
        events = [orjson.loads(r.data) for r in backend.read("control", 0, 100)]
    assert [(e["eventName"], e["dynamodb"]["Keys"]["team"]["S"]) for e in events] == [
        ("INSERT", "Team A"),
        ("INSERT", "Team B"),
        ("MODIFY", "Team A"),
        ("REMOVE", "Team B"),
        ("INSERT", "Team Z"),
    ]


def test_detect_once_with_options_and_a_bad_option(
    courtside: Courtside, home: Path, settings: Settings
) -> None:
    write_roster(home)
    # Three posts 40 s apart: one 60 s window holds two, a 120 s window all three.
    append(settings, "tweets", [tweet(f"a{i}", ["Bo Beta"], T0 + 40_000 * i) for i in range(3)])
    proc = courtside(
        "detect", "--once", "--json", "--window-s", "120", "--min-count", "3", home=home
    )
    report = json.loads(proc.stdout)
    assert (report["tweets"], report["alerts"], report["evaluated"]) == (3, 1, 3)
    assert [a["total"] for a in alerts_on(settings)] == [3]
    bad = courtside("detect", "--once", "--window-s", "0", home=home, ok=False)
    assert bad.returncode == 1
    assert "--window-s" in bad.stderr.decode()
    assert "Traceback" not in bad.stderr.decode()
