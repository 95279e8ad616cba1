"""A fast "certainly valid" check, generated from a parsed schema, for delivery's hot path.

:func:`compile_accept` turns a :class:`~courtside.schemas.model.Node` tree into Python code
that returns ``True`` only for records the schema accepts. It is *sound, not complete*:
whenever it is unsure (a value of a Python type JSON does not produce, an ``enum``, a
``format``, numeric bounds, a float where only integers are allowed) it returns ``False``
and :class:`~courtside.schemas.validate.RecordValidator` asks the full fastjsonschema
validator, which decides and names the violation. So the verdict is always
fastjsonschema's; valid records (nearly all of them) just skip its per-object key sets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fastjsonschema.draft04 import DOLLAR_FINDER

from courtside.schemas.model import Node

__all__ = ["compile_accept"]

_TYPE_TESTS = {
    "null": "{v} is None",
    "boolean": "type({v}) is bool",
    "integer": "type({v}) is int",
    "number": "type({v}) is int or type({v}) is float",
    "string": "type({v}) is str",
    "array": "type({v}) is list",
    "object": "type({v}) is dict",
}
_NUMERIC_BOUNDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}


def _anything(node: Node) -> bool:
    return (
        node.types is None
        and not node.properties
        and not node.required
        and node.additional is True
        and node.items is None
        and node.enum is None
        and node.pattern is None
        and node.format is None
        and not node.bounds
    )


class _Emitter:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {"_MISSING": object()}
        self._counter = 0

    def var(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def const(self, value: Any) -> str:
        name = self.var("C")
        self.names[name] = value
        return name

    def line(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def node(self, node: Node, v: str, indent: int) -> None:
        if _anything(node):
            return
        if node.enum is not None or (_NUMERIC_BOUNDS & node.bounds.keys()):
            self.line(indent, "return False")  # unsure: the full validator decides
            return
        if node.types is not None and len(node.types) == 2 and "null" in node.types:
            # Nullable: ``None`` passes, anything else is judged as the one other type (two
            # tests for a present value instead of three).
            self.line(indent, f"if {v} is not None:")
            self.node(replace(node, types=node.types - {"null"}), v, indent + 1)
            return
        if node.types is not None:
            tests = " or ".join(_TYPE_TESTS[t].format(v=v) for t in sorted(node.types))
            self.line(indent, f"if not ({tests}):")
            self.line(indent + 1, "return False")
        else:  # any type: only values JSON parsing produces are judged here
            known = " or ".join(_TYPE_TESTS[t].format(v=v) for t in sorted(_TYPE_TESTS))
            self.line(indent, f"if not ({known}):")
            self.line(indent + 1, "return False")
        # With one type the test above already guarantees it: no second type guard.
        only = next(iter(node.types)) if node.types is not None and len(node.types) == 1 else None
        self._string(node, v, indent, guarded=only == "string")
        self._array(node, v, indent, guarded=only == "array")
        self._object(node, v, indent, guarded=only == "object")

    def _guard(self, guarded: bool, indent: int, test: str) -> int:
        """Emit ``if test:`` unless the type is already certain; the body's indent."""
        if guarded:
            return indent
        self.line(indent, f"if {test}:")
        return indent + 1

    def _string(self, node: Node, v: str, indent: int, *, guarded: bool = False) -> None:
        checks = []
        if node.format is not None:
            checks.append("True")
        if node.pattern is not None:
            regex = self.const(re.compile(DOLLAR_FINDER.sub(r"\\Z", node.pattern)))
            checks.append(f"not {regex}.search({v})")
        if "minLength" in node.bounds:
            checks.append(f"len({v}) < {int(node.bounds['minLength'])}")
        if "maxLength" in node.bounds:
            checks.append(f"len({v}) > {int(node.bounds['maxLength'])}")
        if checks:
            test = " or ".join(checks)
            test = test if guarded else f"type({v}) is str and ({test})"
            self.line(indent, f"if {test}:")
            self.line(indent + 1, "return False")

    def _array(self, node: Node, v: str, indent: int, *, guarded: bool = False) -> None:
        sizes = []
        if "minItems" in node.bounds:
            sizes.append(f"len({v}) < {int(node.bounds['minItems'])}")
        if "maxItems" in node.bounds:
            sizes.append(f"len({v}) > {int(node.bounds['maxItems'])}")
        items = node.items if node.items is not None and not _anything(node.items) else None
        if not sizes and items is None:
            return
        body = self._guard(guarded, indent, f"type({v}) is list")
        if sizes:
            self.line(body, f"if {' or '.join(sizes)}:")
            self.line(body + 1, "return False")
        if items is not None:
            item = self.var("i")
            self.line(body, f"for {item} in {v}:")
            self.node(items, item, body + 1)

    def _object(self, node: Node, v: str, indent: int, *, guarded: bool = False) -> None:
        extra = node.additional
        props = {k: p for k, p in node.properties.items() if not _anything(p)}
        if not (node.required or props or extra is not True):
            return
        inner = self._guard(guarded, indent, f"type({v}) is dict")
        if node.required:
            # One set comparison for all required keys; then they are read without a default.
            required = self.const(frozenset(node.required))
            self.line(inner, f"if not {v}.keys() >= {required}:")
            self.line(inner + 1, "return False")
        for name, sub in props.items():
            value = self.var("p")
            if name in node.required:
                self.line(inner, f"{value} = {v}[{name!r}]")
                self.node(sub, value, inner)
                continue
            if sub.types is not None and "null" in sub.types:
                # Missing or null: both accepted, so one lookup without a sentinel, and
                # the rest judges only non-null values.
                self.line(inner, f"{value} = {v}.get({name!r})")
                rest = sub.types - {"null"}
                if not rest:
                    self.line(inner, f"if {value} is not None:")
                    self.line(inner + 1, "return False")
                    continue
                self.line(inner, f"if {value} is not None:")
                self.node(replace(sub, types=frozenset(rest)), value, inner + 1)
                continue
            self.line(inner, f"{value} = {v}.get({name!r}, _MISSING)")
            self.line(inner, f"if {value} is not _MISSING:")
            self.node(sub, value, inner + 1)
        if extra is False:
            declared = self.const(frozenset(node.properties))
            self.line(inner, f"if not {v}.keys() <= {declared}:")
            self.line(inner + 1, "return False")
        elif isinstance(extra, Node) and not _anything(extra):
            declared = self.const(frozenset(node.properties))
            key, value = self.var("k"), self.var("x")
            self.line(inner, f"for {key}, {value} in {v}.items():")
            self.line(inner + 1, f"if {key} not in {declared}:")
            self.node(extra, value, inner + 2)


def compile_accept(node: Node) -> Callable[[Any], bool]:
    """A function returning ``True`` only for values ``node`` accepts (``False``: ask the
    full validator)."""
    emitter = _Emitter()
    emitter.line(0, "def accept(v0):")
    emitter.node(node, "v0", 1)
    emitter.line(1, "return True")
    namespace = dict(emitter.names)
    exec(compile("\n".join(emitter.lines), "<courtside.schemas.fastpath>", "exec"), namespace)  # noqa: S102 - code generated from a parsed schema tree, names only from constants
    accept: Callable[[Any], bool] = namespace["accept"]
    return accept
