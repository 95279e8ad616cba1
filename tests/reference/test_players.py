"""The players reference table and the default roster."""

from __future__ import annotations

from pathlib import Path

import pytest

from courtside.reference.players import (
    PlayersError,
    PlayersTable,
    load_players,
    save_players,
)

ORIGINAL = [
    ("KingJames", "LeBron James"),
    ("AntDavis23", "Anthony Davis"),
    ("KyrieIrving", "Kyrie Irving"),
    ("StephenCurry30", "Stephen Curry"),
    ("KDTrey5", "Kevin Durant"),
    ("luka7doncic", "Luka Doncic"),
]


def test_default_roster_covers_all_30_teams_and_the_original_players() -> None:
    table = PlayersTable.default()
    assert len(table.teams()) == 30
    assert len(table) >= 400
    for account, name in ORIGINAL:
        player = table.by_account(account)
        assert player is not None and player.name == name
        assert table.by_name(name) == player


def test_lookups_ignore_case_accents_and_at_sign() -> None:
    table = PlayersTable.default()
    assert table.by_account("@kingjames") == table.by_account("KingJames")
    assert table.by_name("luka dončić") == table.by_account("luka7doncic")
    assert table.by_name("LEBRON  JAMES") is not None
    assert table.by_account("nobody_here") is None and table.by_name("Nobody") is None


def test_import_export_round_trip(tmp_path: Path) -> None:
    table = PlayersTable.from_csv_text(
        "account,name,team\n@KingJames,LeBron James,Los Angeles Lakers\nKDTrey5,Kevin Durant,"
        "Brooklyn Nets\n"
    )
    save_players(tmp_path, table)
    again = load_players(tmp_path)
    assert [(p.account, p.name, p.team) for p in again] == [
        ("KingJames", "LeBron James", "Los Angeles Lakers"),
        ("KDTrey5", "Kevin Durant", "Brooklyn Nets"),
    ]
    assert PlayersTable.from_csv_text(again.to_csv_text()).to_csv_text() == again.to_csv_text()


def test_home_without_import_uses_default(tmp_path: Path) -> None:
    assert len(load_players(tmp_path)) == len(PlayersTable.default())


@pytest.mark.parametrize(
    "text,match",
    [
        ("name,team\nA,B\n", "missing column"),
        ("account,name,team\nbad handle!,A,B\n", "invalid account"),
        ("account,name,team\nok,,B\n", "invalid name"),
        ("account,name,team\nok,A,\n", "invalid team"),
        ("account,name,team\nok,A\x07,B\n", "invalid name"),
        ("account,name,team\nok,A,B\nOK,C,D\n", "duplicate account"),
    ],
)
def test_bad_csv_is_refused_with_the_line(text: str, match: str) -> None:
    with pytest.raises(PlayersError, match=match):
        PlayersTable.from_csv_text(text)
