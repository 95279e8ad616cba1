"""The lake suite's one fixture: a fresh, empty lake of each backend.

A new backend joins every test in this folder by adding one parameter here (as dlt's
destination tests do): the tests only use the :class:`~courtside.lake.base.Lake` API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from courtside.lake import Lake, open_lake


@pytest.fixture(params=["local"])
def lake(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Lake]:
    """An empty lake of the backend named by the parameter."""
    if request.param == "local":
        backend = open_lake(tmp_path / "lake")
    else:  # pragma: no cover - a parameter without a backend is a bug in this fixture
        raise AssertionError(f"no lake backend {request.param!r}")
    try:
        yield backend
    finally:
        backend.close()
