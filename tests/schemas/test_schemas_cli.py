"""``courtside schemas`` as a user runs it."""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path

from schema_helpers import delivered_records, dumps_lines

from cli_runner_helpers import Courtside
from courtside.schemas.registry import builtin_schema

WIDE = {"COLUMNS": "400"}  # one error line stays one line


def test_list_show_register_diff(courtside: Courtside, tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = functools.partial(courtside, home=home, text=True, env=WIDE)
    listed = json.loads(run("schemas", "list", "--json").stdout)
    assert [(s["subject"], s["latest_version"], s["compatibility"]) for s in listed] == [
        ("raw", 1, "FULL")
    ]
    shown = json.loads(run("schemas", "show", "raw", "--json").stdout)
    assert shown["version"] == 1 and shown["schema"] == builtin_schema("raw")
    schema = builtin_schema("raw")
    schema["properties"]["lang_confidence"] = {"type": ["number", "null"]}
    new = tmp_path / "raw-v2.json"
    new.write_text(json.dumps(schema))
    checked = json.loads(run("schemas", "check", "raw", str(new), "--json").stdout)
    assert checked["compatible"] and checked["latest_version"] == 1
    assert json.loads(run("schemas", "register", "raw", str(new), "--json").stdout) == {
        "subject": "raw",
        "version": 2,
    }
    diff = json.loads(run("schemas", "diff", "raw", "1", "2", "--json").stdout)
    assert diff["changes"] == [
        {
            "field_path": "lang_confidence",
            "change": "added",
            "before": "",
            "after": "number|null (optional)",
            "breaks": [],
        }
    ]
    assert "lang_confidence" in run("schemas", "diff", "raw", "1", "2").stdout
    assert '"version": 1' in run("schemas", "show", "raw", "--version", "1", "--json").stdout


def test_an_incompatible_schema_fails_the_check_and_the_registration(
    courtside: Courtside, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    run = functools.partial(courtside, home=home, text=True, env=WIDE)
    schema = builtin_schema("raw")
    schema["properties"]["text"] = {"type": "integer"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(schema))
    out = run("schemas", "check", "raw", str(bad), code=1).stdout
    assert "incompatible" in out and "text: type changed from string to integer" in out
    err = run("schemas", "register", "raw", str(bad), code=1).stderr
    assert err.startswith(
        "error: schema for 'raw' refused: not FULL-compatible with version 1: text"
    )
    assert len(err.strip().splitlines()) == 1


def test_check_a_data_file_reports_codes_paths_and_lines(
    courtside: Courtside, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    run = functools.partial(courtside, home=home, text=True, env=WIDE)
    records = delivered_records(20)
    del records[3]["users"][0]["username"]
    records[7]["text"] = 7
    data = tmp_path / "day.jsonl.gz"
    data.write_bytes(gzip.compress(dumps_lines(records) + b"not json\n\n"))
    result = json.loads(run("schemas", "check", "raw", str(data), "--json", code=1).stdout)
    assert (result["records"], result["valid"], result["invalid"]) == (21, 18, 3)
    assert result["by_code"] == {"Schema.MissingField": 1, "Schema.WrongType": 1, "NotJson": 1}
    assert [(e["line"], e["code"], e["field_path"]) for e in result["examples"]] == [
        (4, "Schema.MissingField", "users[0].username"),
        (8, "Schema.WrongType", "text"),
        (21, "NotJson", ""),
    ]
    good = tmp_path / "good.jsonl"
    good.write_bytes(dumps_lines(delivered_records(5)))
    assert "5 valid, 0 invalid" in run("schemas", "check", "raw", str(good)).stdout


def test_check_incoming_records_applies_the_delivery_transform(
    courtside: Courtside, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    run = functools.partial(courtside, home=home, text=True, env=WIDE)
    sample = tmp_path / "incoming.txt"
    run("generate", "-n", "50", "--out", str(sample))
    assert (
        "50 valid"
        in run("schemas", "check", "raw", str(sample), "--as", "data", "--incoming").stdout
    )


def test_bad_input_gives_one_red_line(courtside: Courtside, tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = functools.partial(courtside, home=home, text=True, env=WIDE)
    unknown = run("schemas", "show", "nope", code=1).stderr
    assert unknown.startswith("error: no schema subject 'nope' (known: raw)")
    odd = tmp_path / "file.txt"
    odd.write_text("{}")
    assert "say --as schema or --as data" in run("schemas", "check", "raw", str(odd), code=1).stderr
    notjson = tmp_path / "s.json"
    notjson.write_text("{nope")
    assert "is not JSON" in run("schemas", "register", "x", str(notjson), code=1).stderr
    assert (
        "unknown compatibility mode"
        in run("schemas", "compatibility", "raw", "MAYBE", code=1).stderr
    )
    assert "raw: FULL" in run("schemas", "compatibility", "raw").stdout
