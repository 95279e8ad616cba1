"""The generated "certainly valid" check is sound: whatever it accepts, fastjsonschema
accepts too (for the raw schema and for schemas using every keyword the registry knows),
and it accepts the records the generator produces, so delivery's hot path skips the
full validator."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import fastjsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courtside.generate.generator import Generator, GeneratorConfig
from courtside.records import loads, to_delivered
from courtside.reference.players import PlayersTable
from courtside.schemas.fastpath import compile_accept
from courtside.schemas.model import parse_schema
from courtside.schemas.registry import builtin_schema

RAW = builtin_schema("raw")
KEYWORDS = {
    "type": "object",
    "required": ["id", "n"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]+$", "minLength": 1, "maxLength": 5},
        "n": {"type": ["integer", "null"]},
        "x": {"type": "number", "minimum": 0, "exclusiveMaximum": 10},
        "kind": {"enum": ["a", "b", 1]},
        "at": {"type": "string", "format": "date-time"},
        "any": {},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
        "map": {"type": "object", "additionalProperties": {"type": ["number", "null"]}},
        "loose": {"properties": {"deep": {"type": "boolean"}}, "required": ["deep"]},
    },
}
POST: dict[str, Any] = {
    "id": "1",
    "text": "t",
    "created_at": "2020-03-01T10:00:00Z",
    "lang": "en",
    "public_metrics": {"like_count": 3},
    "context_annotations": [
        {"domain": {"id": "60", "name": "Athlete"}, "entity": {"id": "9", "name": "X"}}
    ],
    "entities": {"mentions": [{"start": 0, "end": 3, "username": "a"}]},
    "users": [{"id": "7", "username": "fan"}],
    "year": "2020",
    "month": "03",
    "day": "01",
}
GOOD = {"id": "12", "n": 3, "tags": ["a"], "map": {"k": 1}, "loose": {"deep": False}}

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(["2020", "03", "\n", "2020\n", "", "1", "a"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*prefix, i))
    return out


def _mutate(base: dict[str, Any], path: tuple[Any, ...], action: str, new: Any) -> Any:
    doc: Any = copy.deepcopy(base)
    if not path:
        return new
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "delete" and isinstance(parent, dict):
        del parent[last]
    elif action == "add" and isinstance(parent[last], dict):
        parent[last]["added_field"] = new
    else:
        parent[last] = new
    return doc


_COMPILED: dict[bool, tuple[Any, Any]] = {}


def _compiled(raw: bool) -> tuple[Any, Any]:
    """The fast check and the full validator of RAW or KEYWORDS (compiled once)."""
    if raw not in _COMPILED:
        schema = RAW if raw else KEYWORDS
        _COMPILED[raw] = (
            compile_accept(parse_schema(schema)),
            fastjsonschema.compile(schema, use_default=False),
        )
    return _COMPILED[raw]


def _full_accepts(validate: Any, doc: Any) -> bool:
    try:
        validate(doc)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


@pytest.mark.parametrize(
    ("schema", "base"), [(RAW, POST), (KEYWORDS, GOOD)], ids=["raw", "keywords"]
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_whatever_the_fast_check_accepts_the_full_validator_accepts(
    schema: dict[str, Any], base: dict[str, Any], data: st.DataObject
) -> None:
    accept, validate = _compiled(schema is RAW)
    assert accept(base) and _full_accepts(validate, base)
    path = data.draw(st.sampled_from(_paths(base)))
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    doc = _mutate(base, path, action, data.draw(JSON))
    if accept(doc):
        assert _full_accepts(validate, doc), doc


@pytest.mark.parametrize(
    "doc",
    [
        dict(GOOD, id="12\n"),  # $ in a pattern means the very end
        dict(GOOD, n=True),  # a boolean is no integer
        dict(GOOD, n=3.0),  # a float where integers belong: the full validator decides
        dict(GOOD, extra=1),  # additionalProperties: false
        dict(GOOD, tags=[]),
        dict(GOOD, map={"k": "v"}),
        dict(GOOD, loose={"deep": 1}),
        dict(GOOD, kind="a"),  # an enum: always the full validator
        dict(GOOD, x=1.5),  # numeric bounds: always the full validator
        dict(GOOD, at="2020-03-01T00:00:00Z"),  # a format: always the full validator
        (GOOD,),  # not JSON: a tuple
    ],
)
def test_edge_cases_go_to_the_full_validator(doc: Any) -> None:
    assert compile_accept(parse_schema(KEYWORDS))(doc) is False


def test_generated_records_take_the_fast_path() -> None:
    cfg = GeneratorConfig(count=2000, start=datetime(2020, 3, 1, tzinfo=UTC), tampering=5)
    records = [to_delivered(loads(raw)) for raw in Generator(cfg, PlayersTable.default())]
    accept = compile_accept(parse_schema(RAW))
    assert all(accept(r) for r in records)
