"""Notifications of tampering alerts (``courtside notify``): console, email, webhook.

Names are imported lazily: ``courtside.config`` imports ``notify.config`` while it is
itself being imported.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Notifier": "courtside.notify.service",
    "NotifyReport": "courtside.notify.service",
    "run_notifier": "courtside.notify.service",
    "notification": "courtside.notify.message",
    "make_channel": "courtside.notify.channels",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
