"""Choosing a lake backend from a location, and the S3 backend's failures."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from courtside.aws import AwsSettings
from courtside.errors import LakeError
from courtside.lake import lake_scheme, open_lake
from courtside.lake.local import LocalLake
from courtside.lake.s3 import S3Lake, parse_s3_url
from courtside.places import Places


def test_local_locations(tmp_path: Path) -> None:
    for location in (tmp_path / "l", str(tmp_path / "l"), (tmp_path / "l").as_uri()):
        lake = open_lake(location)
        assert isinstance(lake, LocalLake)
        assert lake.root == (tmp_path / "l").resolve()


def test_s3_location_and_places(tmp_path: Path) -> None:
    lake = open_lake("s3://my-bucket/some/prefix/")
    assert isinstance(lake, S3Lake)
    assert (lake.bucket, lake.base) == ("my-bucket", "some/prefix")
    assert lake.engine_url("raw/a.json") == "s3://my-bucket/some/prefix/raw/a.json"
    places = Places.for_home(tmp_path, "s3://my-bucket/p")
    assert isinstance(places.lake, S3Lake)
    assert Places.for_home(tmp_path).lake_url == str((tmp_path / "lake").resolve())


@pytest.mark.parametrize(
    "location",
    ["gs://bucket/x", "hdfs://nn/x", "http://example.com/x", "ftp://x/y"],
)
def test_unsupported_schemes_are_refused(location: str) -> None:
    with pytest.raises(LakeError, match="not supported"):
        lake_scheme(location)
    with pytest.raises(LakeError):
        open_lake(location)


@pytest.mark.parametrize(
    "url",
    [
        "s3://",
        "s3://UPPER/x",
        "s3://b/x",
        "s3://bucket/../x",
        "s3://bucket/x?versionId=1",
        "s3://bu cket/x",
    ],
)
def test_bad_s3_urls_are_refused(url: str) -> None:
    with pytest.raises(LakeError):
        parse_s3_url(url)


@pytest.mark.aws
def test_missing_bucket_names_the_bucket(aws_endpoint: str) -> None:
    lake = S3Lake("s3://courtside-no-such-bucket/lake", AwsSettings(endpoint_url=aws_endpoint))
    with pytest.raises(LakeError, match="courtside-no-such-bucket"):
        lake.put("raw/a.json", b"x")
    with pytest.raises(LakeError, match="does not exist"):
        lake.list_objects("raw")


def test_unreachable_endpoint_is_one_transient_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDSECRETLOOKING")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "super-secret-value")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        aws = AwsSettings(
            endpoint_url=f"http://127.0.0.1:{port}",
            region="us-east-1",
            max_attempts=1,
            connect_timeout_s=1,
        )
        with pytest.raises(LakeError) as info:
            S3Lake("s3://bucket-x/lake", aws).put("raw/a.json", b"x")
    message = str(info.value)
    assert info.value.transient
    assert "\n" not in message and "cannot reach AWS" in message
    assert "super-secret-value" not in message and "AKIDSECRETLOOKING" not in message
