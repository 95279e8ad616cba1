"""Records and schemas for the schema registry tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import orjson

from courtside.generate.generator import Generator, GeneratorConfig
from courtside.records import loads, to_delivered
from courtside.reference.players import PlayersTable


def delivered_records(count: int = 300, **options: Any) -> list[dict[str, Any]]:
    """Delivered records as ``courtside deliver`` writes them, from the generator."""
    config = GeneratorConfig(
        seed=7, count=count, start=datetime(2020, 3, 1, tzinfo=UTC), span_s=7200, **options
    )
    out = []
    for raw in Generator(config, PlayersTable.default()):
        out.append(to_delivered(loads(raw)))
    return out


def small_schema(**props: Any) -> dict[str, Any]:
    """An object schema with ``id`` (required string) plus ``props``."""
    required = ["id"] + [n for n, p in props.items() if p.pop("_required", False)]
    return {
        "type": "object",
        "required": required,
        "properties": {"id": {"type": "string"}, **props},
    }


def mutated(
    record: dict[str, Any], path: list[Any], value: Any = ..., delete: bool = False
) -> dict[str, Any]:
    """A deep copy of ``record`` with the field at ``path`` deleted or set."""
    out = copy.deepcopy(record)
    node = out
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


def dumps_lines(records: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)
