"""Schemas of curated tables, inferred from their columns, and the crawler's registration.

A table row always carries every column, but a column's value may be null, and Parquet
readers give null for a column a file does not have. So an inferred table schema makes
each column *optional and nullable* (adding or dropping such a column is compatible in
every mode but NONE/DISABLED), except the partition keys and Arrow fields declared
non-nullable, which are *required*. Types follow the catalog's Hive types: ``string`` ->
string, ``bigint``/``int`` -> integer, ``double``/``decimal`` -> number, ``timestamp`` ->
string with format ``date-time``, ``array<T>`` -> array, ``struct<...>`` -> object with
properties, ``map<K,V>`` -> object whose values follow ``V``.

The crawler calls :func:`register_table_schema` before it writes the catalog: a compatible
change becomes a new version; an incompatible one raises
:class:`~courtside.schemas.errors.IncompatibleSchemaError` and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from courtside.catalog.types import ArrayType, MapType, StructType, Type, from_arrow, parse_type
from courtside.schemas.compat import Compatibility
from courtside.schemas.registry import SchemaRegistry

__all__ = [
    "TABLE_COMPATIBILITY",
    "TableRegistration",
    "register_table_schema",
    "schema_from_arrow",
    "schema_from_columns",
    "table_subject",
]

#: Mode of the subjects the crawler creates: the jobs reading a table keep reading with
#: the version they know while a source changes (FORWARD), and a reader of the newest
#: version must still read every older partition (BACKWARD).
TABLE_COMPATIBILITY = Compatibility.FULL
_DRAFT = "http://json-schema.org/draft-07/schema#"
_INTEGERS = {"bigint", "int", "smallint", "tinyint"}
_NUMBERS = {"double", "float"}


def _nullable(json_type: str) -> list[str]:
    return [json_type, "null"]


def hive_to_schema(t: Type | str) -> dict[str, Any]:
    """The JSON Schema of a Hive type (nullable at every level)."""
    if isinstance(t, str) and not t.isalpha():
        t = parse_type(t)
    if isinstance(t, ArrayType):
        return {"type": _nullable("array"), "items": hive_to_schema(t.element)}
    if isinstance(t, StructType):
        return {
            "type": _nullable("object"),
            "properties": {name: hive_to_schema(child) for name, child in t.fields},
        }
    if isinstance(t, MapType):
        return {"type": _nullable("object"), "additionalProperties": hive_to_schema(t.value)}
    if t in _INTEGERS:
        return {"type": _nullable("integer")}
    if t in _NUMBERS or t.startswith("decimal"):
        return {"type": _nullable("number")}
    if t == "boolean":
        return {"type": _nullable("boolean")}
    if t == "timestamp":
        return {"type": _nullable("string"), "format": "date-time"}
    if t == "date":
        return {"type": _nullable("string"), "format": "date"}
    if t == "null":
        return {}
    return {"type": _nullable("string")}


def _table_schema(
    columns: Sequence[tuple[str, str, bool]], partition_keys: Sequence[str], title: str
) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, hive, nullable in columns:
        prop = hive_to_schema(hive)
        prop["x-hive-type"] = hive
        if not nullable and isinstance(prop.get("type"), list):
            prop["type"] = [t for t in prop["type"] if t != "null"]
            required.append(name)
        properties[name] = prop
    for key in partition_keys:
        properties[key] = {"type": "string", "x-partition-key": True}
        required.append(key)
    schema: dict[str, Any] = {"$schema": _DRAFT, "type": "object", "properties": properties}
    if title:
        schema["title"] = title
    if required:
        schema["required"] = required
    return schema


def schema_from_columns(
    columns: Sequence[Any], partition_keys: Sequence[Any] = (), *, title: str = ""
) -> dict[str, Any]:
    """The schema of a table from its catalog columns.

    Args:
        columns: ``(name, hive_type)`` pairs or catalog ``Column`` objects.
        partition_keys: Partition key names or ``Column`` objects (required strings).
        title: A title for the schema.
    """
    cols = [
        (c.name, c.type, True) if hasattr(c, "name") else (str(c[0]), str(c[1]), True)
        for c in columns
    ]
    keys = [k.name if hasattr(k, "name") else str(k) for k in partition_keys]
    return _table_schema([c for c in cols if c[0] not in keys], keys, title)


def schema_from_arrow(
    schema: Any, partition_keys: Sequence[str] = (), *, title: str = ""
) -> dict[str, Any]:
    """The schema of a table from its Arrow schema (e.g. a Parquet footer); fields
    declared non-nullable are required."""
    from courtside.catalog.types import format_type

    keys = list(partition_keys)
    cols = [
        (f.name, format_type(from_arrow(f.type)), bool(f.nullable))
        for f in schema
        if f.name not in keys
    ]
    return _table_schema(cols, keys, title)


def table_subject(database: str, table: str) -> str:
    """The subject of a catalog table: ``database.table``."""
    return f"{database}.{table}"


@dataclass(frozen=True)
class TableRegistration:
    """What :func:`register_table_schema` did.

    Attributes:
        subject: The table's subject.
        version: The version now describing the table.
        created: True when this call added the version.
    """

    subject: str
    version: int
    created: bool


def register_table_schema(
    registry: SchemaRegistry,
    database: str,
    table: str,
    schema: dict[str, Any],
    *,
    note: str = "crawler",
    replace: bool = False,
) -> TableRegistration:
    """Register an inferred table schema (the crawler's call, before it writes the
    catalog). New subjects get :data:`TABLE_COMPATIBILITY`. ``replace``: the table is
    being replaced (another format, location or partition layout; its old partitions are
    dropped), so the version is registered whatever the mode says.

    Raises:
        IncompatibleSchemaError: when the change breaks the subject's mode; the caller
            must then fail without writing.
    """
    subject = table_subject(database, table)
    before = registry.check(subject, schema, compatibility=TABLE_COMPATIBILITY)
    version = registry.register(
        subject, schema, compatibility=TABLE_COMPATIBILITY, note=note, replace=replace
    )
    return TableRegistration(subject, version, version != before.latest_version)
