"""The schema registry: built-in raw v1, versions, compatibility modes, refusals."""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

import pytest
from schema_helpers import delivered_records, small_schema

from courtside.batch.dedupe_sql import POST_COLUMNS
from courtside.schemas import (
    Compatibility,
    IncompatibleSchemaError,
    InvalidSchemaError,
    NoSuchSchemaError,
    SchemaError,
    SchemaRegistry,
    schema_from_columns,
)
from courtside.schemas.model import parse_schema


@pytest.fixture
def registry(tmp_path: Path) -> SchemaRegistry:
    return SchemaRegistry.at(tmp_path / "state")


def test_raw_v1_is_built_in_and_stored_durably(tmp_path: Path) -> None:
    first = SchemaRegistry.at(tmp_path)
    [subject] = first.subjects()
    assert (subject.name, subject.latest_version, subject.compatibility) == (
        "raw",
        1,
        Compatibility.FULL,
    )
    version = first.register("raw", _raw_plus("lang_confidence", {"type": ["number", "null"]}))
    again = SchemaRegistry.at(tmp_path)  # another process opening the same file
    assert [v.version for v in again.versions("raw")] == [1, version] == [1, 2]
    assert again.get("raw", 1).note == "builtin"


@pytest.mark.parametrize("legacy", [False, True], ids=["x-shape", "legacy-shape"])
def test_raw_v1_accepts_every_record_the_generator_produces(
    registry: SchemaRegistry, legacy: bool
) -> None:
    validate = registry.validator("raw")
    records = delivered_records(600, legacy=legacy, tampering=3, player_rate=0.5)
    assert [v for r in records if (v := validate(r)) is not None] == []


def test_raw_v1_accepts_bluesky_and_annotated_posts(registry: SchemaRegistry) -> None:
    from courtside.collect.bluesky_convert import convert_post
    from courtside.records import to_delivered

    event = {
        "did": "did:plc:abc",
        "kind": "commit",
        "commit": {
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": "3k",
            "record": {
                "text": "@lebron what a game #NBA https://x.y",
                "createdAt": "2024-05-01T10:00:00Z",
                "langs": ["en"],
                "facets": [
                    {
                        "index": {"byteStart": 0, "byteEnd": 7},
                        "features": [
                            {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:x"}
                        ],
                    },
                    {
                        "index": {"byteStart": 20, "byteEnd": 24},
                        "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "NBA"}],
                    },
                ],
                "reply": {
                    "parent": {"uri": "at://did:plc:p/app.bsky.feed.post/1"},
                    "root": {"uri": "at://did:plc:p/app.bsky.feed.post/0"},
                },
            },
        },
    }
    delivered = to_delivered(convert_post(event, {}, {"id": "1", "tag": "nba"}))
    assert registry.validator("raw")(delivered) is None


def test_raw_v1_types_agree_with_the_dedupe_jobs_columns(registry: SchemaRegistry) -> None:
    """The contract and the job that reads raw/ must not drift apart: every column the
    dedupe job keeps has the same JSON types (nested included) in raw v1."""
    raw = registry.latest("raw").node
    job = parse_schema(schema_from_columns(POST_COLUMNS))

    def kinds(node: Any) -> set[str]:
        return set(node.types or ()) - {"null"}

    def same(a: Any, b: Any, path: str) -> None:
        assert kinds(a) == kinds(b), path
        for name, child in b.properties.items():
            assert name in a.properties, f"{path}.{name} missing from raw v1"
            same(a.properties[name], child, f"{path}.{name}")
        if b.items is not None:
            assert a.items is not None, path
            same(a.items, b.items, f"{path}[]")

    for name, _ in POST_COLUMNS:
        same(raw.properties[name], job.properties[name], name)


def test_registering_the_same_definition_returns_the_latest_version(
    registry: SchemaRegistry,
) -> None:
    schema = small_schema(text={"type": "string"})
    assert registry.register("demo", schema) == 1
    assert registry.register("demo", copy.deepcopy(schema)) == 1
    assert len(registry.versions("demo")) == 1
    assert registry.compatibility("demo") == Compatibility.BACKWARD  # the default


def _raw_plus(name: str, prop: dict[str, Any]) -> dict[str, Any]:
    schema = _builtin_raw()
    schema["properties"][name] = prop
    return schema


def _builtin_raw() -> dict[str, Any]:
    from courtside.schemas.registry import builtin_schema

    return builtin_schema("raw")


def test_a_source_adding_a_field_registers_a_new_version_and_diff_shows_it(
    registry: SchemaRegistry,
) -> None:
    new = _raw_plus("lang_confidence", {"type": ["number", "null"]})
    assert registry.check("raw", new).compatible
    assert registry.register("raw", new) == 2
    [change] = registry.diff("raw", 1, 2)
    assert (change.field_path, change.change, change.breaks) == ("lang_confidence", "added", ())
    validate = registry.validator("raw")
    record = delivered_records(1)[0]
    assert validate({**record, "lang_confidence": 0.9}) is None
    bad = validate({**record, "lang_confidence": "high"})
    assert bad is not None and (bad.code, bad.field_path) == ("Schema.WrongType", "lang_confidence")
    assert registry.validator("raw", 1)({**record, "lang_confidence": "high"}) is None


@pytest.mark.parametrize(
    ("path", "change", "field_path", "rule"),
    [
        (["text"], "drop", "text", "required-removed"),
        (["users", "[]", "username"], "drop", "users[].username", "required-removed"),
        (
            ["context_annotations", "[]", "domain", "id"],
            "drop",
            "context_annotations[].domain.id",
            "required-removed",
        ),
        (["text"], "retype", "text", "type"),
        (["entities", "mentions", "[]", "start"], "retype", "entities.mentions[].start", "type"),
        (["year"], "retype", "year", "type"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_raw_refuses_dropping_a_required_field_or_changing_a_type(
    registry: SchemaRegistry, path: list[str], change: str, field_path: str, rule: str
) -> None:
    schema = _builtin_raw()
    holder = schema
    for key in path[:-1]:
        holder = holder["items"] if key == "[]" else holder["properties"][key]
    name = path[-1]
    if change == "drop":
        del holder["properties"][name]
        holder["required"].remove(name)
    else:
        current = holder["properties"][name]["type"]
        holder["properties"][name] = {"type": "boolean" if "string" in current else "string"}
    with pytest.raises(IncompatibleSchemaError) as err:
        registry.register("raw", schema)
    assert {p.field_path for p in err.value.problems if p.rule == rule} == {field_path}
    message = str(err.value)
    assert "not FULL-compatible with version 1" in message and field_path in message
    assert registry.latest("raw").version == 1  # nothing registered


# -- the compatibility modes, change by change ---------------------------------------------

_BASE = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "score": {"type": "integer"},
        "note": {"type": "string"},
    },
}


def _changed(kind: str) -> dict[str, Any]:
    s = copy.deepcopy(_BASE)
    props, req = s["properties"], s["required"]
    if kind == "add-optional":
        props["extra"] = {"type": "string"}
    elif kind == "add-required":
        props["extra"] = {"type": "string"}
        req.append("extra")
    elif kind == "delete-optional":
        del props["note"]
    elif kind == "delete-required":
        del props["name"]
        req.remove("name")
    elif kind == "widen-type":
        props["score"] = {"type": "number"}
    elif kind == "narrow-type":
        props["note"] = {"type": "string", "enum": ["a", "b"]}
    elif kind == "make-required":
        req.append("note")
    elif kind == "make-optional":
        req.remove("name")
    elif kind == "retype":
        props["score"] = {"type": "string"}
    return s


# Which changes each mode allows (True) or refuses (False).
_MATRIX = {
    "add-optional": {"BACKWARD": True, "FORWARD": True, "FULL": True},
    "add-required": {"BACKWARD": False, "FORWARD": True, "FULL": False},
    "delete-optional": {"BACKWARD": True, "FORWARD": True, "FULL": True},
    "delete-required": {"BACKWARD": True, "FORWARD": False, "FULL": False},
    "widen-type": {"BACKWARD": True, "FORWARD": False, "FULL": False},
    "narrow-type": {"BACKWARD": False, "FORWARD": True, "FULL": False},
    "make-required": {"BACKWARD": False, "FORWARD": True, "FULL": False},
    "make-optional": {"BACKWARD": True, "FORWARD": False, "FULL": False},
    "retype": {"BACKWARD": False, "FORWARD": False, "FULL": False},
}


@pytest.mark.parametrize("mode", ["BACKWARD", "FORWARD", "FULL", "NONE", "DISABLED"])
@pytest.mark.parametrize("kind", sorted(_MATRIX))
def test_each_mode_allows_exactly_its_changes(
    registry: SchemaRegistry, mode: str, kind: str
) -> None:
    registry.register("demo", _BASE, compatibility=mode)
    allowed = {"NONE": True, "DISABLED": False}.get(mode, _MATRIX[kind].get(mode))
    assert registry.check("demo", _changed(kind)).compatible is allowed
    if allowed:
        assert registry.register("demo", _changed(kind)) == 2
    else:
        with pytest.raises(IncompatibleSchemaError, match=f"not {mode}-compatible with version 1"):
            registry.register("demo", _changed(kind))
        assert registry.latest("demo").version == 1


@pytest.mark.parametrize("mode", ["BACKWARD", "FORWARD", "FULL"])
def test_transitive_modes_check_every_earlier_version(registry: SchemaRegistry, mode: str) -> None:
    """v2 drops an optional field, v3 adds it back with another type: compatible with v2
    (which lacks it) but not with v1."""
    v2 = _changed("delete-optional")
    v3 = copy.deepcopy(v2)
    v3["properties"]["note"] = {"type": "integer"}
    registry.register("plain", _BASE, compatibility=mode)
    registry.register("plain", v2)
    assert registry.register("plain", v3) == 3
    registry.register("all", _BASE, compatibility=f"{mode}_ALL")
    registry.register("all", v2)
    with pytest.raises(IncompatibleSchemaError, match="version 1: note: type changed"):
        registry.register("all", v3)


def test_set_compatibility_applies_to_later_registrations(registry: SchemaRegistry) -> None:
    registry.register("demo", _BASE)
    with pytest.raises(IncompatibleSchemaError):
        registry.register("demo", _changed("retype"))
    assert registry.set_compatibility("demo", "none") == Compatibility.NONE
    assert registry.register("demo", _changed("retype")) == 2
    with pytest.raises(SchemaError, match="unknown compatibility mode 'SOMETIMES'"):
        registry.set_compatibility("demo", "SOMETIMES")


def test_concurrent_registrations_get_distinct_versions(registry: SchemaRegistry) -> None:
    registry.register("demo", _BASE)
    results: list[int] = []
    errors: list[BaseException] = []

    def add(name: str) -> None:
        schema = copy.deepcopy(_BASE)
        schema["properties"][name] = {"type": "string"}
        try:
            results.append(SchemaRegistry(registry.path).register("demo", schema))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(f"f{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [2, 3, 4, 5, 6, 7]


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            {"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}]}}},
            "at a: keyword 'anyOf'",
        ),
        ({"type": "object", "properties": {"a": {"$ref": "#/x"}}}, "keyword '$ref'"),
        (
            {"type": "object", "properties": {"u": {"type": "array", "items": {"type": "thing"}}}},
            "at u[]: unknown type 'thing'",
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string", "pattern": "("}}},
            "'pattern' is not a regular expression",
        ),
        ({"type": "object", "required": "id"}, "'required' must be a list"),
        ({"type": "array", "items": [{"type": "string"}]}, "tuple forms are not supported"),
        (
            {"type": "object", "properties": {"a": {"type": "string", "maxLength": -1}}},
            "non-negative integer",
        ),
    ],
    ids=[
        "anyOf",
        "ref",
        "unknown-type",
        "bad-pattern",
        "required-not-list",
        "tuple-items",
        "negative-length",
    ],
)
def test_unsupported_or_invalid_schemas_are_refused_with_their_path(
    registry: SchemaRegistry, schema: dict[str, Any], message: str
) -> None:
    with pytest.raises(
        InvalidSchemaError,
        match=message.replace("$", r"\$").replace("(", r"\(").replace("[", r"\["),
    ):
        registry.register("demo", schema)
    with pytest.raises(NoSuchSchemaError):
        registry.latest("demo")


@pytest.mark.parametrize("name", ["../x", "Raw", "a.b.c", "", "x;drop", "a" * 65])
def test_invalid_subject_names_are_refused(registry: SchemaRegistry, name: str) -> None:
    with pytest.raises(SchemaError, match="invalid schema subject"):
        registry.register(name, _BASE)


def test_unknown_subjects_and_versions_name_what_exists(registry: SchemaRegistry) -> None:
    with pytest.raises(NoSuchSchemaError, match=r"no schema subject 'nope' \(known: raw\)"):
        registry.latest("nope")
    with pytest.raises(NoSuchSchemaError, match="schema subject 'raw' has no version 9"):
        registry.get("raw", 9)
    with pytest.raises(NoSuchSchemaError):
        registry.validator("nope")
