"""The catalog contract, run on the local catalog and on the Glue Data Catalog (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from courtside.catalog.errors import CatalogError, NoSuchTableError
from courtside.catalog.store import Catalog, Column, Partition, Table


@pytest.fixture(params=["local", pytest.param("glue", marks=pytest.mark.aws)])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "local":
        yield Catalog(tmp_path / "catalog.db")
        return
    from courtside.aws import AwsSettings
    from courtside.catalog.glue import GlueCatalog

    endpoint = request.getfixturevalue("aws_endpoint")
    glue = GlueCatalog(AwsSettings(endpoint_url=endpoint, region="us-east-1"))
    yield glue
    for table in glue.tables():
        glue.drop_table(table.database, table.name)


KEYS = (Column("year", "string"), Column("month", "string"), Column("day", "string"))


def _tweets(db: str = "cat_test") -> Table:
    return Table(
        db,
        "tweets",
        "s3://bucket/lake/tweets",
        "parquet",
        (
            Column("id", "string"),
            Column("public_metrics", "struct<like_count:bigint,retweet_count:bigint>"),
            Column("users", "array<struct<id:string,username:string>>"),
        ),
        KEYS,
        {"source": "crawler"},
    )


def test_tables_round_trip_with_nested_types(catalog: Any) -> None:
    created = catalog.create_table(_tweets())
    assert created.columns == _tweets().columns
    assert created.partition_keys == KEYS
    assert created.format == "parquet" and created.version == 1
    assert created.parameters["source"] == "crawler"
    assert catalog.get_table("cat_test", "tweets") == created
    assert catalog.find_table("cat_test.tweets").name == "tweets"
    assert [t.qualified_name for t in catalog.tables("cat_test")] == ["cat_test.tweets"]
    assert "cat_test" in {d.name for d in catalog.databases()}


def test_replace_and_update_bump_the_version(catalog: Any) -> None:
    catalog.create_table(_tweets())
    kept = catalog.create_table(_tweets(), replace_existing=False)
    assert kept.version == 1
    more = (*_tweets().columns, Column("lang", "string"))
    updated = catalog.update_columns("cat_test", "tweets", more)
    assert updated.version == 2 and updated.columns[-1].name == "lang"
    json_table = Table("cat_test", "tweets", "s3://b/t", "json", more, KEYS)
    assert catalog.create_table(json_table, replace_existing=True).format == "json"


def test_partitions_add_is_idempotent_and_drop_counts(catalog: Any) -> None:
    catalog.create_table(_tweets())
    parts = [
        Partition(
            ("2020", "05", f"{d:02d}"), f"s3://bucket/lake/tweets/year=2020/month=05/day={d:02d}"
        )
        for d in (2, 1)
    ]
    assert catalog.add_partitions("cat_test", "tweets", parts) == 2
    assert catalog.add_partitions("cat_test", "tweets", parts) == 0
    listed = catalog.partitions("cat_test", "tweets")
    assert [p.values for p in listed] == [("2020", "05", "01"), ("2020", "05", "02")]
    assert listed[0].location.endswith("day=01")
    assert catalog.drop_partitions("cat_test", "tweets", parts[:1]) == 1
    assert len(catalog.partitions("cat_test", "tweets")) == 1


def test_schema_changes_are_kept(catalog: Any) -> None:
    catalog.create_table(_tweets())
    catalog.record_schema_change("cat_test", "tweets", "log", False, {"added": ["lang"]})
    catalog.record_schema_change("cat_test", "tweets", "update", True, {"removed": ["x"]})
    changes = catalog.schema_changes("cat_test", "tweets")
    assert [(c.policy, c.applied, c.diff) for c in changes] == [
        ("log", False, {"added": ["lang"]}),
        ("update", True, {"removed": ["x"]}),
    ]


def test_missing_tables_and_bad_names(catalog: Any) -> None:
    with pytest.raises(NoSuchTableError):
        catalog.get_table("cat_test", "nope")
    assert catalog.drop_table("cat_test", "nope") is False
    with pytest.raises(CatalogError):
        catalog.create_table(Table("Bad-Name", "t", "x", "parquet", ()))
    with pytest.raises(CatalogError):
        catalog.create_table(Table("cat_test", "t", "x", "csv", ()))
    catalog.create_table(_tweets())
    assert catalog.drop_table("cat_test", "tweets") is True
    with pytest.raises(NoSuchTableError):
        catalog.get_table("cat_test", "tweets")
