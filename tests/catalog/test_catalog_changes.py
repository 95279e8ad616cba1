"""A format, location or layout change replaces the catalogued table (under either
policy); a stale catalog fails a query instead of reading nothing; a crawl that changes
nothing says so."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from cli_runner_helpers import courtside
from courtside.batch.dedupe import run_dedupe
from courtside.catalog.crawler import crawl
from courtside.catalog.query import open_duckdb
from courtside.catalog.store import Catalog
from courtside.config import Settings
from courtside.lake.layout import write_atomic

RAW = "raw/year=2020/month=03/day=01/a.json"


def _write(lake: Path, rel: str, rows: list[dict]) -> None:
    write_atomic(lake / rel, [orjson.dumps(r) + b"\n" for r in rows], durable=False)


def _posts(n: int) -> list[dict]:
    return [{"id": str(i), "text": f"post {i}", "year": "2020"} for i in range(n)]


def _cli(settings: Settings, *args: str) -> str:
    out = courtside.invoke(*args, home=settings.home)
    assert out.exit_code == 0, out.output
    return " ".join(out.output.split())


def _count(settings: Settings) -> int:
    return open_duckdb(settings).sql("SELECT count(*) FROM twitter_nba_db.tweets").fetchall()[0][0]


@pytest.mark.parametrize("policy", ["log", "update"])
def test_json_then_parquet_replaces_the_table_under_either_policy(
    settings: Settings, policy: str
) -> None:
    _write(settings.lake, RAW, _posts(7))
    run_dedupe(settings, format="json")
    assert "created twitter_nba_db.tweets (json" in _cli(settings, "etl", "crawl")
    assert "unchanged twitter_nba_db.tweets (json" in _cli(settings, "etl", "crawl")
    run_dedupe(settings, reset_bookmark=True)  # the default format: Parquet

    # Before any crawl the catalog is stale: a query fails loudly, never returns 0 rows.
    with pytest.raises(Exception, match="catalogued as json but holds parquet files"):
        _count(settings)

    text = _cli(settings, "etl", "crawl", "--policy", policy)
    assert "replaced (format json -> parquet) twitter_nba_db.tweets (parquet" in text
    assert text.count("schema changed") <= 1
    catalog = Catalog.open(settings)
    table = catalog.find_table("tweets")
    assert table.format == "parquet"
    assert len(catalog.partitions("twitter_nba_db", "tweets")) == 1
    assert _count(settings) == 7
    history = catalog.schema_changes("twitter_nba_db", "tweets")
    assert history[-1].applied and history[-1].diff["format"] == {"from": "json", "to": "parquet"}
    assert "unchanged twitter_nba_db.tweets (parquet" in _cli(settings, "etl", "crawl")


def test_a_kept_column_change_is_recorded_once_and_the_crawl_says_unchanged(
    settings: Settings,
) -> None:
    _write(settings.lake, "tweets/year=2020/month=03/day=01/a.json", [{"id": "1", "n": 1}])
    crawl(settings)
    # A compatible change (a retyped column is refused by the schema registry).
    _write(settings.lake, "tweets/year=2020/month=03/day=01/b.json", [{"id": "2", "z": 1.5}])
    first = _cli(settings, "etl", "crawl")
    assert "unchanged twitter_nba_db.tweets" in first
    assert "schema changed (logged, table kept" in first and "1 column(s) added: z" in first
    _cli(settings, "etl", "crawl")
    changes = Catalog.open(settings).schema_changes("twitter_nba_db", "tweets")
    assert len(changes) == 1 and not changes[0].applied


def test_new_partitions_are_an_update_and_a_layout_change_a_replacement(
    settings: Settings,
) -> None:
    _write(settings.lake, "tweets/year=2020/month=03/day=01/a.json", [{"id": "1"}])
    crawl(settings)
    _write(settings.lake, "tweets/year=2020/month=03/day=02/a.json", [{"id": "2"}])
    assert "updated twitter_nba_db.tweets (json, 2 file(s)): +1 / -0" in _cli(
        settings, "etl", "crawl"
    )
    # The same prefix re-laid out by day only: old partitions cannot be read any more.
    for day in ("01", "02"):
        (settings.lake / f"tweets/year=2020/month=03/day={day}/a.json").unlink()
    _write(settings.lake, "tweets/day=01/a.json", [{"id": "1"}])
    result = crawl(settings)
    assert result.replaced and result.changed
    catalog = Catalog.open(settings)
    assert [k.name for k in catalog.find_table("tweets").partition_keys] == ["day"]
    assert [p.values for p in catalog.partitions("twitter_nba_db", "tweets")] == [("01",)]
    assert _count(settings) == 1


def test_fields_seen_only_empty_are_strings_so_a_first_value_is_no_change(
    settings: Settings,
) -> None:
    row = {"id": "1", "users": [{"username": "a", "location": None}], "geo": None}
    _write(settings.lake, "tweets/year=2020/month=03/day=01/a.json", [row])
    crawl(settings)
    columns = {c.name: c.type for c in Catalog.open(settings).find_table("tweets").columns}
    assert columns["users"] == "array<struct<username:string,location:string>>"
    assert columns["geo"] == "string"
    later = {"id": "2", "users": [{"username": "b", "location": "Paris"}]}
    _write(settings.lake, "tweets/year=2020/month=03/day=02/b.json", [later])
    assert crawl(settings).schema_diff == {}


def test_deeply_nested_json_lines_are_counted_bad_not_a_crash(settings: Settings) -> None:
    deep = b'{"id": "1", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}\n"
    path = settings.lake / "tweets/year=2020/month=03/day=01/a.json"
    write_atomic(path, [deep, orjson.dumps({"id": "2"}) + b"\n"], durable=False)
    result = crawl(settings)
    assert result.bad_lines == 1 and result.created
