"""The schema registry (the Glue Schema Registry equivalent), stored in SQLite.

A *subject* (``raw`` for the delivered record, ``<database>.<table>`` for a curated
table) has a compatibility mode and numbered versions (1, 2, ...) of a JSON Schema.
:meth:`SchemaRegistry.register` adds a version only when the subject's mode allows it;
registering the latest version's exact definition again returns that version. Versions
are never changed or deleted.

The file is ``<state_dir>/schemas.db`` (WAL): several processes may read and register
at once; a registration checks and inserts in one ``BEGIN IMMEDIATE`` transaction, so two
concurrent registrations cannot both pass a check against the same latest version.

Built-in subjects ship with the package (``schemas/data/``) and are added the first time
a registry file is opened: ``raw`` version 1 describes the delivered record as every
collector and the generator produce it today.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from courtside._sqlite import transaction
from courtside.schemas.compat import Change, Compatibility, changes, check_versions
from courtside.schemas.errors import (
    IncompatibleSchemaError,
    NoSuchSchemaError,
    SchemaError,
)
from courtside.schemas.model import parse_schema
from courtside.schemas.validate import RecordValidator, compile_schema
from courtside.schemas.versions import CheckResult, SchemaVersion, Subject

__all__ = [
    "BUILTIN_SUBJECTS",
    "DELIVERED_SUBJECT",
    "CheckResult",
    "SchemaRegistry",
    "SchemaVersion",
    "Subject",
    "canonical",
    "check_subject",
]

DELIVERED_SUBJECT = "raw"
#: Built-in subjects: package file of version 1 and the subject's compatibility mode.
BUILTIN_SUBJECTS: dict[str, tuple[str, Compatibility]] = {
    DELIVERED_SUBJECT: ("raw.v1.json", Compatibility.FULL),
}
_SUBJECT = re.compile(r"^[a-z_][a-z0-9_]{0,63}(\.[a-z_][a-z0-9_]{0,63})?$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS subjects (
    name TEXT PRIMARY KEY, compatibility TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    subject TEXT NOT NULL REFERENCES subjects(name), version INTEGER NOT NULL,
    definition TEXT NOT NULL, fingerprint TEXT NOT NULL, created_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (subject, version)
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def check_subject(name: str) -> str:
    """Return ``name`` if it is a valid subject (``raw``, ``twitter_nba_db.tweets``).

    Raises:
        SchemaError: otherwise.
    """
    if not isinstance(name, str) or not _SUBJECT.match(name):
        raise SchemaError(
            f"invalid schema subject {str(name)[:80]!r}: use name or database.table "
            "([a-z_][a-z0-9_]*)"
        )
    return name


def canonical(schema: dict[str, Any]) -> str:
    """The canonical JSON text of a schema (sorted keys, no spaces)."""
    return json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _mode(value: str | Compatibility) -> Compatibility:
    try:
        return Compatibility(str(value).upper())
    except ValueError:
        names = ", ".join(m.value for m in Compatibility)
        raise SchemaError(f"unknown compatibility mode {value!r} (use one of {names})") from None


def builtin_schema(subject: str) -> dict[str, Any]:
    """The packaged version 1 of a built-in subject."""
    file, _ = BUILTIN_SUBJECTS[subject]
    text = resources.files("courtside.schemas").joinpath("data", file).read_text("utf-8")
    value: dict[str, Any] = json.loads(text)
    return value


class SchemaRegistry:
    """The registry file. Methods open short transactions; no connection is held.

    Args:
        path: The SQLite file (created on first use).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._seeded = False

    @classmethod
    def at(cls, state_dir: Path) -> SchemaRegistry:
        """The registry of a home folder's state folder (``<state_dir>/schemas.db``)."""
        return cls(Path(state_dir) / "schemas.db")

    # -- storage -----------------------------------------------------------------------
    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with transaction(self.path, _SCHEMA) as conn:
            if not self._seeded:
                self._seed(conn)
            yield conn
        self._seeded = True

    def _seed(self, conn: sqlite3.Connection) -> None:
        for subject, (_, mode) in BUILTIN_SUBJECTS.items():
            exists = conn.execute("SELECT 1 FROM subjects WHERE name = ?", (subject,)).fetchone()
            if exists is None:
                self._insert(conn, subject, builtin_schema(subject), mode, "builtin", create=True)

    @staticmethod
    def _insert(
        conn: sqlite3.Connection,
        subject: str,
        schema: dict[str, Any],
        mode: Compatibility,
        note: str,
        *,
        create: bool,
        version: int = 1,
    ) -> None:
        now = _now()
        if create:
            conn.execute("INSERT INTO subjects VALUES (?, ?, ?)", (subject, mode.value, now))
        text = canonical(schema)
        conn.execute(
            "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?)",
            (subject, version, text, _fingerprint(text), now, note[:200]),
        )

    @staticmethod
    def _version(row: tuple[Any, ...]) -> SchemaVersion:
        return SchemaVersion(
            subject=row[0],
            version=row[1],
            schema=json.loads(row[2]),
            fingerprint=row[3],
            created_at=datetime.fromisoformat(row[4]),
            note=row[5],
        )

    def _versions(self, conn: sqlite3.Connection, subject: str) -> list[SchemaVersion]:
        rows = conn.execute(
            "SELECT * FROM versions WHERE subject = ? ORDER BY version", (subject,)
        ).fetchall()
        return [self._version(r) for r in rows]

    def _subject_mode(self, conn: sqlite3.Connection, subject: str) -> Compatibility | None:
        row = conn.execute(
            "SELECT compatibility FROM subjects WHERE name = ?", (subject,)
        ).fetchone()
        return None if row is None else Compatibility(row[0])

    def _known(self, conn: sqlite3.Connection) -> list[str]:
        return [r[0] for r in conn.execute("SELECT name FROM subjects ORDER BY name")]

    # -- reading -----------------------------------------------------------------------
    def subjects(self) -> list[Subject]:
        """Every subject, by name."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT s.name, s.compatibility, max(v.version), s.created_at, max(v.created_at)"
                " FROM subjects s JOIN versions v ON v.subject = s.name"
                " GROUP BY s.name ORDER BY s.name"
            ).fetchall()
        return [
            Subject(
                r[0],
                Compatibility(r[1]),
                r[2],
                datetime.fromisoformat(r[3]),
                datetime.fromisoformat(r[4]),
            )
            for r in rows
        ]

    def versions(self, subject: str) -> list[SchemaVersion]:
        """Every version of ``subject``, oldest first.

        Raises:
            NoSuchSchemaError: when the subject is unknown.
        """
        check_subject(subject)
        with self._tx() as conn:
            found = self._versions(conn, subject)
            if not found:
                raise NoSuchSchemaError(subject, known=self._known(conn))
        return found

    def latest(self, subject: str) -> SchemaVersion:
        """The newest version of ``subject``.

        Raises:
            NoSuchSchemaError: when the subject is unknown.
        """
        return self.versions(subject)[-1]

    def get(self, subject: str, version: int) -> SchemaVersion:
        """One version of ``subject``.

        Raises:
            NoSuchSchemaError: when the subject or the version is unknown.
        """
        for item in self.versions(subject):
            if item.version == version:
                return item
        raise NoSuchSchemaError(subject, version)

    def compatibility(self, subject: str) -> Compatibility:
        """The subject's compatibility mode.

        Raises:
            NoSuchSchemaError: when the subject is unknown.
        """
        check_subject(subject)
        with self._tx() as conn:
            mode = self._subject_mode(conn, subject)
            if mode is None:
                raise NoSuchSchemaError(subject, known=self._known(conn))
        return mode

    def set_compatibility(self, subject: str, mode: str | Compatibility) -> Compatibility:
        """Change the subject's compatibility mode (applies to later registrations).

        Raises:
            NoSuchSchemaError: when the subject is unknown.
            SchemaError: for an unknown mode.
        """
        check_subject(subject)
        new = _mode(mode)
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE subjects SET compatibility = ? WHERE name = ?", (new.value, subject)
            )
            if cur.rowcount == 0:
                raise NoSuchSchemaError(subject, known=self._known(conn))
        return new

    def diff(self, subject: str, v1: int, v2: int) -> list[Change]:
        """Differences from version ``v1`` to version ``v2`` of ``subject``."""
        return changes(self.get(subject, v1).node, self.get(subject, v2).node)

    # -- checking and registering ------------------------------------------------------
    def _check(
        self,
        conn: sqlite3.Connection,
        subject: str,
        schema: dict[str, Any],
        mode: Compatibility | None,
    ) -> tuple[CheckResult, list[SchemaVersion]]:
        node = parse_schema(schema)
        text = canonical(schema)
        compile_schema(_fingerprint(text), schema)  # refuse what cannot validate records
        existing = self._versions(conn, subject)
        stored_mode = self._subject_mode(conn, subject)
        effective = stored_mode or mode or Compatibility.BACKWARD
        if not existing:
            return CheckResult(subject, effective, 0, [], [], False), existing
        latest = existing[-1]
        identical = latest.fingerprint == _fingerprint(text)
        problems = (
            []
            if identical
            else check_versions(effective, node, [(v.version, v.node) for v in existing])
        )
        diff = [] if identical else changes(latest.node, node)
        return CheckResult(subject, effective, latest.version, problems, diff, identical), existing

    def check(
        self, subject: str, schema: dict[str, Any], *, compatibility: str | None = None
    ) -> CheckResult:
        """Whether ``schema`` could be registered as the next version (nothing is stored).

        Args:
            subject: The subject.
            schema: The JSON Schema document.
            compatibility: The mode a new subject would get (existing subjects keep theirs).

        Raises:
            InvalidSchemaError: for a schema outside the supported subset.
        """
        check_subject(subject)
        mode = _mode(compatibility) if compatibility else None
        with self._tx() as conn:
            result, _ = self._check(conn, subject, schema, mode)
        return result

    def register(
        self,
        subject: str,
        schema: dict[str, Any],
        *,
        compatibility: str | Compatibility | None = None,
        note: str = "",
        replace: bool = False,
    ) -> int:
        """Register ``schema`` as the next version of ``subject`` and return its number.

        A new subject gets ``compatibility`` (default ``BACKWARD``); an existing subject
        keeps its mode. The latest version's exact definition returns its number without
        adding a version.

        ``replace`` registers the version whatever the mode says, for data that no reader
        of an older version will meet (the crawler's replaced table: other format, place or
        partition layout, its old partitions dropped); the note should say why.

        Raises:
            InvalidSchemaError: for a schema outside the supported subset.
            IncompatibleSchemaError: when the subject's mode refuses the change (the error
                names each field path and rule).
        """
        check_subject(subject)
        mode = _mode(compatibility) if compatibility else None
        with self._tx() as conn:
            result, existing = self._check(conn, subject, schema, mode)
            if result.identical:
                return result.latest_version
            if result.problems and not replace:
                raise IncompatibleSchemaError(subject, result.compatibility.value, result.problems)
            version = result.latest_version + 1
            self._insert(
                conn,
                subject,
                schema,
                result.compatibility,
                note,
                create=not existing,
                version=version,
            )
        return version

    def validator(self, subject: str, version: int | None = None) -> RecordValidator:
        """A fast callable checking records against ``version`` (default: the latest).

        Raises:
            NoSuchSchemaError: when the subject or the version is unknown.
        """
        item = self.latest(subject) if version is None else self.get(subject, version)
        return RecordValidator(item.subject, item.version, item.fingerprint, item.schema)
