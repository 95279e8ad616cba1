"""The catalog in the Glue Data Catalog (``[catalog] backend = "glue"``, moto_server): the
crawler registers the database, tables and partitions there, ``courtside catalog`` and
``courtside sql`` read them back, and the answers match the local catalog's."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import orjson
import pytest

from cli_runner_helpers import COMMAND
from courtside.aws import AwsSettings, client

pytestmark = pytest.mark.aws


def _run(home: Path, env: dict[str, str], *args: str) -> bytes:
    done = subprocess.run(
        [*COMMAND, "--home", str(home), *args], env=env, capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return done.stdout


def _pipeline(home: Path, env: dict[str, str]) -> dict[str, object]:
    """Generate, deliver, dedupe and crawl; what the catalog and a query then say."""
    _run(home, env, "init")
    _run(home, env, "generate", "-n", "400", "--start", "2020-03-01", "--span-h", "30")
    _run(home, env, "deliver", "--once")
    _run(home, env, "etl", "workflow")
    database = env["COURTSIDE_CATALOG__DATABASE"]
    tables = orjson.loads(_run(home, env, "catalog", "tables", database, "--json"))
    parts = orjson.loads(_run(home, env, "catalog", "partitions", "tweets", "--json"))
    rows = orjson.loads(
        _run(
            home,
            env,
            "sql",
            "--format",
            "json",
            f"SELECT count(*) AS n, count(DISTINCT id) AS ids FROM {database}.tweets",
        )
    )
    return {
        "tables": sorted(t["name"] for t in tables),
        "partitions": sorted(tuple(p["values"]) for p in parts),
        "rows": rows,
    }


def test_crawler_registers_tables_and_partitions_in_glue(tmp_path: Path, aws_endpoint: str) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("COURTSIDE_")}
    # Its own Glue database: the server's catalog is shared by the whole test session.
    database = f"nba_{secrets.token_hex(4)}"
    glue_env = {
        **base,
        "COURTSIDE_CATALOG__BACKEND": "glue",
        "COURTSIDE_CATALOG__DATABASE": database,
        "COURTSIDE_AWS__ENDPOINT_URL": aws_endpoint,
        "COURTSIDE_AWS__REGION": "us-east-1",
    }
    on_glue = _pipeline(tmp_path / "glue", glue_env)
    local = _pipeline(tmp_path / "local", {**base, "COURTSIDE_CATALOG__DATABASE": database})

    assert on_glue == local
    assert "tweets" in on_glue["tables"] and len(on_glue["partitions"]) == 2  # type: ignore[arg-type]
    # Really in Glue (asked with boto3, not through courtside), and nothing local.
    glue = client("glue", AwsSettings(endpoint_url=aws_endpoint, region="us-east-1"))
    table = glue.get_table(DatabaseName=database, Name="tweets")["Table"]
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert [k["Name"] for k in table["PartitionKeys"]] == ["year", "month", "day"]
    found = glue.get_partitions(DatabaseName=database, TableName="tweets")
    assert len(found["Partitions"]) == 2
    assert not (tmp_path / "glue" / "state" / "catalog.db").exists()
