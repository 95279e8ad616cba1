"""What the registry returns: a version, a subject, the outcome of a check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from courtside.schemas.compat import Change, Compatibility, Problem
from courtside.schemas.model import Node, parse_schema

__all__ = ["CheckResult", "SchemaVersion", "Subject"]


@dataclass(frozen=True)
class SchemaVersion:
    """One registered version.

    Attributes:
        subject: Its subject.
        version: Its number (1, 2, ...).
        schema: The JSON Schema document.
        fingerprint: SHA-256 of its canonical text.
        created_at: When it was registered (UTC).
        note: Who or what registered it (``crawler``, ``cli``, ``builtin``...).
    """

    subject: str
    version: int
    schema: dict[str, Any]
    fingerprint: str
    created_at: datetime
    note: str = ""

    @cached_property
    def node(self) -> Node:
        """The parsed schema tree."""
        return parse_schema(self.schema)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return {
            "subject": self.subject,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "created_at": self.created_at.isoformat(),
            "note": self.note,
            "schema": self.schema,
        }


@dataclass(frozen=True)
class Subject:
    """A subject and its latest version number."""

    name: str
    compatibility: Compatibility
    latest_version: int
    created_at: datetime
    updated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return {
            "subject": self.name,
            "compatibility": self.compatibility.value,
            "latest_version": self.latest_version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class CheckResult:
    """Whether a schema could be registered as the subject's next version.

    Attributes:
        subject: The subject.
        compatibility: Its mode (the default for a subject that does not exist yet).
        latest_version: Its latest version (0: none yet).
        problems: The incompatibilities (empty: compatible).
        changes: Differences from the latest version.
        identical: The schema is exactly the latest version.
    """

    subject: str
    compatibility: Compatibility
    latest_version: int
    problems: list[Problem]
    changes: list[Change]
    identical: bool

    @property
    def compatible(self) -> bool:
        """True when registering would succeed."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return {
            "subject": self.subject,
            "compatibility": self.compatibility.value,
            "latest_version": self.latest_version,
            "compatible": self.compatible,
            "identical": self.identical,
            "problems": [p.as_dict() for p in self.problems],
            "changes": [c.as_dict() for c in self.changes],
        }
