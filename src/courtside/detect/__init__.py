"""Tampering detection (``courtside detect``): the original's Flink application.

The logic (:mod:`courtside.detect.logic`) is written once; the embedded event-time engine
(:mod:`courtside.detect.embedded`, the default) and the PyFlink job
(:mod:`courtside.detect.flink_job`, run locally by :mod:`courtside.detect.flink_runner`)
are thin runners around it.

Names are imported lazily: ``courtside.config`` imports ``detect.config`` while it is
itself being imported, and PyFlink must only load when the Flink engine is used.
"""

from __future__ import annotations

from courtside._lazy import lazy_getattr

_EXPORTS = {
    "DetectReport": "courtside.detect.report",
    "EmbeddedDetector": "courtside.detect.embedded",
    "run_embedded": "courtside.detect.embedded",
    "run_flink": "courtside.detect.flink_runner",
    "WindowOperator": "courtside.detect.runtime",
    "enrich": "courtside.detect.logic",
    "parse_control": "courtside.detect.logic",
    "window_alert": "courtside.detect.logic",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
