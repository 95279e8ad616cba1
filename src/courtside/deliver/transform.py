"""User transforms, shaped like a Firehose transform Lambda.

A user transform is ``module:function``; the function takes the delivered record (a dict,
after the built-in transform) and returns one of :class:`Ok` (with the record to deliver,
possibly changed), :class:`Dropped` or :class:`ProcessingFailed` (with a message).
Anything else, or an exception, counts as a processing failure of that record only.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from courtside.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Ok:
    """Deliver ``record``."""

    record: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Dropped:
    """Drop the record on purpose (it is still backed up in ``original-data/``)."""


@dataclass(frozen=True, slots=True)
class ProcessingFailed:
    """The record failed; it goes to the error output with ``message``."""

    message: str


Result = Ok | Dropped | ProcessingFailed
UserTransform = Callable[[dict[str, Any]], Result]


def load_transform(spec: str) -> UserTransform:
    """Import ``module:function``.

    Raises:
        ConfigError: when the module or function cannot be found or is not callable.
    """
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"transform must be 'module:function', got {spec!r}", key="transform")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"cannot import transform module {module_name!r}: {exc}", key="transform"
        ) from exc
    func = getattr(module, attr, None)
    if not callable(func):
        raise ConfigError(f"{spec!r} is not a callable in {module_name!r}", key="transform")
    return func
