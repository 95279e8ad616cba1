"""``courtside aws deploy`` / ``outputs`` on the local AWS-protocol server: the command the
stages' "missing bucket/stream/table" errors name really exists and deploys the stack."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import orjson
import pytest

from cli_runner_helpers import Courtside
from courtside.aws import AwsSettings
from courtside.aws.deploy import stack_outputs
from courtside.cli.aws import _settings_toml
from courtside.config import load_settings

pytestmark = pytest.mark.aws


def test_aws_deploy_then_outputs_and_the_printed_settings_load(
    courtside: Courtside, tmp_path: Path, aws_endpoint: str
) -> None:
    env = {
        **os.environ,
        "COURTSIDE_AWS__ENDPOINT_URL": aws_endpoint,
        "COURTSIDE_AWS__REGION": "us-east-1",
    }
    home = tmp_path / "home"
    args = ("aws", "deploy", "--stack", "cs-cli", "--prefix", "cscli", "--json")
    deployed = orjson.loads(courtside(*args, home=home, env=env).stdout)
    aws = AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")
    assert deployed == stack_outputs(aws, "cs-cli")
    assert deployed["StreamPrefix"] == "cscli-"
    shown = courtside("aws", "outputs", "--stack", "cs-cli", "--json", home=home, env=env)
    assert orjson.loads(shown.stdout) == deployed
    human = courtside("aws", "deploy", "--stack", "cs-cli", "--prefix", "cscli", home=home, env=env)
    assert b"Add to courtside.toml" in human.stdout
    # The configuration it prints is valid and points every stage at the stack.
    config = tomllib.loads("\n".join(_settings_toml(deployed)))
    settings = load_settings(home=home, **config)
    assert settings.lake_url == deployed["LakeUrl"]
    assert settings.stream.backend == "kinesis" and settings.catalog.backend == "glue"
    assert settings.aws.control_table == deployed["ControlTable"]


def test_outputs_of_a_missing_stack_is_one_line(
    courtside: Courtside, tmp_path: Path, aws_endpoint: str
) -> None:
    env = {
        **os.environ,
        "COURTSIDE_AWS__ENDPOINT_URL": aws_endpoint,
        "COURTSIDE_AWS__REGION": "us-east-1",
    }
    done = courtside(
        "aws", "outputs", "--stack", "nope", home=tmp_path / "h", env=env, ok=False, text=True
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "nope" in done.stderr
