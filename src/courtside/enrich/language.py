"""A post's language: the source's tag when it is usable, otherwise an offline detector.

X v2 gives ``lang`` (BCP 47, with its own codes for posts without linguistic content:
``und``, ``zxx``, ``qme`` media only, ``qht`` hashtags only, ``qam`` mentions only,
``qst`` very short text, ...); Bluesky gives ``langs`` (a list; courtside's Bluesky
collector stores its first element as ``lang``, or ``und``). :func:`source_language`
turns either into a lowercase ISO 639-1 code (``en-US`` -> ``en``; X's legacy ``in``
-> ``id``, ``iw`` -> ``he``) or None when it says nothing usable.

:class:`LanguageDetector` wraps lingua (its models ship inside the
``lingua-language-detector`` wheel; nothing downloads), restricted to the languages NBA
fans post in so that it is fast and does not pick rare look-alikes. It returns None
when the text has no letters or the best two languages are too close to call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from courtside.enrich.errors import EnrichDependencyError

__all__ = [
    "DEFAULT_LANGUAGES",
    "LanguageDetector",
    "detection_text",
    "source_language",
]

#: ISO 639-1 codes the detector chooses from by default: the languages of the NBA's
#: biggest fan bases and of its players' home countries.
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "en", "es", "pt", "fr", "de", "it", "tl", "ja", "zh", "ko",
    "tr", "el", "sr", "sl", "lt", "ru", "ar", "id",
)  # fmt: skip

_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*")
# Codes that carry no language: undetermined, no linguistic content, multiple, missing,
# and the private-use range qaa-qtz where X keeps qme/qht/qam/qst/qct.
_NO_LANGUAGE = re.compile(r"und|zxx|mul|mis|q[a-t][a-z]")
_LEGACY = {"in": "id", "iw": "he", "ji": "yi", "jw": "jv"}

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"[@＠][\w.-]+")
_LETTER = re.compile(r"[^\W\d_]")
#: Detection looks at this many characters at most: enough to tell a language, and
#: a 10 KB text costs no more than a long post.
DETECT_MAX_CHARS = 1000


def source_language(post: Any) -> str | None:
    """The usable language the post's source declares, as lowercase ISO 639-1 (or the
    three-letter code when there is no two-letter one), or None.

    Reads ``lang`` (X v2) and, when that is absent, the first of ``langs`` (Bluesky).
    Anything that is not a well-formed tag, or a tag meaning "no language", is None.
    """
    if type(post) is not dict and not isinstance(post, Mapping):
        return None
    value = post.get("lang")
    if value is None:
        langs = post.get("langs")
        value = langs[0] if isinstance(langs, list) and langs else None
    return normalize_tag(value)


#: normalize_tag's answers per string (posts carry a handful of distinct tags); cleared
#: when it holds this many, so memory stays bounded.
_TAG_MEMO_LIMIT = 4096
_tag_memo: dict[str, str | None] = {}


def normalize_tag(value: Any) -> str | None:
    """A language tag (``en``, ``en-US``, ``pt_BR``) as its primary code, or None when it
    is not a string, not a tag, or means "no language"."""
    if type(value) is str:
        try:
            return _tag_memo[value]
        except KeyError:
            pass
        if len(_tag_memo) >= _TAG_MEMO_LIMIT:
            _tag_memo.clear()
        found = _tag_memo[value] = _normalize(value)
        return found
    return _normalize(value)


def _normalize(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 35:
        return None
    match = _TAG.fullmatch(value.strip())
    if match is None:
        return None
    code = match[1].lower()
    if _NO_LANGUAGE.fullmatch(code):
        return None
    return _LEGACY.get(code, code)


def detection_text(text: str) -> str:
    """``text`` as the detector should see it: URLs and mentions removed, ``#`` dropped
    from hashtags, cut to :data:`DETECT_MAX_CHARS`; empty when no letter is left."""
    cleaned = _MENTION.sub(" ", _URL.sub(" ", text[: DETECT_MAX_CHARS * 2])).replace("#", " ")
    cleaned = cleaned[:DETECT_MAX_CHARS]
    return cleaned if _LETTER.search(cleaned) else ""


class LanguageDetector:
    """lingua restricted to ``languages``; deterministic for a given text and settings.

    Args:
        languages: ISO 639-1 codes to choose from (at least two).
        min_relative_distance: lingua's minimum distance between the best two languages'
            confidences below which it answers None (0.0 always picks one).
        low_accuracy: lingua's low-accuracy mode (trigrams only; the default here): it
            loads in 0.2 s and about 60 MB instead of 5 s and 320 MB and detects about
            3x faster; lingua says it is less accurate on texts under 120 characters,
            but on post-like texts it was as right as the full mode in our checks.

    Raises:
        EnrichDependencyError: when ``lingua-language-detector`` is not installed.
        ValueError: for an unknown code or fewer than two languages.
    """

    def __init__(
        self,
        languages: Iterable[str] = DEFAULT_LANGUAGES,
        *,
        min_relative_distance: float = 0.1,
        low_accuracy: bool = True,
    ) -> None:
        try:
            import lingua
        except ImportError:
            raise EnrichDependencyError("lingua-language-detector") from None
        codes = sorted({c.lower() for c in languages})
        if len(codes) < 2:
            raise ValueError(f"the detector needs at least two languages, got {codes}")
        chosen = []
        for code in codes:
            try:
                iso = getattr(lingua.IsoCode639_1, code.upper())
            except AttributeError:
                raise ValueError(f"unknown ISO 639-1 language code {code!r}") from None
            chosen.append(lingua.Language.from_iso_code_639_1(iso))
        builder = lingua.LanguageDetectorBuilder.from_languages(*chosen)
        builder = builder.with_minimum_relative_distance(min_relative_distance)
        if low_accuracy:
            builder = builder.with_low_accuracy_mode()
        self.languages: tuple[str, ...] = tuple(codes)
        self._detector = builder.build()

    def detect(self, text: str) -> str | None:
        """The language of ``text`` (lowercase ISO 639-1), or None when there is no letter
        to go by or lingua cannot tell."""
        sample = detection_text(text)
        if not sample:
            return None
        found = self._detector.detect_language_of(sample)
        if found is None:
            return None
        return str(found.iso_code_639_1.name).lower()
