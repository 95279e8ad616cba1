"""Column types as the Glue/Hive catalog writes them, and their DuckDB and Spark forms.

Types are stored as Hive type strings (``string``, ``bigint``, ``double``, ``boolean``,
``array<T>``, ``struct<a:T,b:U>``, ``map<K,V>``), like the Glue Data Catalog. They are
parsed into a small tree to merge (schema inference) and to render for DuckDB
(``STRUCT("a" VARCHAR)[]``) or Spark DDL (``array<struct<`a`:string>>``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from courtside.catalog.errors import CatalogError

__all__ = [
    "ArrayType",
    "MapType",
    "StructType",
    "Type",
    "format_type",
    "from_arrow",
    "infer_value",
    "merge_types",
    "parse_type",
    "resolve_nulls",
    "to_duckdb",
    "to_spark",
]

PRIMITIVES = {
    "string",
    "bigint",
    "int",
    "smallint",
    "tinyint",
    "double",
    "float",
    "boolean",
    "date",
    "timestamp",
    "binary",
    "null",
}
_DUCKDB = {
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "int": "INTEGER",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "binary": "BLOB",
    "null": "VARCHAR",
}
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_DECIMAL = re.compile(r"^decimal\(\d{1,2},\d{1,2}\)$")


@dataclass(frozen=True)
class ArrayType:
    """``array<element>``."""

    element: Type


@dataclass(frozen=True)
class StructType:
    """``struct<name:type,...>`` (field order kept)."""

    fields: tuple[tuple[str, Type], ...]


@dataclass(frozen=True)
class MapType:
    """``map<key,value>``."""

    key: Type
    value: Type


Type = str | ArrayType | StructType | MapType


def _check_field(name: str) -> str:
    if not _FIELD.match(name):
        raise CatalogError(f"unsupported field name {name[:80]!r}")
    return name


def parse_type(text: str) -> Type:
    """Parse a Hive type string.

    Raises:
        CatalogError: for anything that is not a supported type.
    """
    parsed, rest = _parse(text.replace(" ", ""), text)
    if rest:
        raise CatalogError(f"invalid type {text[:200]!r}")
    return parsed


def _parse(s: str, original: str) -> tuple[Type, str]:
    low = s.lower()
    if low.startswith("array<"):
        elem, rest = _parse(s[6:], original)
        return ArrayType(elem), _expect(rest, ">", original)
    if low.startswith("map<"):
        key, rest = _parse(s[4:], original)
        rest = _expect(rest, ",", original)
        value, rest = _parse(rest, original)
        return MapType(key, value), _expect(rest, ">", original)
    if low.startswith("struct<"):
        rest = s[7:]
        fields: list[tuple[str, Type]] = []
        while not rest.startswith(">"):
            name, sep, rest = rest.partition(":")
            if not sep:
                raise CatalogError(f"invalid type {original[:200]!r}")
            child, rest = _parse(rest, original)
            fields.append((_check_field(name.strip("`")), child))
            if rest.startswith(","):
                rest = rest[1:]
        return StructType(tuple(fields)), rest[1:]
    match = re.match(r"^([a-z]+(?:\(\d+,\d+\))?)", low)
    if not match or (match.group(1) not in PRIMITIVES and not _DECIMAL.match(match.group(1))):
        raise CatalogError(f"invalid type {original[:200]!r}")
    return match.group(1), s[len(match.group(1)) :]


def _expect(rest: str, char: str, original: str) -> str:
    if not rest.startswith(char):
        raise CatalogError(f"invalid type {original[:200]!r}")
    return rest[1:]


@dataclass(frozen=True)
class _Syntax:
    """How one dialect writes a type: a template per constructor (``{}`` are its parts)
    and a function for the primitive names."""

    array: str
    map: str
    field: str
    struct: str
    separator: str
    primitive: Callable[[str], str]

    def write(self, t: Type) -> str:
        """``t`` in this dialect."""
        if isinstance(t, str):
            return self.primitive(t)
        if isinstance(t, ArrayType):
            return self.array.format(self.write(t.element))
        if isinstance(t, MapType):
            return self.map.format(self.write(t.key), self.write(t.value))
        fields = (self.field.format(n, self.write(c)) for n, c in t.fields)
        return self.struct.format(self.separator.join(fields))


_HIVE_SYNTAX = _Syntax("array<{}>", "map<{},{}>", "{}:{}", "struct<{}>", ",", str)
_DUCKDB_SYNTAX = _Syntax(
    "{}[]",
    "MAP({}, {})",
    '"{}" {}',
    "STRUCT({})",
    ", ",
    lambda t: t.upper() if _DECIMAL.match(t) else _DUCKDB[t],
)
_SPARK_SYNTAX = _Syntax(
    "array<{}>",
    "map<{},{}>",
    "`{}`:{}",
    "struct<{}>",
    ",",
    lambda t: "string" if t == "null" else t,
)


def _tree(t: Type | str) -> Type:
    """``t`` as a type tree (a Hive type string is parsed unless it is a primitive)."""
    if isinstance(t, str) and t not in PRIMITIVES and not _DECIMAL.match(t):
        return parse_type(t)
    return t


def format_type(t: Type) -> str:
    """The Hive type string of ``t``."""
    return _HIVE_SYNTAX.write(t)


def to_duckdb(t: Type | str) -> str:
    """The DuckDB type for ``t`` (a tree or a Hive type string)."""
    return _DUCKDB_SYNTAX.write(_tree(t))


def to_spark(t: Type | str) -> str:
    """The Spark DDL type for ``t``, with field names quoted."""
    return _SPARK_SYNTAX.write(_tree(t))


def infer_value(value: Any) -> Type:
    """The Hive type of one JSON value (``null`` for JSON null)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        element: Type = "null"
        for item in value:
            element = merge_types(element, infer_value(item))
        return ArrayType(element)
    if isinstance(value, dict):
        return StructType(tuple((_check_field(k), infer_value(v)) for k, v in value.items()))
    return "string"


def merge_types(a: Type, b: Type) -> Type:
    """The narrowest type holding values of both ``a`` and ``b`` (Glue-like: structs
    union their fields, ``bigint`` + ``double`` is ``double``, conflicts become
    ``string``)."""
    if a == b:
        return a
    if a == "null":
        return b
    if b == "null":
        return a
    if {a, b} == {"bigint", "double"}:
        return "double"
    if isinstance(a, ArrayType) and isinstance(b, ArrayType):
        return ArrayType(merge_types(a.element, b.element))
    if isinstance(a, MapType) and isinstance(b, MapType):
        return MapType(merge_types(a.key, b.key), merge_types(a.value, b.value))
    if isinstance(a, StructType) and isinstance(b, StructType):
        merged = dict(a.fields)
        order = [n for n, _ in a.fields]
        for name, child in b.fields:
            if name in merged:
                merged[name] = merge_types(merged[name], child)
            else:
                merged[name] = child
                order.append(name)
        return StructType(tuple((n, merged[n]) for n in order))
    return "string"


def resolve_nulls(t: Type) -> Type:
    """``t`` with every ``null`` (a field only ever seen empty) as ``string``, the type a
    catalog stores for it, so that the first value seen later is not a schema change."""
    if t == "null":
        return "string"
    if isinstance(t, ArrayType):
        return ArrayType(resolve_nulls(t.element))
    if isinstance(t, MapType):
        return MapType(resolve_nulls(t.key), resolve_nulls(t.value))
    if isinstance(t, StructType):
        return StructType(tuple((n, resolve_nulls(c)) for n, c in t.fields))
    return t


def from_arrow(dtype: Any) -> Type:
    """The Hive type of a pyarrow ``DataType``."""
    import pyarrow as pa

    if pa.types.is_struct(dtype):
        return StructType(
            tuple(
                (_check_field(dtype.field(i).name), from_arrow(dtype.field(i).type))
                for i in range(dtype.num_fields)
            )
        )
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return ArrayType(from_arrow(dtype.value_type))
    if pa.types.is_map(dtype):
        return MapType(from_arrow(dtype.key_type), from_arrow(dtype.item_type))
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return "string"
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_int64(dtype) or pa.types.is_uint32(dtype) or pa.types.is_uint64(dtype):
        return "bigint"
    if pa.types.is_integer(dtype):
        return "int"
    if pa.types.is_float32(dtype):
        return "float"
    if pa.types.is_floating(dtype):
        return "double"
    if pa.types.is_timestamp(dtype):
        return "timestamp"
    if pa.types.is_date(dtype):
        return "date"
    if pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype):
        return "binary"
    if pa.types.is_decimal(dtype):
        return f"decimal({dtype.precision},{dtype.scale})"
    if pa.types.is_null(dtype):
        return "null"
    return "string"
