"""Enrichment of one post: sentiment, language and entities, plus the counters.

The decision for a post, in order:

1. language: the source's usable tag (``lang_source = "source"``); else, when detection
   is on, the detector's answer (``"detected"``); else ``"unknown"``;
2. sentiment: ``unscored`` with the first reason that applies:
   ``not-a-string`` (the text is null, a number, a list, an object ...), ``too-long``
   (over ``max_text_chars``), ``empty`` (nothing but spaces, punctuation, URLs and
   mentions), ``emoji-only`` (no letter or digit, at least one emoji or symbol),
   ``non-english`` (VADER's lexicon is English), ``unknown-language``; otherwise VADER's
   scores and the label by VADER's standard thresholds (compound >= 0.05 positive,
   <= -0.05 negative, neutral between);
3. entities: see :mod:`courtside.enrich.entities`.

Everything is a pure function of the post and the :class:`Enricher`'s settings, so the
same post gives the same result on any engine; the text cache only saves time.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from courtside.enrich.compiled import vader_class
from courtside.enrich.entities import Entities, entities_from_object
from courtside.enrich.language import (
    DEFAULT_LANGUAGES,
    LanguageDetector,
    normalize_tag,
    source_language,
)
from courtside.enrich.vader import FastVader, VaderScores

__all__ = [
    "LABELS",
    "LANG_SOURCES",
    "UNSCORED_REASONS",
    "EnrichStats",
    "Enricher",
    "Enrichment",
    "label_of",
]

LABELS = ("positive", "negative", "neutral", "unscored")
UNSCORED_REASONS = (
    "not-a-string",
    "too-long",
    "empty",
    "emoji-only",
    "non-english",
    "unknown-language",
)
LANG_SOURCES = ("source", "detected", "unknown")
#: VADER's standard thresholds on the compound score.
POSITIVE_MIN = 0.05
NEGATIVE_MAX = -0.05

# The first letter or digit outside URLs and mentions (group 1), scanning left to right.
_CONTENT = re.compile(r"(?:https?://|www\.)\S+|[@＠]\w+|([^\W_])", re.IGNORECASE)


def label_of(compound: float) -> str:
    """``positive``, ``negative`` or ``neutral`` by VADER's ±0.05 thresholds."""
    if compound >= POSITIVE_MIN:
        return "positive"
    if compound <= NEGATIVE_MAX:
        return "negative"
    return "neutral"


@dataclass(frozen=True)
class Enrichment:
    """What enrichment adds to one post (the names are the batch columns).

    Attributes:
        sentiment_label: ``positive``, ``negative``, ``neutral`` or ``unscored``.
        sentiment_reason: Why it is ``unscored`` (one of :data:`UNSCORED_REASONS`),
            else None.
        sentiment_score: VADER's compound score in [-1, 1], None when unscored.
        sentiment_pos: VADER's positive share, None when unscored.
        sentiment_neg: VADER's negative share, None when unscored.
        sentiment_neu: VADER's neutral share, None when unscored.
        lang_detected: The post's language (lowercase ISO 639-1), None when unknown.
        lang_source: ``source``, ``detected`` or ``unknown``.
        hashtags: Hashtags without ``#``.
        mentions: Usernames without ``@``.
        cashtags: Symbols without ``$``.
        urls: URLs (expanded when known).
    """

    sentiment_label: str
    sentiment_reason: str | None
    sentiment_score: float | None
    sentiment_pos: float | None
    sentiment_neg: float | None
    sentiment_neu: float | None
    lang_detected: str | None
    lang_source: str
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    cashtags: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()

    def as_row(self) -> dict[str, Any]:
        """The batch columns' values for this post (entity tuples as lists)."""
        return {
            "sentiment_label": self.sentiment_label,
            "sentiment_reason": self.sentiment_reason,
            "sentiment_score": self.sentiment_score,
            "sentiment_pos": self.sentiment_pos,
            "sentiment_neg": self.sentiment_neg,
            "sentiment_neu": self.sentiment_neu,
            "lang_detected": self.lang_detected,
            "lang_source": self.lang_source,
            "hashtags": list(self.hashtags),
            "mentions": list(self.mentions),
            "cashtags": list(self.cashtags),
            "urls": list(self.urls),
        }


@dataclass
class EnrichStats:
    """Counters of an :class:`Enricher` (they only grow; :meth:`as_dict` for reports).

    Attributes:
        posts: Posts enriched.
        labels: Posts per label (``positive`` ... ``unscored``).
        unscored: Unscored posts per reason.
        lang_sources: Posts per language source.
        languages: Posts per language (``source`` and ``detected`` alike).
        languages_detected: Posts per language found by the detector.
        entities_from_text: Posts whose entities came from their text.
        bad_entities: Entity items (or whole ``entities`` values) of the wrong shape.
        cache_hits: Scores served from the text cache.
    """

    posts: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    unscored: Counter[str] = field(default_factory=Counter)
    lang_sources: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    languages_detected: Counter[str] = field(default_factory=Counter)
    entities_from_text: int = 0
    bad_entities: int = 0
    cache_hits: int = 0

    @property
    def scored(self) -> int:
        """Posts that got a sentiment score."""
        return self.posts - self.labels["unscored"]

    def count(self, result: Enrichment, found: Entities) -> None:
        """Count one post's result."""
        self.posts += 1
        self.labels[result.sentiment_label] += 1
        reason = result.sentiment_reason
        if reason is not None:
            self.unscored[reason] += 1
        source = result.lang_source
        self.lang_sources[source] += 1
        lang = result.lang_detected
        if lang is not None:
            self.languages[lang] += 1
            if source == "detected":
                self.languages_detected[lang] += 1
        if found.from_text:
            self.entities_from_text += 1
        if found.bad_items:
            self.bad_entities += found.bad_items

    def as_dict(self) -> dict[str, Any]:
        """The counters as plain JSON-ready values."""
        return {
            "posts": self.posts,
            "scored": self.scored,
            "labels": dict(sorted(self.labels.items())),
            "unscored": dict(sorted(self.unscored.items())),
            "lang_sources": dict(sorted(self.lang_sources.items())),
            "languages": dict(sorted(self.languages.items())),
            "languages_detected": dict(sorted(self.languages_detected.items())),
            "entities_from_text": self.entities_from_text,
            "bad_entities": self.bad_entities,
            "cache_hits": self.cache_hits,
        }


class Enricher:
    """Sentiment, language and entities for posts (see the module docstring).

    Args:
        detect_language: Run the detector on posts without a usable source language
            (the batch step); off, such posts get ``lang_source = "unknown"``.
        languages: ISO 639-1 codes the detector chooses from.
        min_relative_distance: The detector's "too close to call" margin.
        low_accuracy: The detector's faster trigram-only mode (see LanguageDetector).
        max_text_chars: Longer texts are ``unscored`` (``too-long``); VADER's ``but``
            rule is quadratic in the number of words.
        cache_size: Texts whose scores are kept (retweets repeat texts); 0 disables.

    Raises:
        EnrichDependencyError: when a package of the ``enrich`` extra is missing.
    """

    def __init__(
        self,
        *,
        detect_language: bool = True,
        languages: Iterable[str] = DEFAULT_LANGUAGES,
        min_relative_distance: float = 0.1,
        low_accuracy: bool = True,
        max_text_chars: int = 4000,
        cache_size: int = 65536,
    ) -> None:
        self.vader: FastVader = vader_class()()
        self.detector: LanguageDetector | None = None
        if detect_language:
            self.detector = LanguageDetector(
                languages, min_relative_distance=min_relative_distance, low_accuracy=low_accuracy
            )
        self.max_text_chars = max_text_chars
        self.cache_size = cache_size
        self._cache: dict[str, VaderScores] = {}
        self.stats = EnrichStats()

    def enrich_post(self, post: Mapping[str, Any]) -> Enrichment:
        """Enrich one post (an X v2 post object, a delivered record or a table row).

        Reads ``text``, ``lang`` (or Bluesky's ``langs``) and ``entities``; any of them
        may be missing or of the wrong type. Never raises for a bad post.
        """
        if type(post) is not dict and not isinstance(post, Mapping):
            post = {}
        text = post.get("text")
        found = entities_from_object(post.get("entities"), text)
        result = self._enrich(text, source_language(post), found)
        self.stats.count(result, found)
        return result

    def enrich_values(self, text: Any, lang_tag: Any, found: Entities) -> Enrichment:
        """Enrich from a row's values (``lang_tag`` as the source gave it); counted."""
        result = self._enrich(text, normalize_tag(lang_tag), found)
        self.stats.count(result, found)
        return result

    def enrich_columns(
        self, texts: Sequence[Any], langs: Sequence[str | None], found: Sequence[Entities]
    ) -> dict[str, list[Any]]:
        """The :class:`Enrichment` columns of many rows at once (``langs`` already
        normalised, as :func:`normalize_tag` gives them); counted.

        Row by row, exactly what :meth:`enrich_values` gives; only faster: no object per
        row, and the counters are updated once per call.
        """
        labels: list[str] = []
        reasons: list[str | None] = []
        compounds: list[float | None] = []
        pos: list[float | None] = []
        neg: list[float | None] = []
        neu: list[float | None] = []
        detected: list[str | None] = []
        sources: list[str] = []
        decide = self._decide
        for text, tag in zip(texts, langs, strict=True):
            lang, lang_source, reason, scores = decide(text, tag)
            detected.append(lang)
            sources.append(lang_source)
            reasons.append(reason)
            if scores is None:
                labels.append("unscored")
                compounds.append(None)
                pos.append(None)
                neg.append(None)
                neu.append(None)
            else:
                compound = scores.compound
                labels.append(
                    "positive"
                    if compound >= POSITIVE_MIN
                    else "negative"
                    if compound <= NEGATIVE_MAX
                    else "neutral"
                )
                compounds.append(compound)
                pos.append(scores.pos)
                neg.append(scores.neg)
                neu.append(scores.neu)
        stats = self.stats
        stats.posts += len(labels)
        stats.labels.update(labels)
        stats.unscored.update(r for r in reasons if r is not None)
        stats.lang_sources.update(sources)
        stats.languages.update(lang for lang in detected if lang is not None)
        stats.languages_detected.update(
            lang
            for lang, source in zip(detected, sources, strict=True)
            if source == "detected" and lang is not None
        )
        stats.entities_from_text += sum(f.from_text for f in found)
        stats.bad_entities += sum(f.bad_items for f in found)
        return {
            "sentiment_label": labels,
            "sentiment_reason": reasons,
            "sentiment_score": compounds,
            "sentiment_pos": pos,
            "sentiment_neg": neg,
            "sentiment_neu": neu,
            "lang_detected": detected,
            "lang_source": sources,
            "hashtags": [f.hashtags for f in found],
            "mentions": [f.mentions for f in found],
            "cashtags": [f.cashtags for f in found],
            "urls": [f.urls for f in found],
        }

    def _decide(
        self, text: Any, lang: str | None
    ) -> tuple[str | None, str, str | None, VaderScores | None]:
        """The language, its source, the unscored reason and the scores of one post."""
        lang_source = "source"
        if lang is None:
            lang_source = "unknown"
            if self.detector is not None and isinstance(text, str):
                lang = self.detector.detect(text)
                if lang is not None:
                    lang_source = "detected"
        reason = self._unscored_reason(text, lang)
        scores = None if reason is not None else self._scores(text)
        return lang, lang_source, reason, scores

    def _enrich(self, text: Any, lang: str | None, found: Entities) -> Enrichment:
        lang, lang_source, reason, scores = self._decide(text, lang)
        if scores is None:
            return Enrichment(
                "unscored", reason, None, None, None, None, lang, lang_source,
                found.hashtags, found.mentions, found.cashtags, found.urls,
            )  # fmt: skip
        compound = scores.compound
        return Enrichment(
            label_of(compound), None, compound, scores.pos, scores.neg, scores.neu, lang,
            lang_source, found.hashtags, found.mentions, found.cashtags, found.urls,
        )  # fmt: skip

    def _unscored_reason(self, text: Any, lang: str | None) -> str | None:
        if not isinstance(text, str):
            return "not-a-string"
        if len(text) > self.max_text_chars:
            return "too-long"
        if not any(match[1] for match in _CONTENT.finditer(text)):
            return "emoji-only" if self._has_emoji(text) else "empty"
        if lang is None:
            return "unknown-language"
        if lang != "en":
            return "non-english"
        return None

    def _has_emoji(self, text: str) -> bool:
        return any(
            self.vader.is_emoji(ch) or unicodedata.category(ch) in ("So", "Sk") for ch in text
        )

    def _scores(self, text: str) -> VaderScores:
        cached = self._cache.get(text)
        if cached is not None:
            self.stats.cache_hits += 1
            return cached
        scores = self.vader.scores(text)
        if self.cache_size > 0:
            if len(self._cache) >= self.cache_size:
                self._cache.clear()
            self._cache[text] = scores
        return scores
