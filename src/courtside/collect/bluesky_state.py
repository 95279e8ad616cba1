"""What the Bluesky collector keeps across restarts, under ``<state>/collect/``:

* ``bluesky-cursor.json``: the Jetstream ``time_us`` cursor, written atomically once
  the records before it are on the stream (and once *before* the very first record is
  appended, so a crash right after that append still resumes from before it).
* ``bluesky-handles.sqlite``: DID -> handle mappings learnt from ``identity`` events, the
  newest :data:`MAX_HANDLES`. Without them, posts replayed after a restart would carry
  the DID where the copies before the restart had the handle.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections import OrderedDict
from contextlib import closing
from pathlib import Path
from typing import TypeGuard

import orjson

log = logging.getLogger(__name__)

CURSOR_FILE = "bluesky-cursor.json"
HANDLES_FILE = "bluesky-handles.sqlite"
MAX_HANDLES = 100_000
_SQLITE_TIMEOUT_S = 30.0

# atproto handle syntax: DNS labels, at most 253 characters, the last label not numeric.
_HANDLE = re.compile(
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
    r"[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
)
# DID syntax (W3C DID core, as atproto restricts it), at most 2 KiB.
_DID = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]")
_INVALID_HANDLE = "handle.invalid"


def cursor_path(state_dir: Path) -> Path:
    """Where the durable Jetstream cursor lives."""
    return state_dir / "collect" / CURSOR_FILE


def handles_path(state_dir: Path) -> Path:
    """Where the learnt handles live."""
    return state_dir / "collect" / HANDLES_FILE


def load_cursor(path: Path) -> int | None:
    """The saved ``time_us`` cursor, or None when there is none (or it is unreadable)."""
    try:
        doc = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as exc:
        log.warning("ignoring unreadable cursor file %s: %s", path, exc)
        return None
    value = doc.get("time_us") if isinstance(doc, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        return None
    return value


def valid_did(value: object) -> TypeGuard[str]:
    """True for a syntactically valid DID of at most 2 KiB."""
    return isinstance(value, str) and len(value) <= 2048 and _DID.fullmatch(value) is not None


def valid_handle(value: object) -> TypeGuard[str]:
    """True for a syntactically valid handle (not the ``handle.invalid`` marker)."""
    return (
        isinstance(value, str)
        and len(value) <= 253
        and value.lower() != _INVALID_HANDLE
        and _HANDLE.fullmatch(value) is not None
    )


class HandleStore:
    """DID -> handle mappings, in memory and in a small SQLite table.

    :meth:`learn` changes memory only; :meth:`save` writes what changed since the last
    save in one transaction and drops the oldest rows past ``max_entries``. Storage
    trouble (a full disk, a damaged file) is logged and never stops the collector: the
    handles are kept in memory and saved at the next chance.

    Args:
        path: The SQLite file.
        max_entries: How many mappings are kept (the most recently learnt).
    """

    def __init__(self, path: Path, max_entries: int = MAX_HANDLES) -> None:
        self.path = path
        self.max_entries = max_entries
        self.handles: OrderedDict[str, str] = OrderedDict()
        self._changed: dict[str, str] = {}
        self._seq = 0

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=_SQLITE_TIMEOUT_S)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS handles ("
            "did TEXT PRIMARY KEY, handle TEXT NOT NULL, seq INTEGER NOT NULL)"
        )
        conn.execute("CREATE INDEX IF NOT EXISTS handles_seq ON handles (seq)")
        return conn

    def load(self) -> None:
        """Read the saved mappings (oldest first), keeping the newest ``max_entries``."""
        if not self.path.exists():
            return
        try:
            with closing(self._connect()) as conn:
                rows = conn.execute(
                    "SELECT did, handle, seq FROM handles ORDER BY seq DESC LIMIT ?",
                    (self.max_entries,),
                ).fetchall()
        except sqlite3.Error as exc:
            log.warning("ignoring unreadable Bluesky handles %s: %s", self.path, exc)
            return
        self.handles.clear()
        for did, handle, seq in reversed(rows):
            if valid_did(did) and valid_handle(handle):
                self.handles[did] = handle
                self._seq = max(self._seq, int(seq))

    def get(self, did: str) -> str | None:
        """The handle of ``did`` when known."""
        return self.handles.get(did)

    def learn(self, did: str, handle: str) -> None:
        """Remember that ``did`` goes by ``handle`` (saved by the next :meth:`save`)."""
        if self.handles.get(did) == handle:
            self.handles.move_to_end(did)
            return
        self.handles[did] = handle
        self.handles.move_to_end(did)
        self._changed[did] = handle
        while len(self.handles) > self.max_entries:
            old, _ = self.handles.popitem(last=False)
            self._changed.pop(old, None)

    def save(self) -> None:
        """Durably write the mappings learnt since the last save."""
        if not self._changed:
            return
        rows = []
        for did, handle in self._changed.items():
            self._seq += 1
            rows.append((did, handle, self._seq))
        try:
            with closing(self._connect()) as conn, conn:
                conn.executemany(
                    "INSERT INTO handles (did, handle, seq) VALUES (?, ?, ?) "
                    "ON CONFLICT (did) DO UPDATE SET handle = excluded.handle, "
                    "seq = excluded.seq",
                    rows,
                )
                if len(self.handles) >= self.max_entries:  # else the table cannot be full
                    conn.execute(
                        "DELETE FROM handles WHERE seq < (SELECT seq FROM handles "
                        "ORDER BY seq DESC LIMIT 1 OFFSET ?)",
                        (self.max_entries - 1,),
                    )
        except sqlite3.Error as exc:
            log.warning("cannot save Bluesky handles to %s: %s", self.path, exc)
            return
        self._changed.clear()
