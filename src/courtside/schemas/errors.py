"""Errors of the schema registry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from courtside.errors import TerminalError

if TYPE_CHECKING:
    from courtside.schemas.compat import Problem

__all__ = [
    "IncompatibleSchemaError",
    "InvalidSchemaError",
    "NoSuchSchemaError",
    "SchemaError",
]


class SchemaError(TerminalError):
    """A schema registry problem (bad subject name, unknown mode, storage)."""


class InvalidSchemaError(SchemaError):
    """A schema document that is not valid JSON Schema or uses a keyword the registry
    cannot reason about.

    Attributes:
        field_path: Where in the schema the problem is (``""`` for the top).
    """

    def __init__(self, message: str, *, field_path: str = "") -> None:
        where = f" at {field_path}" if field_path else ""
        super().__init__(f"invalid schema{where}: {message}")
        self.field_path = field_path


class NoSuchSchemaError(SchemaError):
    """The subject, or the version of it, is not in the registry.

    Attributes:
        subject: The subject asked for.
        version: The version asked for (None: any).
    """

    def __init__(self, subject: str, version: int | None = None, known: Sequence[str] = ()) -> None:
        if version is None:
            hint = f" (known: {', '.join(known)})" if known else " (the registry is empty)"
            message = f"no schema subject {subject!r}{hint}"
        else:
            message = f"schema subject {subject!r} has no version {version}"
        super().__init__(message)
        self.subject = subject
        self.version = version


class IncompatibleSchemaError(SchemaError):
    """A new schema version breaks the subject's compatibility mode.

    Attributes:
        subject: The subject.
        mode: Its compatibility mode.
        problems: Every incompatibility found (field path, rule, explanation).
    """

    def __init__(self, subject: str, mode: str, problems: Sequence[Problem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"schema for {subject!r} refused: not {mode}-compatible with version "
            f"{first.against_version}: {first.describe()}{more}"
        )
        self.subject = subject
        self.mode = mode
        self.problems = list(problems)
