"""The delivery stream (``courtside deliver``): Firehose + transform Lambda.

Names are imported lazily: ``courtside.config`` imports ``deliver.config`` while it is
itself being imported, so this package must not import ``courtside.config`` eagerly.
"""

from __future__ import annotations

from courtside._lazy import lazy_getattr

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


__getattr__ = lazy_getattr(__name__, _EXPORTS)
