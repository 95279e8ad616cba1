"""The schema registry (the Glue Schema Registry equivalent).

Versioned JSON Schemas per *subject* (``raw`` for the delivered record,
``<database>.<table>`` for curated tables) with the Glue compatibility modes, and a fast
record validator. Public API for other stages::

    registry = SchemaRegistry.at(places.state_dir)
    validate = registry.validator("raw")          # once, at start-up
    violation = validate(delivered)               # per record: None or a Violation
    registry.register("raw", schema)              # -> version; refuses incompatible changes
    register_table_schema(registry, "twitter_nba_db", "tweets", schema_from_columns(cols, keys))
"""

from __future__ import annotations

from courtside.schemas.compat import Change, Compatibility, Problem
from courtside.schemas.errors import (
    IncompatibleSchemaError,
    InvalidSchemaError,
    NoSuchSchemaError,
    SchemaError,
)
from courtside.schemas.infer import (
    TABLE_COMPATIBILITY,
    TableRegistration,
    register_table_schema,
    schema_from_arrow,
    schema_from_columns,
    table_subject,
)
from courtside.schemas.registry import (
    DELIVERED_SUBJECT,
    CheckResult,
    SchemaRegistry,
    SchemaVersion,
    Subject,
)
from courtside.schemas.validate import RecordValidator, Violation

__all__ = [
    "DELIVERED_SUBJECT",
    "TABLE_COMPATIBILITY",
    "Change",
    "CheckResult",
    "Compatibility",
    "IncompatibleSchemaError",
    "InvalidSchemaError",
    "NoSuchSchemaError",
    "Problem",
    "RecordValidator",
    "SchemaError",
    "SchemaRegistry",
    "SchemaVersion",
    "Subject",
    "TableRegistration",
    "Violation",
    "register_table_schema",
    "schema_from_arrow",
    "schema_from_columns",
    "table_subject",
]
