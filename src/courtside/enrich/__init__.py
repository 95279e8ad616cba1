"""Enrichment of posts: sentiment, language and entities (the original's Comprehend role).

Public API::

    enrich_post(post) -> Enrichment          # one post (dict): label, scores, language, entities
    enrich_batch(table) -> pyarrow.Table     # the curated tweets table + ENRICH_SCHEMA columns
    default_stats()                          # counters: scored, unscored by reason, languages
    Enricher(detect_language=..., max_text_chars=..., ...)   # other settings, own counters
    spark_enrich(df)                         # courtside.enrich.spark: the same through mapInArrow

Sentiment is VADER (its lexicon ships in ``vaderSentiment``), scored by an exact and
faster re-implementation (:mod:`courtside.enrich.vader`, compiled with mypyc at install
when possible: :mod:`courtside.enrich.compiled`); language comes from the source
or from lingua (models in its wheel); entities from ``entities`` or the text. The
packages are in the ``enrich`` extra; they load on first use.
"""
