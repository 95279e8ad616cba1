"""The lake suite's one fixture: a fresh, empty lake of each backend.

A new backend joins every test in this folder by adding one parameter here (as dlt's
destination tests do): the tests only use the :class:`~courtside.lake.base.Lake` API.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from courtside.aws import AwsSettings, client
from courtside.lake import Lake, open_lake
from courtside.lake.s3 import S3Lake


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.aws)])
def lake(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Lake]:
    """An empty lake of the backend named by the parameter."""
    if request.param == "local":
        backend: Lake = open_lake(tmp_path / "lake")
    elif request.param == "s3":
        endpoint = request.getfixturevalue("aws_endpoint")
        bucket = f"courtside-test-{secrets.token_hex(6)}"
        aws = AwsSettings(endpoint_url=endpoint, region="us-east-1")
        client("s3", aws).create_bucket(Bucket=bucket)
        backend = S3Lake(f"s3://{bucket}/lake", aws)
    else:  # pragma: no cover - a parameter without a backend is a bug in this fixture
        raise AssertionError(f"no lake backend {request.param!r}")
    try:
        yield backend
    finally:
        backend.close()
