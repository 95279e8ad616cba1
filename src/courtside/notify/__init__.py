"""Notifications of tampering alerts (``courtside notify``): console, email, webhook.

Names are imported lazily: ``courtside.config`` imports ``notify.config`` while it is
itself being imported.
"""

from __future__ import annotations

from courtside._lazy import lazy_getattr

_EXPORTS = {
    "Notifier": "courtside.notify.service",
    "NotifyReport": "courtside.notify.service",
    "run_notifier": "courtside.notify.service",
    "notification": "courtside.notify.message",
    "make_channel": "courtside.notify.channels",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
