"""The crawler and the catalog: nested schema inference, partitions, change policies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from courtside.batch.dedupe import run_dedupe
from courtside.catalog.crawler import crawl
from courtside.catalog.errors import CatalogError, NoSuchTableError, SchemaRefusedError
from courtside.catalog.query import open_duckdb
from courtside.catalog.store import Catalog, Column
from courtside.catalog.types import (
    ArrayType,
    StructType,
    format_type,
    infer_value,
    merge_types,
    parse_type,
    to_duckdb,
    to_spark,
)
from courtside.config import Settings
from courtside.lake.layout import write_atomic
from courtside.schemas import SchemaRegistry


def _write(lake: Path, rel: str, rows: list[dict]) -> None:
    write_atomic(lake / rel, [orjson.dumps(r) + b"\n" for r in rows], durable=False)


POST = {
    "id": "1",
    "text": "hi",
    "context_annotations": [
        {"domain": {"id": "60", "name": "Athlete"}, "entity": {"id": "9", "name": "LeBron"}}
    ],
    "entities": {"mentions": [{"start": 0, "end": 5, "username": "kingjames"}]},
    "users": [{"id": "7", "username": "fan"}],
}


def test_types_parse_format_and_render() -> None:
    text = "array<struct<domain:struct<id:string,name:string>,n:bigint>>"
    t = parse_type(text)
    assert isinstance(t, ArrayType) and format_type(t) == text
    assert to_duckdb(t) == 'STRUCT("domain" STRUCT("id" VARCHAR, "name" VARCHAR), "n" BIGINT)[]'
    assert to_spark("struct<end:bigint>") == "struct<`end`:bigint>"
    with pytest.raises(CatalogError):
        parse_type("struct<a:string; DROP TABLE x>")
    merged = merge_types(infer_value({"a": 1, "b": [1]}), infer_value({"a": 1.5, "c": "x"}))
    assert format_type(merged) == "struct<a:double,b:array<bigint>,c:string>"
    assert merge_types("bigint", StructType((("a", "string"),))) == "string"


def test_crawl_json_infers_nested_heterogeneous_schema_and_partitions(
    settings: Settings,
) -> None:
    other = dict(POST, id="2", entities={"hashtags": [{"tag": "NBA"}]}, lang="en")
    _write(settings.lake, "tweets/year=2020/month=03/day=01/a.json", [POST])
    _write(settings.lake, "tweets/year=2020/month=03/day=02/b.json", [other])
    _write(settings.lake, "tweets/year=2020/month=03/day=02/.hidden.json", [{"x": 1}])
    result = crawl(settings)
    assert result.created and result.format == "json" and result.partitions_added == 2
    table = Catalog.open(settings).get_table("twitter_nba_db", "tweets")
    types = {c.name: c.type for c in table.columns}
    assert types["context_annotations"] == (
        "array<struct<domain:struct<id:string,name:string>,entity:struct<id:string,name:string>>>"
    )
    assert types["entities"] == (
        "struct<mentions:array<struct<start:bigint,end:bigint,username:string>>,"
        "hashtags:array<struct<tag:string>>>"
    )
    assert types["users"] == "array<struct<id:string,username:string>>"
    assert "x" not in types and "year" not in types
    conn = open_duckdb(settings)
    rows = conn.sql(
        "SELECT id, day, entities.hashtags[1].tag FROM twitter_nba_db.tweets ORDER BY id"
    ).fetchall()
    assert rows == [("1", "01", None), ("2", "02", "NBA")]


def test_crawl_parquet_output_of_dedupe(settings: Settings) -> None:
    _write(settings.lake, "raw/year=2020/month=03/day=01/a.json", [dict(POST, year="2020")])
    run_dedupe(settings)
    result = crawl(settings)
    assert result.format == "parquet" and result.partitions_total == 1
    table = Catalog.open(settings).find_table("tweets")
    assert {c.name: c.type for c in table.columns}["context_annotations"].startswith(
        "array<struct<domain:struct<id:string,name:string,description:string>"
    )
    conn = open_duckdb(settings)
    assert conn.sql("SELECT count(*) FROM twitter_nba_db.tweets").fetchall() == [(1,)]


@pytest.mark.parametrize("policy", ["log", "update"])
def test_schema_change_policies(settings: Settings, policy: str) -> None:
    _write(settings.lake, "tweets/year=2020/month=03/day=01/a.json", [{"id": "1", "n": 1}])
    first = crawl(settings)
    assert (first.schema_version, first.schema_version_created) == (1, True)
    _write(
        settings.lake,
        "tweets/year=2020/month=03/day=02/b.json",
        [{"id": "2", "n": 2, "z": "new"}],
    )
    result = crawl(settings, policy=policy)
    assert result.partitions_added == 1  # new partitions are always added
    assert result.schema_diff == {"added": [{"name": "z", "type": "string"}]}
    # The source's shape is registered whatever the policy: a compatible change.
    assert (result.schema_version, result.schema_version_created) == (2, True)
    catalog = Catalog.open(settings)
    table = catalog.get_table("twitter_nba_db", "tweets")
    names = [c.name for c in table.columns]
    assert names == (["id", "n", "z"] if policy == "update" else ["id", "n"])
    assert table.version == (2 if policy == "update" else 1)
    (change,) = catalog.schema_changes("twitter_nba_db", "tweets")
    assert change.applied is (policy == "update") and change.policy == policy
    assert len(catalog.partitions("twitter_nba_db", "tweets")) == 2
    registry = SchemaRegistry.at(settings.state_dir)
    (diff,) = registry.diff("twitter_nba_db.tweets", 1, 2)
    assert (diff.field_path, diff.change) == ("z", "added")
    assert crawl(settings, policy=policy).schema_version_created is False  # nothing new


@pytest.mark.parametrize("policy", ["log", "update"])
@pytest.mark.parametrize(
    ("row", "field"),
    [({"id": "2", "n": 1.5}, "n"), ({"id": "2", "z": True, "n": "many"}, "n")],
    ids=["bigint-to-double", "bigint-to-string"],
)
def test_an_incompatible_change_fails_the_crawl_and_writes_nothing(
    settings: Settings, policy: str, row: dict, field: str
) -> None:
    _write(settings.lake, "tweets/year=2020/month=03/day=01/a.json", [{"id": "1", "n": 1}])
    crawl(settings)
    catalog = Catalog.open(settings)
    before = catalog.get_table("twitter_nba_db", "tweets")
    _write(settings.lake, "tweets/year=2020/month=03/day=02/b.json", [row])
    with pytest.raises(SchemaRefusedError) as err:
        crawl(settings, policy=policy)
    text = str(err.value)
    assert "crawl of twitter_nba_db.tweets refused, catalog left unchanged" in text
    assert f"not FULL-compatible with version 1: {field}" in text
    assert "courtside schemas compatibility twitter_nba_db.tweets NONE" in text
    assert field in {p.field_path for p in err.value.problems}
    # Nothing half-written: same table version, no new partition, no history entry.
    assert catalog.get_table("twitter_nba_db", "tweets") == before
    assert len(catalog.partitions("twitter_nba_db", "tweets")) == 1
    assert catalog.schema_changes("twitter_nba_db", "tweets") == []
    assert SchemaRegistry.at(settings.state_dir).latest("twitter_nba_db.tweets").version == 1


def test_a_refused_crawl_fails_its_run_and_the_cli_says_why(settings: Settings) -> None:
    from courtside.batch.workflow import run_crawl
    from courtside.runs import RunRecorder

    _write(settings.lake, "tweets/year=2020/month=03/day=01/a.json", [{"id": "1", "n": 1}])
    crawl(settings)
    _write(settings.lake, "tweets/year=2020/month=03/day=02/b.json", [{"id": "2", "n": "x"}])
    with pytest.raises(SchemaRefusedError):
        run_crawl(settings, "tweets")
    (run,) = RunRecorder(settings).list(kind="crawler")
    assert run.status == "failed" and "not FULL-compatible" in (run.error or "")
    proc = subprocess.run(
        [sys.executable, "-c", "from courtside.cli import main; main()"]
        + ["--home", str(settings.home), "etl", "crawl"],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 1
    said = " ".join(proc.stderr.decode().split()) + " ".join(proc.stdout.decode().split())
    assert "crawl of twitter_nba_db.tweets refused, catalog left unchanged" in said
    assert "Traceback" not in said
    # Accepting the change on purpose: mode NONE, crawl, then the mode back.
    registry = SchemaRegistry.at(settings.state_dir)
    registry.set_compatibility("twitter_nba_db.tweets", "NONE")
    assert crawl(settings, policy="update").schema_version == 2
    registry.set_compatibility("twitter_nba_db.tweets", "FULL")
    assert Catalog.open(settings).find_table("tweets").columns[1] == Column("n", "string")


def test_a_replaced_table_gets_its_new_schema_version_whatever_the_mode(
    settings: Settings,
) -> None:
    _write(settings.lake, "tweets/year=2020/month=03/day=01/a.json", [{"id": "1", "n": 1}])
    crawl(settings)
    (settings.lake / "tweets/year=2020/month=03/day=01/a.json").unlink()
    # Another partition layout and a retyped column: the old files are gone from the
    # table, so nothing reads them with the new schema.
    _write(settings.lake, "tweets/day=01/a.json", [{"id": "1", "n": "x"}])
    result = crawl(settings)
    assert result.replaced and (result.schema_version, result.schema_version_created) == (2, True)
    latest = SchemaRegistry.at(settings.state_dir).latest("twitter_nba_db.tweets")
    assert latest.note == "crawler: table replaced"
    assert latest.schema["required"] == ["day"]


def test_vanished_partitions_are_removed_and_empty_prefix_creates_nothing(
    settings: Settings,
) -> None:
    assert crawl(settings).format is None
    assert Catalog.open(settings).tables() == []
    _write(settings.lake, "tweets/year=2020/month=03/day=01/a.json", [{"id": "1"}])
    _write(settings.lake, "tweets/year=2020/month=03/day=02/a.json", [{"id": "2"}])
    crawl(settings)
    (settings.lake / "tweets/year=2020/month=03/day=02/a.json").unlink()
    result = crawl(settings)
    assert result.partitions_removed == 1 and result.partitions_total == 1


def test_register_external_table_and_hostile_names(settings: Settings, tmp_path: Path) -> None:
    catalog = Catalog.open(settings)
    data = tmp_path / "ext"
    _write(data, "p.json", [{"player": "A", "total": 3}])
    table = catalog.register_external_table(
        "warehouse_db",
        "totals",
        data,
        "json",
        [Column("player", "string"), Column("total", "bigint")],
    )
    assert table.qualified_name == "warehouse_db.totals"
    conn = open_duckdb(settings)
    assert conn.sql("SELECT * FROM warehouse_db.totals").fetchall() == [("A", 3)]
    with pytest.raises(NoSuchTableError):
        catalog.find_table("nope")
    with pytest.raises(CatalogError):
        catalog.register_external_table('x"; drop', "t", data, "json", [])
    with pytest.raises(CatalogError):
        crawl(settings, "tweets", table="Bad-Name")
    with pytest.raises(Exception, match="escapes"):
        crawl(settings, "../../etc")
