"""Fast record validation against a registered schema version.

:class:`RecordValidator` compiles the schema once with ``fastjsonschema`` (JSON Schema
turned into Python code) and returns ``None`` for a valid record or the first
:class:`Violation` with its own error code and the failing field path. A record first
meets a faster generated check (:mod:`courtside.schemas.fastpath`) that only ever says
"certainly valid"; anything else goes to fastjsonschema, whose verdict counts. Compiled
validators are cached by schema fingerprint, so asking again for the same version is free.

Error codes (the ``errorCode`` of an ``errors/`` record):

* ``Schema.MissingField``: a required field is absent.
* ``Schema.WrongType``: a field has another JSON type (a string where a number belongs).
* ``Schema.UnexpectedField``: a field the schema forbids (``additionalProperties: false``).
* ``Schema.BadValue``: a value outside its enum, pattern, format or bounds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import fastjsonschema

from courtside.schemas.errors import InvalidSchemaError
from courtside.schemas.fastpath import compile_accept
from courtside.schemas.model import parse_schema

__all__ = ["RecordValidator", "Violation", "compile_schema"]

_CODES = {
    "required": "Schema.MissingField",
    "type": "Schema.WrongType",
    "additionalProperties": "Schema.UnexpectedField",
}
_JSON_TYPE = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}
_cache: dict[str, Callable[[Any], Any]] = {}
_accept_cache: dict[str, Callable[[Any], bool]] = {}
_cache_lock = threading.Lock()
_MAX_CACHED = 64


@dataclass(frozen=True)
class Violation:
    """Why a record does not match its schema.

    Attributes:
        code: The error code (``Schema.MissingField``, ``Schema.WrongType``,
            ``Schema.UnexpectedField``, ``Schema.BadValue``).
        field_path: The failing field, with element indices: ``users[0].username``
            (``""``: the record itself).
        message: One line for people.
        subject: The schema subject.
        version: The schema version checked against.
    """

    code: str
    field_path: str
    message: str
    subject: str = ""
    version: int = 0

    def as_error(self) -> dict[str, Any]:
        """Fields for an ``errors/`` record: ``errorCode``, ``errorMessage``,
        ``fieldPath``, ``schemaSubject``, ``schemaVersion``."""
        return {
            "errorCode": self.code,
            "errorMessage": self.message,
            "fieldPath": self.field_path,
            "schemaSubject": self.subject,
            "schemaVersion": self.version,
        }


def compile_schema(fingerprint: str, schema: dict[str, Any]) -> Callable[[Any], Any]:
    """The compiled validation function of ``schema`` (cached by ``fingerprint``).

    Raises:
        InvalidSchemaError: when fastjsonschema cannot compile it.
    """
    with _cache_lock:
        fn = _cache.get(fingerprint)
    if fn is not None:
        return fn
    try:
        fn = fastjsonschema.compile(schema, use_default=False, detailed_exceptions=True)
    except fastjsonschema.JsonSchemaDefinitionException as exc:
        raise InvalidSchemaError(str(exc)) from None
    with _cache_lock:
        if len(_cache) >= _MAX_CACHED:
            _cache.pop(next(iter(_cache)))
        _cache[fingerprint] = fn
    return fn


def compile_fast_accept(fingerprint: str, schema: dict[str, Any]) -> Callable[[Any], bool]:
    """The generated "certainly valid" check of ``schema`` (cached by ``fingerprint``).

    Raises:
        InvalidSchemaError: for a schema outside the registry's subset.
    """
    with _cache_lock:
        fn = _accept_cache.get(fingerprint)
    if fn is None:
        fn = compile_accept(parse_schema(schema))
        with _cache_lock:
            if len(_accept_cache) >= _MAX_CACHED:
                _accept_cache.pop(next(iter(_accept_cache)))
            _accept_cache[fingerprint] = fn
    return fn


def _path(name: str) -> str:
    return name[len("data") :].lstrip(".") if name.startswith("data") else name


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _violation(
    exc: fastjsonschema.JsonSchemaValueException, subject: str, version: int
) -> Violation:
    path = _path(exc.name or "data")
    rule = exc.rule or ""
    code = _CODES.get(rule, "Schema.BadValue")
    value = exc.value
    shown = path or "the record"
    if rule == "required" and isinstance(value, dict) and isinstance(exc.rule_definition, list):
        missing = next((n for n in exc.rule_definition if n not in value), "?")
        path = _join(path, str(missing))
        message = f"required field {path} is missing"
    elif rule == "type":
        got = _JSON_TYPE.get(type(value), type(value).__name__)
        wanted = exc.rule_definition
        wanted_text = "|".join(wanted) if isinstance(wanted, list) else str(wanted)
        message = f"{shown} must be {wanted_text}, got {got}"
    elif rule == "additionalProperties" and isinstance(value, dict):
        declared = (exc.definition or {}).get("properties", {})
        extra = sorted(k for k in value if k not in declared)
        name = str(extra[0]) if extra else "?"
        path = _join(path, name)
        message = f"field {path} is not allowed by the schema"
    else:
        text = str(exc.message or "")
        message = (
            f"{shown}{text[len(exc.name or '') :]}"
            if exc.name and text.startswith(exc.name)
            else text
        )
    return Violation(code, path, message[:500], subject, version)


class RecordValidator:
    """A callable checking records against one schema version.

    Attributes:
        subject: The subject.
        version: The version it checks against.
    """

    def __init__(self, subject: str, version: int, fingerprint: str, schema: dict[str, Any]):
        self.subject = subject
        self.version = version
        self._fn = compile_schema(fingerprint, schema)
        self._accept = compile_fast_accept(fingerprint, schema)

    def __call__(self, record: Any) -> Violation | None:
        """``None`` when ``record`` is valid, else the first violation found."""
        if self._accept(record):
            return None
        try:
            self._fn(record)
        except fastjsonschema.JsonSchemaValueException as exc:
            return _violation(exc, self.subject, self.version)
        return None

    def __repr__(self) -> str:
        return f"RecordValidator({self.subject!r}, version={self.version})"
