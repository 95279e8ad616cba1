"""The delivery stream (``courtside deliver``): Firehose + transform Lambda.

Names are imported lazily: ``courtside.config`` imports ``deliver.config`` while it is
itself being imported, so this package must not import ``courtside.config`` eagerly.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Delivery": "courtside.deliver.service",
    "DeliveryReport": "courtside.deliver.service",
    "deliver": "courtside.deliver.service",
    "Dropped": "courtside.deliver.transform",
    "Ok": "courtside.deliver.transform",
    "ProcessingFailed": "courtside.deliver.transform",
    "Result": "courtside.deliver.transform",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
