"""The subset of JSON Schema the registry reasons about, parsed into a small tree.

The registry must decide whether two versions are compatible, so it accepts only
keywords whose meaning it can compare: ``type`` (a name or a list, ``"null"`` included),
``properties``, ``required``, ``additionalProperties`` (true, false or a schema),
``items`` (one schema), ``enum``, ``const``, ``pattern``, ``format`` and the numeric, length
and size bounds. Annotations (``title``, ``description``, ``default``, ``examples``,
``$schema``, ``$id``, ``$comment`` and ``x-...`` keys) are kept but carry no rule.
Combinators (``anyOf``, ``oneOf``, ``allOf``, ``not``, ``if``), references (``$ref``) and
the other keywords are refused with the field path where they appear.

Field paths name fields the way people read records: ``users[].username`` (``[]`` is "each
element"), ``entities.mentions[].start``, ``attachments.*`` (any key of a map).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from courtside.schemas.errors import InvalidSchemaError

__all__ = ["BOUNDS", "JSON_TYPES", "Node", "display_path", "join_path", "parse_schema"]

JSON_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")
#: Bound keywords and whether a larger value is the tighter one.
BOUNDS = {
    "minimum": True,
    "exclusiveMinimum": True,
    "minLength": True,
    "minItems": True,
    "maximum": False,
    "exclusiveMaximum": False,
    "maxLength": False,
    "maxItems": False,
}
_ANNOTATIONS = {
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
}
_RULES = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "pattern",
    "format",
    *BOUNDS,
}
_FIELD = re.compile(r"^[A-Za-z_$@][A-Za-z0-9_$@-]{0,127}$")


@dataclass(frozen=True)
class Node:
    """One schema (of the record or of a field inside it).

    Attributes:
        types: The JSON types allowed (None: any).
        properties: Declared fields of an object.
        required: Fields an object must have.
        additional: Undeclared fields: allowed (True), refused (False) or their schema.
        items: The schema of each array element (None: any).
        enum: The only values allowed (``const`` is a one-value enum).
        pattern: A regular expression strings must match.
        format: A named string format (``date-time``, ``date``...).
        bounds: Numeric, length and size bounds by keyword.
    """

    types: frozenset[str] | None = None
    properties: dict[str, Node] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    additional: bool | Node = True
    items: Node | None = None
    enum: tuple[Any, ...] | None = None
    pattern: str | None = None
    format: str | None = None
    bounds: dict[str, float] = field(default_factory=dict)

    def allows(self, json_type: str) -> bool:
        """True when values of ``json_type`` may appear (``integer`` fits ``number``)."""
        if self.types is None:
            return True
        return json_type in self.types or (json_type == "integer" and "number" in self.types)

    @property
    def nullable(self) -> bool:
        """True when ``null`` is an allowed value."""
        return self.allows("null") and (self.enum is None or None in self.enum)


def join_path(path: str, name: str) -> str:
    """The path of field ``name`` inside the object at ``path``."""
    return f"{path}.{name}" if path else name


def display_path(path: str) -> str:
    """A path for messages: the record itself is ``(record)``."""
    return path or "(record)"


def _fail(message: str, path: str) -> InvalidSchemaError:
    return InvalidSchemaError(message, field_path=display_path(path))


def _types(value: Any, path: str) -> frozenset[str]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names:
        raise _fail("'type' must be a type name or a non-empty list of them", path)
    for name in names:
        if name not in JSON_TYPES:
            raise _fail(f"unknown type {name!r} (use {', '.join(JSON_TYPES)})", path)
    return frozenset(names)


def _bound(key: str, value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(f"{key!r} must be a number, got {value!r}"[:200], path)
    if key.endswith(("Length", "Items")) and (value < 0 or value != int(value)):
        raise _fail(f"{key!r} must be a non-negative integer, got {value!r}", path)
    return float(value)


def parse_schema(doc: Any, path: str = "") -> Node:
    """Parse a JSON Schema document (a ``dict``, or ``True`` for "anything").

    Raises:
        InvalidSchemaError: for anything outside the supported subset, naming the path.
    """
    if doc is True or doc == {}:
        return Node()
    if not isinstance(doc, dict):
        raise _fail(f"a schema must be a JSON object, got {type(doc).__name__}", path)
    for key in doc:
        if not isinstance(key, str):
            raise _fail("schema keys must be strings", path)
        if key not in _RULES and key not in _ANNOTATIONS and not key.startswith("x-"):
            raise _fail(
                f"keyword {key!r} is not supported (the registry cannot compare it across "
                "versions; use type, properties, required, items, enum, pattern, bounds)",
                path,
            )
    types = _types(doc["type"], path) if "type" in doc else None
    properties: dict[str, Node] = {}
    raw_props = doc.get("properties", {})
    if not isinstance(raw_props, dict):
        raise _fail("'properties' must be an object", path)
    for name, sub in raw_props.items():
        if not _FIELD.match(name):
            raise _fail(f"unsupported field name {name[:80]!r}", path)
        properties[name] = parse_schema(sub, join_path(path, name))
    required = doc.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise _fail("'required' must be a list of field names", path)
    if len(set(required)) != len(required):
        raise _fail("'required' lists a field twice", path)
    extra = doc.get("additionalProperties", True)
    additional: bool | Node
    if isinstance(extra, bool):
        additional = extra
    else:
        additional = parse_schema(extra, join_path(path, "*"))
    items = None
    if "items" in doc:
        if not isinstance(doc["items"], dict | bool):
            raise _fail("'items' must be one schema (tuple forms are not supported)", path)
        items = parse_schema(doc["items"], f"{path}[]")
    enum: tuple[Any, ...] | None = None
    if "enum" in doc:
        if not isinstance(doc["enum"], list) or not doc["enum"]:
            raise _fail("'enum' must be a non-empty list", path)
        enum = tuple(doc["enum"])
    if "const" in doc:
        enum = (doc["const"],)
    pattern = doc.get("pattern")
    if pattern is not None:
        if not isinstance(pattern, str):
            raise _fail("'pattern' must be a string", path)
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _fail(f"'pattern' is not a regular expression: {exc}", path) from None
    fmt = doc.get("format")
    if fmt is not None and not isinstance(fmt, str):
        raise _fail("'format' must be a string", path)
    bounds = {k: _bound(k, doc[k], path) for k in BOUNDS if k in doc}
    return Node(
        types=types,
        properties=properties,
        required=frozenset(required),
        additional=additional,
        items=items,
        enum=enum,
        pattern=pattern,
        format=fmt,
        bounds=bounds,
    )
