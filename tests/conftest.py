"""Shared fixtures: an isolated home folder per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from courtside.config import Settings, load_settings
from courtside.home import init_home


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's COURTSIDE_* or X_BEARER_TOKEN variables."""
    for name in list(os.environ):
        if name.startswith("COURTSIDE_") or name == "X_BEARER_TOKEN":
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An initialised, empty home folder."""
    path = tmp_path / "home"
    init_home(load_settings(home=path))
    return path


@pytest.fixture
def settings(home: Path) -> Settings:
    """Settings for the ``home`` fixture (small buffers are set per test as needed)."""
    return load_settings(home=home)


def java_available() -> bool:
    """Java 17 is on PATH (Spark and Flink tests skip without it)."""
    return shutil.which("java") is not None


@pytest.fixture(scope="session")
def repo_root() -> Iterator[Path]:
    yield Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """URL of a local AWS-protocol server (``moto_server``) started for this test run, in its
    own process on a free 127.0.0.1 port, with throwaway credentials in the environment."""
    from courtside.aws.local_server import start_moto_server

    saved = {k: os.environ.get(k) for k in _AWS_ENV}
    os.environ.update(_AWS_ENV)
    server = start_moto_server()
    try:
        yield server.url
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing-secret-never-printed",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
