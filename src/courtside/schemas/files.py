"""Reading the files ``courtside schemas check`` and ``register`` are given: a JSON Schema
document, or JSON lines of records to validate (optionally gzip)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from courtside.errors import RecordError
from courtside.schemas.errors import SchemaError
from courtside.schemas.validate import RecordValidator, Violation

__all__ = ["DATA_SUFFIXES", "DataCheck", "file_kind", "read_schema_file", "validate_lines"]

DATA_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".json.gz")
_MAX_SCHEMA_BYTES = 4 * 1024 * 1024


def file_kind(path: Path, forced: str | None = None) -> str:
    """``schema`` or ``data``: ``forced`` when given, else by the file name (``.json`` is a
    schema; ``.jsonl``, ``.ndjson`` and their ``.gz`` forms are data).

    Raises:
        SchemaError: when the name says neither.
    """
    if forced is not None:
        if forced not in ("schema", "data"):
            raise SchemaError(f"--as must be schema or data, got {forced!r}")
        return forced
    name = path.name.lower()
    if name.endswith(DATA_SUFFIXES):
        return "data"
    if name.endswith(".json"):
        return "schema"
    raise SchemaError(
        f"cannot tell whether {path.name} is a schema (.json) or data (.jsonl, .ndjson): "
        "say --as schema or --as data"
    )


def read_schema_file(path: Path) -> dict[str, Any]:
    """A JSON Schema document from a file.

    Raises:
        SchemaError: when it is unreadable, too large, not JSON or not an object.
    """
    try:
        if path.stat().st_size > _MAX_SCHEMA_BYTES:
            raise SchemaError(f"schema file {path} is larger than 4 MiB")
        text = path.read_text("utf-8")
    except OSError as exc:
        raise SchemaError(f"cannot read schema file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SchemaError(f"schema file {path} is not UTF-8") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"schema file {path} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise SchemaError(f"schema file {path} holds a JSON {type(value).__name__}, not a schema")
    return value


def _lines(path: Path) -> Iterator[bytes]:
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            yield from fh
    except OSError as exc:
        raise SchemaError(f"cannot read data file {path}: {exc.strerror or exc}") from None


@dataclass
class DataCheck:
    """The outcome of validating a data file.

    Attributes:
        subject: The subject validated against.
        version: Its version.
        records: Non-empty lines read.
        valid: Lines that passed.
        by_code: Failing lines per error code.
        examples: The first violations: ``(line number, violation)``.
    """

    subject: str
    version: int
    records: int = 0
    valid: int = 0
    by_code: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[int, Violation]] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        """Lines that failed."""
        return self.records - self.valid

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return {
            "subject": self.subject,
            "version": self.version,
            "records": self.records,
            "valid": self.valid,
            "invalid": self.invalid,
            "by_code": dict(self.by_code),
            "examples": [
                {"line": n, "code": v.code, "field_path": v.field_path, "message": v.message}
                for n, v in self.examples
            ],
        }


def validate_lines(
    path: Path, validate: RecordValidator, *, incoming: bool = False, examples: int = 10
) -> DataCheck:
    """Validate every JSON line of ``path``.

    Args:
        path: The file (``.gz`` is decompressed).
        validate: The subject's validator.
        incoming: Lines are incoming records (X API shape): apply the delivery transform
            first, as ``courtside deliver`` does.
        examples: Violations to keep.
    """
    from courtside.records import loads, to_delivered

    result = DataCheck(validate.subject, validate.version)
    for number, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        result.records += 1
        try:
            record: Any = loads(line)
            if incoming:
                record = to_delivered(record)
            violation = validate(record)
        except RecordError as exc:
            violation = Violation(exc.code, "", str(exc), validate.subject, validate.version)
        if violation is None:
            result.valid += 1
            continue
        result.by_code[violation.code] += 1
        if len(result.examples) < examples:
            result.examples.append((number, violation))
    return result
