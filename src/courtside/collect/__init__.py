"""courtside.collect

Collectors put posts on the ``tweets`` stream in the incoming X shape: the X API v2
filtered stream, Bluesky Jetstream, file replay and the synthetic generator, with the
Athlete annotator for posts that carry no X context annotations.

Names are imported lazily: ``courtside.config`` imports ``courtside.collect.config``,
and this package must not pull the rest of courtside in while that happens.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from courtside.collect.annotate import Annotator
    from courtside.collect.base import (
        Collector,
        CollectReport,
        Output,
        RejectLog,
        StopCollecting,
        Stopper,
        StreamSink,
    )
    from courtside.collect.bluesky import BlueskyCollector
    from courtside.collect.replay import ReplayCollector
    from courtside.collect.service import SOURCES, run_collector
    from courtside.collect.synthetic import SyntheticCollector
    from courtside.collect.x import XCollector
    from courtside.collect.x_api import XAuthError, XRules

_WHERE = {
    "Annotator": "annotate",
    "Collector": "base",
    "CollectReport": "base",
    "Output": "base",
    "RejectLog": "base",
    "StopCollecting": "base",
    "Stopper": "base",
    "StreamSink": "base",
    "BlueskyCollector": "bluesky",
    "ReplayCollector": "replay",
    "SOURCES": "service",
    "run_collector": "service",
    "SyntheticCollector": "synthetic",
    "XCollector": "x",
    "XAuthError": "x_api",
    "XRules": "x_api",
}

__all__ = [
    "Annotator",
    "BlueskyCollector",
    "CollectReport",
    "Collector",
    "Output",
    "RejectLog",
    "ReplayCollector",
    "SOURCES",
    "StopCollecting",
    "Stopper",
    "StreamSink",
    "SyntheticCollector",
    "XAuthError",
    "XCollector",
    "XRules",
    "run_collector",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'courtside.collect' has no attribute {name!r}")
    return getattr(importlib.import_module(f"courtside.collect.{module}"), name)
