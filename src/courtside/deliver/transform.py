"""User transforms, shaped like a Firehose transform Lambda.

A user transform is named ``module:function`` (``--transform`` or ``deliver.transform``),
e.g. ``mypkg.mymod:fn``. The module is imported from the Python path and, after it, the
current directory, so ``mypkg/`` next to where ``courtside deliver`` runs is found
without setting ``PYTHONPATH``.

The function is called once per record with **one argument, the delivered record**: a
``dict`` as the built-in transform made it, the post (``id``, ``text``, ``author_id``,
``created_at``, ``context_annotations``, ...) plus ``users`` (a list, from
``includes.users``) and the strings ``year``, ``month`` and ``day`` of ``created_at``. It
may change that dict in place. It must return one of (``from courtside.deliver import
Ok, Dropped, ProcessingFailed``):

* :class:`Ok` ``(record)``: deliver ``record`` (a JSON-serialisable ``dict``); its
  ``year``/``month``/``day`` choose the ``raw/`` partition and must be a real date;
* :class:`Dropped` ``()``: deliver nothing (the original is still in ``original-data/``);
* :class:`ProcessingFailed` ``(message)``: send the record to ``errors/`` with ``message``.

An exception (``Lambda.FunctionError``) or any other return value
(``Lambda.InvalidResult``) fails that record only; delivery goes on. Example::

    from courtside.deliver import Dropped, Ok

    def fn(record: dict) -> Ok | Dropped:
        if record.get("lang") != "en":
            return Dropped()
        record["text"] = record["text"].strip()
        return Ok(record)
"""

from __future__ import annotations

import importlib
import os
import sys
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


def _current_directory_importable() -> str:
    """Put the current directory on the Python path (last, so it never shadows an
    installed module), as ``python -m`` does; the ``courtside`` script does not."""
    cwd = os.getcwd()
    if not any(entry in ("", ".", cwd) for entry in sys.path):
        sys.path.append(cwd)
    return cwd


def load_transform(spec: str) -> UserTransform:
    """Import ``module:function`` (from the Python path, then the current directory).

    Raises:
        ConfigError: when the module or function cannot be found or is not callable.
    """
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"transform must be 'module:function', got {spec!r}", key="transform")
    cwd = _current_directory_importable()
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"cannot import transform module {module_name!r} (from the Python path or {cwd}):"
            f" {exc}",
            key="transform",
        ) from exc
    func = getattr(module, attr, None)
    if not callable(func):
        raise ConfigError(f"{spec!r} is not a callable in {module_name!r}", key="transform")
    return func
