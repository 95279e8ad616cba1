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
