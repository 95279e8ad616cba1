"""Enrichment of posts: sentiment, language and entities (the original's Comprehend role).

Public API::

    enrich_post(post) -> Enrichment          # one post (dict): label, scores, language, entities
    enrich_batch(table) -> pyarrow.Table     # the curated tweets table + ENRICH_SCHEMA columns
    default_stats()                          # counters: scored, unscored by reason, languages
    Enricher(detect_language=..., max_text_chars=..., ...)   # other settings, own counters
    spark_enrich(df)                         # courtside.enrich.spark: the same through mapInArrow

Sentiment is VADER (its lexicon ships in ``vaderSentiment``), scored by an exact and
faster re-implementation (:mod:`courtside.enrich.vader`); language comes from the source
or from lingua (models in its wheel); entities from ``entities`` or the text. The
packages are in the ``enrich`` extra; they load on first use.
"""

from __future__ import annotations

from courtside._lazy import lazy_getattr

_EXPORTS = {
    "default_enricher": "courtside.enrich.api",
    "default_stats": "courtside.enrich.api",
    "enrich_batch": "courtside.enrich.api",
    "enrich_post": "courtside.enrich.api",
    "ENRICH_COLUMNS": "courtside.enrich.arrow",
    "ENRICH_SCHEMA": "courtside.enrich.arrow",
    "enrich_record_batches": "courtside.enrich.arrow",
    "enrich_table": "courtside.enrich.arrow",
    "LABELS": "courtside.enrich.core",
    "LANG_SOURCES": "courtside.enrich.core",
    "UNSCORED_REASONS": "courtside.enrich.core",
    "EnrichStats": "courtside.enrich.core",
    "Enricher": "courtside.enrich.core",
    "Enrichment": "courtside.enrich.core",
    "label_of": "courtside.enrich.core",
    "Entities": "courtside.enrich.entities",
    "entities_from_object": "courtside.enrich.entities",
    "entities_from_text": "courtside.enrich.entities",
    "EnrichDependencyError": "courtside.enrich.errors",
    "EnrichError": "courtside.enrich.errors",
    "EnrichTableError": "courtside.enrich.errors",
    "DEFAULT_LANGUAGES": "courtside.enrich.language",
    "LanguageDetector": "courtside.enrich.language",
    "source_language": "courtside.enrich.language",
    "FastVader": "courtside.enrich.vader",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
