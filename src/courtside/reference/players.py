"""The players reference table (the original's DynamoDB ``players`` table).

Each player has an X ``account`` (handle, without ``@``), a ``name`` and a ``team``.
Lookups by account are case-insensitive (X handles are); lookups by name ignore case
and accents, so "Luka Dončić" finds "Luka Doncic". The table lives as CSV in the home
folder (``<home>/reference/players.csv``); until one is imported, the packaged default
roster (2019-20 season) is used; ``courtside init`` writes it there.

Exported CSV is safe to open in a spreadsheet: a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return (a formula to Excel, LibreOffice or Google
Sheets) gets a leading ``'`` (OWASP's CSV-injection advice), and import removes it again,
so export then import gives back the same table.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from courtside.errors import CourtsideError

_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,50}$")
# A cell a spreadsheet would run as a formula, after any quotes escaping added before.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")
_MAX_TEXT = 255
FIELDS = ("account", "name", "team")


class PlayersError(CourtsideError):
    """A players file that cannot be read or holds an invalid row.

    Attributes:
        line: The 1-based line of the bad row, when known.
    """

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class Player:
    """One player: X account, full name, team."""

    account: str
    name: str
    team: str


def csv_escape(value: str) -> str:
    """``value`` made inert for spreadsheets: a leading ``'`` before a formula start."""
    return "'" + value if _FORMULA.match(value) else value


def csv_unescape(value: str) -> str:
    """The inverse of :func:`csv_escape`."""
    return value[1:] if _ESCAPED.match(value) else value


def fold(text: str) -> str:
    """Case- and accent-insensitive key: "Luka Dončić" -> "luka doncic"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


class PlayersTable:
    """An in-memory players table with lookups by account and by name."""

    def __init__(self, players: Iterable[Player]) -> None:
        self._players: list[Player] = []
        self._by_account: dict[str, Player] = {}
        self._by_name: dict[str, Player] = {}
        for player in players:
            key = player.account.casefold()
            if key in self._by_account:
                raise PlayersError(f"duplicate account {player.account!r}")
            self._players.append(player)
            self._by_account[key] = player
            self._by_name.setdefault(fold(player.name), player)

    def __len__(self) -> int:
        return len(self._players)

    def __iter__(self) -> Iterator[Player]:
        return iter(self._players)

    def by_account(self, account: str) -> Player | None:
        """The player with this X handle (case-insensitive, a leading ``@`` ignored)."""
        return self._by_account.get(account.lstrip("@").casefold())

    def by_name(self, name: str) -> Player | None:
        """The player with this name (case- and accent-insensitive)."""
        return self._by_name.get(fold(name))

    def teams(self) -> list[str]:
        """Distinct team names, sorted."""
        return sorted({p.team for p in self._players})

    # -- CSV -------------------------------------------------------------------------------
    @classmethod
    def from_csv_text(cls, text: str, *, source: str = "<csv>") -> PlayersTable:
        """Parse CSV with the header ``account,name,team`` (extra columns ignored).

        Raises:
            PlayersError: naming the line of the first bad row.
        """
        reader = csv.DictReader(io.StringIO(text))
        missing = [f for f in FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise PlayersError(f"{source}: missing column(s) {', '.join(missing)}", line=1)
        players = []
        for row in reader:
            line = reader.line_num
            account = (row.get("account") or "").strip().lstrip("@")
            name = csv_unescape((row.get("name") or "").strip())
            team = csv_unescape((row.get("team") or "").strip())
            if not _HANDLE.match(account):
                raise PlayersError(f"{source}:{line}: invalid account {account!r}", line=line)
            for label, value in (("name", name), ("team", team)):
                if not value or len(value) > _MAX_TEXT or any(ord(c) < 32 for c in value):
                    raise PlayersError(f"{source}:{line}: invalid {label} {value!r}", line=line)
            players.append(Player(account, name, team))
        try:
            return cls(players)
        except PlayersError as exc:
            raise PlayersError(f"{source}: {exc}") from None

    @classmethod
    def from_csv(cls, path: Path) -> PlayersTable:
        """Read a players CSV file."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise PlayersError(f"cannot read players file {path}: {exc}") from exc
        return cls.from_csv_text(text, source=str(path))

    @classmethod
    def default(cls) -> PlayersTable:
        """The packaged default roster (all 30 teams, 2019-20 season)."""
        text = (
            resources.files("courtside.reference")
            .joinpath("data/players.csv")
            .read_text(encoding="utf-8")
        )
        return cls.from_csv_text(text, source="default roster")

    def to_csv_text(self) -> str:
        """The table as CSV with the header ``account,name,team``, formula-looking cells
        escaped (see :func:`csv_escape`)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(FIELDS)
        for p in self._players:
            writer.writerow((csv_escape(p.account), csv_escape(p.name), csv_escape(p.team)))
        return buf.getvalue()


def players_path(home: Path) -> Path:
    """Where a home folder keeps its players table."""
    return home / "reference" / "players.csv"


def load_players(home: Path) -> PlayersTable:
    """The home's players table, or the default roster when none was imported."""
    path = players_path(home)
    return PlayersTable.from_csv(path) if path.is_file() else PlayersTable.default()


def save_players(home: Path, table: PlayersTable) -> Path:
    """Replace the home's players table atomically."""
    path = players_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".players.csv.tmp")
    tmp.write_text(table.to_csv_text(), encoding="utf-8")
    os.replace(tmp, path)
    return path
