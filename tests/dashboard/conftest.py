"""Fixtures of the dashboard tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _keep_main() -> Iterator[None]:
    """Streamlit's AppTest runs its script as ``__main__`` and leaves it there; a later test
    that starts processes with multiprocessing's ``spawn`` would re-run that script in each
    child (and the child dies). Every dashboard test puts the real ``__main__`` back."""
    main = sys.modules["__main__"]
    saved = main.__dict__.get("__file__")
    yield
    sys.modules["__main__"] = main
    if saved is None:
        main.__dict__.pop("__file__", None)
    else:
        main.__file__ = saved
