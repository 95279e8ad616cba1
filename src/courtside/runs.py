"""Run records shared by every batch step (jobs, crawlers, workflows, later the daily job).

Each run has an id, a kind (``job``, ``crawler``, ``workflow``, ...), a name, its
parameters, start and end times, a status (``running``, ``succeeded``,
``succeeded_with_rejects``, ``failed``, ``skipped``), counts, an error message, free-form
details and an optional list of state transitions (for a state machine).
``succeeded_with_rejects`` is a run that finished but left input out on purpose (bad
rows sent to the lake's error zone, unreadable files quarantined): its counts and details
say what and where. Records live in SQLite (``<state_dir>/runs.db``, WAL),
so several processes can record at once.

Secrets never reach the store: parameters whose key looks like a secret (token,
password, secret, key, credential) or whose value is a ``SecretStr`` are replaced by
``<redacted>``, and bearer tokens or ``password=...`` pairs are scrubbed from errors.

Usage::

    recorder = RunRecorder(settings)
    with recorder.run("job", "dedupe", {"engine": "duckdb"}) as run:
        run.count("rows_out", 42)
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from courtside._sqlite import connect_wal
from courtside.config import Settings

__all__ = [
    "FAILED",
    "FINISHED_OK",
    "RUNNING",
    "SKIPPED",
    "SUCCEEDED",
    "SUCCEEDED_WITH_REJECTS",
    "Run",
    "RunRecord",
    "RunRecorder",
    "redact",
    "scrub",
]

RUNNING, SUCCEEDED, FAILED, SKIPPED = "running", "succeeded", "failed", "skipped"
SUCCEEDED_WITH_REJECTS = "succeeded_with_rejects"
#: Statuses of a run that finished its work (with or without rejected input).
FINISHED_OK = frozenset({SUCCEEDED, SUCCEEDED_WITH_REJECTS})
_SECRET_KEY = re.compile(r"token|password|passwd|secret|credential|api_?key|auth", re.I)
_SECRET_TEXT = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=%-]+"), r"\1<redacted>"),
    (re.compile(r"(?i)((?:password|passwd|pwd|token|secret)\s*[=:]\s*)[^\s,;&]+"), r"\1<redacted>"),
    (re.compile(r"(?i)(://[^:/@\s]+:)[^@\s]+@"), r"\1<redacted>@"),
]
_MAX_ERROR_CHARS = 4000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    parent_id TEXT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    params TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT NOT NULL,
    counts TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    details TEXT NOT NULL DEFAULT '{}',
    transitions TEXT NOT NULL DEFAULT '[]',
    pid INTEGER,
    host TEXT
);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at);
CREATE INDEX IF NOT EXISTS runs_parent ON runs (parent_id);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def redact(params: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-safe copy of ``params`` with secret-looking keys and ``SecretStr`` values
    replaced by ``<redacted>`` (recursively)."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if _SECRET_KEY.search(str(key)) or isinstance(value, SecretStr):
            out[str(key)] = "<redacted>" if value is not None else None
        elif isinstance(value, Mapping):
            out[str(key)] = redact(value)
        elif isinstance(value, str | int | float | bool) or value is None:
            out[str(key)] = value
        elif isinstance(value, list | tuple):
            out[str(key)] = [
                v if isinstance(v, str | int | float | bool) else str(v) for v in value
            ]
        else:
            out[str(key)] = str(value)
    return out


def scrub(text: str) -> str:
    """``text`` with bearer tokens, ``password=...`` pairs and URL credentials removed."""
    for pattern, repl in _SECRET_TEXT:
        text = pattern.sub(repl, text)
    return text[:_MAX_ERROR_CHARS]


@dataclass(frozen=True)
class RunRecord:
    """One stored run, as listed by ``courtside runs``."""

    id: str
    parent_id: str | None
    kind: str
    name: str
    params: dict[str, Any]
    started_at: datetime
    ended_at: datetime | None
    status: str
    counts: dict[str, int]
    error: str | None
    details: dict[str, Any]
    transitions: list[dict[str, Any]]
    pid: int | None = None
    host: str | None = None

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to end, ``None`` while running."""
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (ISO-8601 UTC times)."""
        return {
            "id": self.id,
            "parent_id": self.parent_id,
            "kind": self.kind,
            "name": self.name,
            "params": self.params,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "duration_s": self.duration_s,
            "status": self.status,
            "counts": self.counts,
            "error": self.error,
            "details": self.details,
            "transitions": self.transitions,
        }


@dataclass
class Run:
    """A run in progress: add counts, details and transitions; saved on exit."""

    id: str
    kind: str
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    status: str = RUNNING
    error: str | None = None
    rejects: bool = False

    def count(self, name: str, value: int = 1) -> None:
        """Add ``value`` to the counter ``name``."""
        self.counts[name] = self.counts.get(name, 0) + int(value)

    def set_count(self, name: str, value: int) -> None:
        """Set the counter ``name`` to ``value``."""
        self.counts[name] = int(value)

    def detail(self, name: str, value: Any) -> None:
        """Attach a JSON-serialisable detail (e.g. the list of quarantined files)."""
        self.details[name] = value

    def transition(self, state: str, status: str = SUCCEEDED, **info: Any) -> None:
        """Append a state transition (for state machines and workflows)."""
        entry: dict[str, Any] = {"state": state, "status": status, "at": _now()}
        entry.update({k: scrub(v) if isinstance(v, str) else v for k, v in redact(info).items()})
        self.transitions.append(entry)

    def reject(self) -> None:
        """Note that the run left input out on purpose: it ends ``succeeded_with_rejects``
        instead of ``succeeded`` (say what and where in its counts and details)."""
        self.rejects = True

    def skip(self, reason: str) -> None:
        """Mark the run as skipped (it ends without error and did nothing)."""
        self.status = SKIPPED
        self.details["skipped"] = reason


class RunRecorder:
    """Records runs in ``<state_dir>/runs.db``."""

    def __init__(self, settings: Settings | None = None, *, path: Path | None = None) -> None:
        if path is None:
            if settings is None:
                raise ValueError("RunRecorder needs settings or a path")
            path = settings.state_dir / "runs.db"
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        return connect_wal(self.path, _SCHEMA, synchronous="NORMAL")

    @contextmanager
    def run(
        self,
        kind: str,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        parent: Run | str | None = None,
    ) -> Iterator[Run]:
        """Record one run around the ``with`` body.

        The record is written as ``running`` on entry and completed on exit:
        ``succeeded`` (``succeeded_with_rejects`` if the body called ``run.reject``,
        ``skipped`` if it called ``run.skip``), or ``failed`` with the exception's message,
        which is then re-raised.

        Args:
            kind: ``job``, ``crawler``, ``workflow``, ...
            name: What ran, e.g. ``dedupe`` or ``tweets``.
            params: Parameters (secrets are redacted).
            parent: The enclosing run (a workflow's steps), or its id.
        """
        run = Run(id=self.new_id(), kind=kind, name=name)
        parent_id = parent.id if isinstance(parent, Run) else parent
        with closing(self._connect()) as conn:
            conn.execute(
                "INSERT INTO runs (id, parent_id, kind, name, params, started_at, status, pid,"
                " host) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.id,
                    parent_id,
                    kind,
                    name,
                    json.dumps(redact(params or {}), sort_keys=True, default=str),
                    _now(),
                    RUNNING,
                    os.getpid(),
                    socket.gethostname(),
                ),
            )
        try:
            yield run
        except BaseException as exc:
            run.status = FAILED
            message = str(exc) or type(exc).__name__
            run.error = scrub(f"{type(exc).__name__}: {message}")
            self._finish(run)
            raise
        if run.status == RUNNING:
            run.status = SUCCEEDED_WITH_REJECTS if run.rejects else SUCCEEDED
        self._finish(run)

    def _finish(self, run: Run) -> None:
        with closing(self._connect()) as conn:
            conn.execute(
                "UPDATE runs SET ended_at = ?, status = ?, counts = ?, error = ?, details = ?,"
                " transitions = ? WHERE id = ?",
                (
                    _now(),
                    run.status,
                    json.dumps(run.counts, sort_keys=True),
                    run.error,
                    json.dumps(run.details, sort_keys=True, default=str),
                    json.dumps(run.transitions, default=str),
                    run.id,
                ),
            )

    @staticmethod
    def new_id() -> str:
        """A run id that sorts by start time: ``YYYYmmddTHHMMSSffffffZ-<hex>``."""
        return f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(3)}"

    def list(
        self,
        *,
        limit: int = 50,
        kind: str | None = None,
        name: str | None = None,
        status: str | None = None,
        parent_id: str | None = None,
    ) -> list[RunRecord]:
        """Runs, newest first, optionally filtered."""
        where, args = [], []
        for column, value in (
            ("kind", kind),
            ("name", name),
            ("status", status),
            ("parent_id", parent_id),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        sql = "SELECT * FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at DESC, id DESC LIMIT ?"
        args.append(str(limit))
        if not self.path.exists():
            return []
        with closing(self._connect()) as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute(sql, args).fetchall()
        return [_record(row) for row in rows]

    def get(self, run_id: str) -> RunRecord | None:
        """One run by id, or ``None``."""
        if not self.path.exists():
            return None
        with closing(self._connect()) as conn:
            conn.row_factory = sqlite3.Row
            row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _record(row) if row is not None else None


def _record(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        id=row["id"],
        parent_id=row["parent_id"],
        kind=row["kind"],
        name=row["name"],
        params=json.loads(row["params"]),
        started_at=datetime.fromisoformat(row["started_at"]),
        ended_at=datetime.fromisoformat(row["ended_at"]) if row["ended_at"] else None,
        status=row["status"],
        counts=json.loads(row["counts"]),
        error=row["error"],
        details=json.loads(row["details"]),
        transitions=json.loads(row["transitions"]),
        pid=row["pid"],
        host=row["host"],
    )
