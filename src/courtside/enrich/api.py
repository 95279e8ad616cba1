"""The two calls the pipeline wires in, on a shared default :class:`Enricher`.

``enrich_post(post)`` for one post (delivery, the detector, tests) and
``enrich_batch(table)`` for an Arrow table of posts (the batch step after dedupe, on
DuckDB's Arrow batches or inside Spark's ``mapInArrow``). Both are pure functions of
their input: the default enricher's settings are fixed, so every process (a Spark
worker included) computes the same values. Its counters are :func:`default_stats`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from courtside.enrich.arrow import enrich_table
from courtside.enrich.core import Enricher, Enrichment, EnrichStats

__all__ = ["default_enricher", "default_stats", "enrich_batch", "enrich_post"]

_lock = threading.Lock()
_default: Enricher | None = None


def default_enricher() -> Enricher:
    """The process's shared :class:`Enricher` with default settings (created on first
    use: it loads VADER's lexicon and builds the language detector).

    Raises:
        EnrichDependencyError: when a package of the ``enrich`` extra is missing.
    """
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Enricher()
    return _default


def default_stats() -> EnrichStats:
    """The counters of :func:`default_enricher` (posts scored, unscored by reason, ...)."""
    return default_enricher().stats


def enrich_post(post: Mapping[str, Any]) -> Enrichment:
    """Sentiment, language and entities of one post (see :class:`Enrichment`).

    Never raises for a bad post: a text that cannot be scored is ``unscored`` with a
    reason, and counted.

    Raises:
        EnrichDependencyError: when a package of the ``enrich`` extra is missing.
    """
    return default_enricher().enrich_post(post)


def enrich_batch(table: pa.Table) -> pa.Table:
    """``table`` (the curated ``tweets`` columns ``text``, ``lang``, ``entities``) with the
    enrichment columns appended; see :data:`courtside.enrich.ENRICH_SCHEMA`.

    Raises:
        EnrichTableError: when the table has no ``text`` column.
        EnrichDependencyError: when a package of the ``enrich`` extra is missing.
    """
    return enrich_table(table, default_enricher())
