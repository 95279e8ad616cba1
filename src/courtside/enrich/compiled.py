"""Which :class:`~courtside.enrich.vader.FastVader` runs: compiled or pure Python.

``setup.py`` compiles a copy of :mod:`courtside.enrich.vader` with mypyc, when the build
machine has mypyc and a C compiler, into the extension ``courtside.enrich._vader_mypyc``,
stamped with the SHA-256 of the source it was built from. :func:`vader_class` returns the
compiled ``FastVader`` (about 1.7x faster, identical scores: the tests compare both with
``vaderSentiment``) when the extension is there and its stamp matches the ``vader.py``
next to it; otherwise the pure-Python one. A stale extension (``vader.py`` edited since
the build: rerun ``pip install -e .``) is never used. ``COURTSIDE_PURE_VADER=1`` forces
the pure-Python class.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
from functools import cache
from pathlib import Path
from typing import Any

from courtside.enrich import vader

__all__ = ["compiled_module", "vader_class", "vader_implementation"]

log = logging.getLogger(__name__)
_EXTENSION = "courtside.enrich._vader_mypyc"


@cache
def compiled_module() -> Any | None:
    """The compiled copy of :mod:`courtside.enrich.vader` built from the current source,
    or None (not built, stale, or turned off)."""
    if os.environ.get("COURTSIDE_PURE_VADER"):
        return None
    try:
        module = importlib.import_module(_EXTENSION)
    except ImportError:
        return None
    try:
        source = Path(vader.__file__ or "").read_bytes()
    except OSError:  # no source next to it to compare with: do not trust the build
        return None
    if getattr(module, "BUILT_FROM", None) != hashlib.sha256(source).hexdigest():
        log.warning(
            "the compiled VADER is older than vader.py and is not used: "
            "rebuild it with pip install -e . (pure Python meanwhile)"
        )
        return None
    return module


def vader_class() -> type[vader.FastVader]:
    """The compiled ``FastVader`` when usable (see the module docstring), else the
    pure-Python one."""
    module = compiled_module()
    if module is None:
        return vader.FastVader
    found: type[vader.FastVader] = module.FastVader
    return found


def vader_implementation() -> str:
    """``"mypyc"`` or ``"python"``: what :func:`vader_class` returns (for reports)."""
    return "python" if compiled_module() is None else "mypyc"
