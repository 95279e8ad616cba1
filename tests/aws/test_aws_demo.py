"""``courtside demo --aws``: deploy the CloudFormation template to the local AWS-protocol
server and run the whole pipeline on the resources it created (S3, Kinesis, DynamoDB and
its stream, Glue, SNS), checked with boto3 rather than through courtside."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from cli_runner_helpers import COMMAND
from courtside.aws import AwsSettings, client

pytestmark = [pytest.mark.aws, pytest.mark.slow]


def _step(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in report["steps"] if s["step"] == name)


def test_demo_runs_the_whole_pipeline_on_the_deployed_stack(
    tmp_path: Path, aws_endpoint: str
) -> None:
    aws = AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURTSIDE_")}
    args = [*COMMAND, "--home", str(tmp_path / "home"), "demo", "--aws"]
    args += ["--aws-endpoint", aws_endpoint, "--posts", "3000", "--days", "1", "--json"]
    done = subprocess.run(args, env=env, capture_output=True, timeout=900)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    report = orjson.loads(done.stdout)

    stack = report["aws"]
    bucket = stack["lake (S3)"].removeprefix("s3://").split("/")[0]
    s3 = client("s3", aws)
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", ())
    ]
    for zone in ("raw/", "original-data/", "tweets/", "players_total_tweets/"):
        assert any(k.startswith(f"lake/{zone}") for k in keys), zone
    assert not (tmp_path / "home" / "aws-demo" / "lake").exists()  # nothing local

    # Kinesis carried the posts and the alerts; the detector found tampering.
    deliver = _step(report, "deliver")
    generated = _step(report, "generate")
    # Kinesis takes every record but the generator's malformed ones over 1 MiB, which the
    # producer puts in the lake's errors/ instead.
    assert 0 <= generated["records"] - deliver["records"] <= generated["malformed"]
    detect = _step(report, "detect")
    assert detect["tweets"] == deliver["records"] and detect["alerts"] >= 1
    assert len(report["alerts"]) >= 1
    # SNS: the notifier read every alert record and published it.
    notify = _step(report, "notify")
    assert notify["channel"] == "sns" and notify["sent"] >= len(report["alerts"])
    assert notify["rejected"] == notify["bad"] == notify["down"] == 0
    # Glue has the curated table and its partition; the warehouse has the daily totals.
    glue = client("glue", aws)
    glue.get_table(DatabaseName="twitter_nba_db", Name="tweets")
    parts = glue.get_partitions(DatabaseName="twitter_nba_db", TableName="tweets")["Partitions"]
    assert len(parts) >= 1
    nightly = _step(report, "nightly")
    assert nightly["load"] is not None and nightly["daily"], nightly
    assert report["top_players"] and report["top_players"][0][1] > 0
    # DynamoDB: the players table was filled from the roster.
    players = stack["players table (DynamoDB)"]
    count = client("dynamodb", aws).scan(TableName=players, Select="COUNT")["Count"]
    assert count >= 400

    # A second run on the same stack works (streams, tables and catalog reused).
    again = subprocess.run(args, env=env, capture_output=True, timeout=900)
    assert again.returncode == 0, again.stderr.decode()[-3000:]


def test_demo_aws_refuses_bad_options_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURTSIDE_")}
    home = tmp_path / "home"
    for extra, expected in (
        (["--aws-endpoint", "notaurl"], "invalid --aws-endpoint"),
        (["--aws-endpoint", "http://127.0.0.1:9", "--real-account"], "not both"),
    ):
        done = subprocess.run(
            [*COMMAND, "--home", str(home), "demo", "--aws", *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1 and expected in done.stderr, done.stderr
    done = subprocess.run(
        [*COMMAND, "--home", str(home), "demo", "--real-account"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "needs --aws" in done.stderr
