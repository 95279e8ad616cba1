"""The record validator: each violation's error code and field path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from schema_helpers import delivered_records, mutated

from courtside.schemas import SchemaRegistry, Violation


@pytest.fixture(scope="module")
def validate(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return SchemaRegistry.at(tmp_path_factory.mktemp("state")).validator("raw")


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    # A record with two users and a mention, so nested paths exist.
    return next(
        r for r in delivered_records(200) if len(r["users"]) > 1 and r["entities"]["mentions"]
    )


REQUIRED = [
    ["id"],
    ["text"],
    ["created_at"],
    ["users"],
    ["year"],
    ["month"],
    ["day"],
    ["users", 1, "username"],
    ["users", 0, "id"],
    ["context_annotations", 0, "domain"],
    ["context_annotations", 1, "entity", "id"],
]


def _path(path: list[Any]) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text


@pytest.mark.parametrize("path", REQUIRED, ids=_path)
def test_a_missing_required_field_is_reported_with_its_path(
    validate: Any, record: dict[str, Any], path: list[Any]
) -> None:
    violation = validate(mutated(record, path, delete=True))
    assert violation == Violation(
        "Schema.MissingField",
        _path(path),
        f"required field {_path(path)} is missing",
        "raw",
        1,
    )


WRONG_TYPES = [
    (["id"], 123),
    (["text"], ["a"]),
    (["users"], {"id": "1"}),
    (["users", 0], "someone"),
    (["lang"], 5),
    (["possibly_sensitive"], "no"),
    (["entities", "mentions", 0, "start"], "3"),
    (["entities", "mentions"], "@x"),
    (["context_annotations", 0, "domain", "id"], 60),
    (["public_metrics"], {"like_count": True}),
]


@pytest.mark.parametrize(
    ("path", "value"), WRONG_TYPES, ids=lambda v: _path(v) if isinstance(v, list) else None
)
def test_a_wrong_type_is_reported_with_its_path(
    validate: Any, record: dict[str, Any], path: list[Any], value: Any
) -> None:
    violation = validate(mutated(record, path, value))
    assert violation is not None
    expected = _path(path) if path != ["public_metrics"] else "public_metrics.like_count"
    assert (violation.code, violation.field_path) == ("Schema.WrongType", expected)
    assert violation.message.startswith(f"{expected} must be ")


@pytest.mark.parametrize(
    ("field", "value"), [("month", "13"), ("day", "00"), ("year", "20x0"), ("id", "")]
)
def test_a_bad_value_is_reported(
    validate: Any, record: dict[str, Any], field: str, value: str
) -> None:
    violation = validate({**record, field: value})
    assert violation is not None and (violation.code, violation.field_path) == (
        "Schema.BadValue",
        field,
    )


def test_a_record_that_is_not_an_object_is_a_wrong_type(validate: Any) -> None:
    violation = validate(["not", "a", "record"])
    assert violation is not None and (violation.code, violation.field_path) == (
        "Schema.WrongType",
        "",
    )


def test_undeclared_fields_pass_unless_the_schema_closes_the_object(
    tmp_path: Path, record: dict[str, Any]
) -> None:
    registry = SchemaRegistry.at(tmp_path)
    assert registry.validator("raw")({**record, "brand_new": {"x": 1}}) is None
    registry.register(
        "closed",
        {"type": "object", "properties": {"id": {"type": "string"}}, "additionalProperties": False},
    )
    violation = registry.validator("closed")({"id": "1", "zzz": 2})
    assert violation is not None
    assert (violation.code, violation.field_path) == ("Schema.UnexpectedField", "zzz")


def test_violation_as_error_names_the_code_path_and_version(
    validate: Any, record: dict[str, Any]
) -> None:
    violation = validate(mutated(record, ["users", 1, "username"], delete=True))
    assert violation is not None
    assert violation.as_error() == {
        "errorCode": "Schema.MissingField",
        "errorMessage": "required field users[1].username is missing",
        "fieldPath": "users[1].username",
        "schemaSubject": "raw",
        "schemaVersion": 1,
    }


def test_valid_records_are_not_modified(validate: Any, record: dict[str, Any]) -> None:
    import copy

    before = copy.deepcopy(record)
    assert validate(record) is None
    assert record == before
