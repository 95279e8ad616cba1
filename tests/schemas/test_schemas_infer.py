"""Table schemas inferred from catalog columns or Arrow, and the crawler's registration."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from courtside.schemas import (
    IncompatibleSchemaError,
    SchemaRegistry,
    register_table_schema,
    schema_from_arrow,
    schema_from_columns,
)

COLUMNS = [
    ("player", "string"),
    ("total", "bigint"),
    ("tags", "array<string>"),
    ("who", "struct<name:string,team:string>"),
    ("scores", "map<string,double>"),
    ("at", "timestamp"),
]
KEYS = ["year", "month", "day"]


@pytest.fixture
def registry(tmp_path: Path) -> SchemaRegistry:
    return SchemaRegistry.at(tmp_path)


def test_hive_columns_become_optional_nullable_fields_and_keys_required() -> None:
    schema = schema_from_columns(COLUMNS + [(k, "string") for k in KEYS], KEYS)
    props = schema["properties"]
    assert schema["required"] == KEYS
    assert props["total"]["type"] == ["integer", "null"]
    assert props["tags"]["items"] == {"type": ["string", "null"]}
    assert props["who"]["properties"]["team"] == {"type": ["string", "null"]}
    assert props["scores"]["additionalProperties"] == {"type": ["number", "null"]}
    assert props["at"]["format"] == "date-time"
    assert props["year"]["type"] == "string"


def test_a_new_column_registers_a_new_version_and_repeats_do_not(registry: SchemaRegistry) -> None:
    first = register_table_schema(registry, "db", "t", schema_from_columns(COLUMNS, KEYS))
    assert (first.subject, first.version, first.created) == ("db.t", 1, True)
    same = register_table_schema(registry, "db", "t", schema_from_columns(COLUMNS, KEYS))
    assert (same.version, same.created) == (1, False)
    added = register_table_schema(
        registry, "db", "t", schema_from_columns(COLUMNS + [("lang", "string")], KEYS)
    )
    assert (added.version, added.created) == (2, True)
    assert registry.compatibility("db.t").value == "FULL"


@pytest.mark.parametrize(
    ("columns", "keys", "field", "rule"),
    [
        ([c if c[0] != "total" else ("total", "string") for c in COLUMNS], KEYS, "total", "type"),
        (
            [c if c[0] != "tags" else ("tags", "array<bigint>") for c in COLUMNS],
            KEYS,
            "tags[]",
            "type",
        ),
        (
            [c if c[0] != "who" else ("who", "struct<name:bigint>") for c in COLUMNS],
            KEYS,
            "who.name",
            "type",
        ),
        (COLUMNS, ["year", "month"], "day", "required-removed"),
    ],
    ids=["retyped-column", "retyped-element", "retyped-struct-field", "dropped-partition-key"],
)
def test_incompatible_inferred_changes_are_refused_naming_the_field(
    registry: SchemaRegistry, columns: list[tuple[str, str]], keys: list[str], field: str, rule: str
) -> None:
    register_table_schema(registry, "db", "t", schema_from_columns(COLUMNS, KEYS))
    with pytest.raises(IncompatibleSchemaError) as err:
        register_table_schema(registry, "db", "t", schema_from_columns(columns, keys))
    assert field in {p.field_path for p in err.value.problems if p.rule == rule}
    assert f"'db.t' refused: not FULL-compatible with version 1: {field}" in str(err.value)
    assert registry.latest("db.t").version == 1


def test_arrow_schemas_of_parquet_files_keep_non_nullable_fields_required(
    tmp_path: Path, registry: SchemaRegistry
) -> None:
    path = tmp_path / "part.parquet"
    table = pa.table(
        {"id": pa.array(["a"], pa.string()), "n": pa.array([1], pa.int32())},
        schema=pa.schema([pa.field("id", pa.string(), nullable=False), ("n", pa.int32())]),
    )
    pq.write_table(table, path)
    v1 = schema_from_arrow(pq.read_schema(path), title="db.t")
    assert v1["required"] == ["id"] and v1["properties"]["id"]["type"] == ["string"]
    register_table_schema(registry, "db", "t", v1)
    without_id = schema_from_arrow(pa.schema([("n", pa.int32())]))
    with pytest.raises(IncompatibleSchemaError, match="id: required field removed"):
        register_table_schema(registry, "db", "t", without_id)
    # A nullable column may come and go: old partitions read it as null.
    with_extra = schema_from_arrow(pq.read_schema(path).append(pa.field("x", pa.float64())))
    assert register_table_schema(registry, "db", "t", with_extra).version == 2
