"""Compatibility modes (the Glue Schema Registry's) and the rules behind them.

A reader schema can *read* data written with a writer schema when every record valid
under the writer is valid under the reader, with one convention borrowed from Avro:
fields a schema does not declare carry no contract (a reader ignores them unless it
sets ``additionalProperties: false``). So:

* ``BACKWARD`` (the default): the new version reads data written with the previous one.
  Allowed: delete fields, add optional fields, widen a type (``integer`` -> ``number``,
  adding ``null``). Refused: add a required field, make a field required, narrow a type.
* ``FORWARD``: the previous version reads data written with the new one. Allowed: add
  fields (even required), delete optional fields, narrow a type. Refused: delete a
  required field, make a required field optional, widen a type.
* ``FULL``: both. Allowed: add or delete optional fields. Refused: anything touching a
  required field, any type change.
* ``BACKWARD_ALL``, ``FORWARD_ALL``, ``FULL_ALL``: the same against every earlier
  version, not only the latest.
* ``NONE``: every new version is accepted. ``DISABLED``: no new version is accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from courtside.schemas.model import BOUNDS, Node, display_path, join_path

__all__ = ["Change", "Compatibility", "Problem", "changes", "check_versions", "read_problems"]


class Compatibility(StrEnum):
    """A subject's compatibility mode."""

    NONE = "NONE"
    DISABLED = "DISABLED"
    BACKWARD = "BACKWARD"
    BACKWARD_ALL = "BACKWARD_ALL"
    FORWARD = "FORWARD"
    FORWARD_ALL = "FORWARD_ALL"
    FULL = "FULL"
    FULL_ALL = "FULL_ALL"

    @property
    def backward(self) -> bool:
        """The new version must read older data."""
        return self.value.startswith(("BACKWARD", "FULL"))

    @property
    def forward(self) -> bool:
        """Older versions must read the new version's data."""
        return self.value.startswith(("FORWARD", "FULL"))

    @property
    def transitive(self) -> bool:
        """Checked against every earlier version, not only the latest."""
        return self.value.endswith("_ALL")


@dataclass(frozen=True)
class Problem:
    """One incompatibility.

    Attributes:
        field_path: The field (``users[].username``; ``""`` for the record).
        rule: What is broken: ``required-added``, ``required-removed``, ``made-required``,
            ``made-optional``, ``type``, ``closed``, ``enum``, ``pattern``, ``format``,
            ``bound`` or ``disabled``.
        message: The explanation.
        direction: ``BACKWARD`` (the new version cannot read older data) or ``FORWARD``
            (older readers cannot read the new data).
        against_version: The version it conflicts with.
    """

    field_path: str
    rule: str
    message: str
    direction: str
    against_version: int

    def describe(self) -> str:
        """``field: message (rule, direction)`` for one line of output."""
        return f"{display_path(self.field_path)}: {self.message} ({self.rule}, {self.direction})"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return {
            "field_path": self.field_path,
            "rule": self.rule,
            "message": self.message,
            "direction": self.direction,
            "against_version": self.against_version,
        }


def type_text(node: Node) -> str:
    """The types of a node for messages: ``string``, ``integer|null``, ``any``."""
    if node.types is None:
        return "any"
    order = ["string", "integer", "number", "boolean", "object", "array", "null"]
    text = "|".join(t for t in order if t in node.types)
    return f"{text}({node.format})" if node.format else text


def _value_types(writer: Node) -> frozenset[str] | None:
    if writer.enum is not None:
        out = set()
        for value in writer.enum:
            if value is None:
                out.add("null")
            elif isinstance(value, bool):
                out.add("boolean")
            elif isinstance(value, int):
                out.add("integer")
            elif isinstance(value, float):
                out.add("number")
            elif isinstance(value, str):
                out.add("string")
            elif isinstance(value, list):
                out.add("array")
            else:
                out.add("object")
        return frozenset(out)
    return writer.types


def read_problems(writer: Node, reader: Node, *, backward: bool, path: str = "") -> list[Problem]:
    """Why ``reader`` cannot read every record valid under ``writer`` (empty: it can).

    Args:
        writer: The schema the data was written with.
        reader: The schema reading it.
        backward: True when the reader is the new version (a BACKWARD check), False when
            the writer is (a FORWARD check); only the wording depends on it.
        path: The field path of these nodes.
    """
    direction = "BACKWARD" if backward else "FORWARD"
    old, new = (writer, reader) if backward else (reader, writer)
    out: list[Problem] = []

    def problem(at: str, rule: str, message: str) -> None:
        out.append(Problem(at, rule, message, direction, 0))

    written = _value_types(writer)
    if reader.types is not None:
        if written is None or not all(reader.allows(t) for t in written):
            problem(path, "type", f"type changed from {type_text(old)} to {type_text(new)}")
            return out
    if reader.format and written and "string" in written and writer.format != reader.format:
        problem(path, "format", f"format changed from {old.format} to {new.format}")
    if reader.enum is not None and (
        writer.enum is None or not all(v in reader.enum for v in writer.enum)
    ):
        problem(path, "enum", "allowed values narrowed (some written values are not allowed)")
    if reader.pattern is not None and writer.pattern != reader.pattern and writer.enum is None:
        problem(path, "pattern", f"pattern changed from {old.pattern!r} to {new.pattern!r}")
    for key, larger_is_tighter in BOUNDS.items():
        limit = reader.bounds.get(key)
        if limit is None:
            continue
        have = writer.bounds.get(key)
        tighter = have is None or (have < limit if larger_is_tighter else have > limit)
        if tighter:
            problem(
                path, "bound", f"{key} changed from {old.bounds.get(key)} to {new.bounds.get(key)}"
            )
    if written is None or "object" in written:
        out.extend(_object_problems(writer, reader, backward, path))
    if (written is None or "array" in written) and reader.items is not None:
        items = writer.items or Node()
        out.extend(read_problems(items, reader.items, backward=backward, path=f"{path}[]"))
    return out


def _object_problems(writer: Node, reader: Node, backward: bool, path: str) -> list[Problem]:
    direction = "BACKWARD" if backward else "FORWARD"
    out: list[Problem] = []
    for name in sorted(reader.required - writer.required):
        at = join_path(path, name)
        if name not in writer.properties:
            if backward:
                rule, text = "required-added", "required field added (older data lacks it)"
            else:
                rule, text = "required-removed", "required field removed (older readers need it)"
        elif backward:
            rule, text = "made-required", "field made required (older data may lack it)"
        else:
            rule, text = "made-optional", "required field made optional (older readers need it)"
        out.append(Problem(at, rule, text, direction, 0))
    for name, wsub in writer.properties.items():
        at = join_path(path, name)
        rsub = reader.properties.get(name)
        if rsub is None:
            if reader.additional is False:
                text = "field not allowed by the reader (additionalProperties is false)"
                out.append(Problem(at, "closed", text, direction, 0))
            elif isinstance(reader.additional, Node):
                out.extend(read_problems(wsub, reader.additional, backward=backward, path=at))
            continue
        out.extend(read_problems(wsub, rsub, backward=backward, path=at))
    if reader.additional is False and writer.additional is not False:
        text = "undeclared fields are now refused (additionalProperties false)"
        out.append(Problem(path, "closed", text, direction, 0))
    elif isinstance(reader.additional, Node):
        wextra = writer.additional if isinstance(writer.additional, Node) else Node()
        if writer.additional is not False:
            at = join_path(path, "*")
            out.extend(read_problems(wextra, reader.additional, backward=backward, path=at))
    return out


def check_versions(
    mode: Compatibility, new: Node, earlier: Sequence[tuple[int, Node]]
) -> list[Problem]:
    """Every problem registering ``new`` after ``earlier`` (``(version, node)``, oldest
    first) would cause under ``mode``."""
    if not earlier or mode == Compatibility.NONE:
        return []
    if mode == Compatibility.DISABLED:
        latest = earlier[-1][0]
        return [Problem("", "disabled", "versioning is disabled for this subject", "NONE", latest)]
    against = earlier if mode.transitive else earlier[-1:]
    out: list[Problem] = []
    for version, old in reversed(against):
        found: list[Problem] = []
        if mode.backward:
            found += read_problems(old, new, backward=True)
        if mode.forward:
            found += read_problems(new, old, backward=False)
        out += [Problem(p.field_path, p.rule, p.message, p.direction, version) for p in found]
    return out


@dataclass(frozen=True)
class Change:
    """One difference between two versions.

    Attributes:
        field_path: The field.
        change: ``added``, ``removed``, ``type``, ``made-required``, ``made-optional``,
            ``constraint`` or ``closed``/``opened`` (additionalProperties).
        before: The old side (type text, or the constraint's old value).
        after: The new side.
        breaks: The directions this change breaks (``BACKWARD``, ``FORWARD``).
    """

    field_path: str
    change: str
    before: str
    after: str
    breaks: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return {
            "field_path": self.field_path,
            "change": self.change,
            "before": self.before,
            "after": self.after,
            "breaks": list(self.breaks),
        }


def _field_text(node: Node, required: bool) -> str:
    return f"{type_text(node)}{'' if required else ' (optional)'}"


def _diff(old: Node, new: Node, path: str, out: list[tuple[str, str, str, str]]) -> None:
    if old.types != new.types or old.format != new.format:
        out.append((path, "type", type_text(old), type_text(new)))
    for label, before, after in (
        ("enum", old.enum, new.enum),
        ("pattern", old.pattern, new.pattern),
        *((k, old.bounds.get(k), new.bounds.get(k)) for k in BOUNDS),
    ):
        if before != after:
            out.append((path, "constraint", f"{label}={before}", f"{label}={after}"))
    for name in sorted(set(old.properties) | set(new.properties)):
        at = join_path(path, name)
        was, now = old.properties.get(name), new.properties.get(name)
        if was is None and now is not None:
            out.append((at, "added", "", _field_text(now, name in new.required)))
        elif now is None and was is not None:
            out.append((at, "removed", _field_text(was, name in old.required), ""))
        elif was is not None and now is not None:
            _diff(was, now, at, out)
    for name in sorted(new.required - old.required):
        if name in old.properties and name in new.properties:
            out.append((join_path(path, name), "made-required", "optional", "required"))
    for name in sorted(old.required - new.required):
        if name in old.properties and name in new.properties:
            out.append((join_path(path, name), "made-optional", "required", "optional"))
    if (old.additional is False) != (new.additional is False):
        change = "closed" if new.additional is False else "opened"
        out.append(
            (path, change, str(old.additional is not False), str(new.additional is not False))
        )
    if isinstance(old.additional, Node) and isinstance(new.additional, Node):
        _diff(old.additional, new.additional, join_path(path, "*"), out)
    if old.items is not None or new.items is not None:
        _diff(old.items or Node(), new.items or Node(), f"{path}[]", out)


def changes(old: Node, new: Node) -> list[Change]:
    """The differences from ``old`` to ``new``, each with the directions it breaks."""
    raw: list[tuple[str, str, str, str]] = []
    _diff(old, new, "", raw)
    backward = {p.field_path for p in read_problems(old, new, backward=True)}
    forward = {p.field_path for p in read_problems(new, old, backward=False)}
    out = []
    for path, change, before, after in raw:
        breaks = tuple(
            d for d, paths in (("BACKWARD", backward), ("FORWARD", forward)) if path in paths
        )
        out.append(Change(path, change, before, after, breaks))
    return out
