"""Hashtags, mentions, cashtags and URLs of a post: from its ``entities``, else its text.

X v2 posts carry ``entities.hashtags[].tag``, ``mentions[].username``,
``cashtags[].tag`` and ``urls[].expanded_url`` (``url`` is the t.co link); X leaves a
list out when it is empty, and the whole ``entities`` object out when a post has none.
courtside's Bluesky collector builds the same shape from rich-text facets. When a post
has an ``entities`` object it is trusted as it is (an absent list means none); when it
has none (or one of the wrong shape), the four kinds are taken from the text with
regexes that follow X's rules (twitter-text) reasonably:

* hashtag: ``#`` or ``＃`` not preceded by a letter, digit, ``_``, ``&`` or another ``#``,
  (and not the ``#️⃣`` keycap emoji), then letters, combining marks, digits and ``_`` in
  any script, with at least one letter, not followed by ``#`` or ``://``;
* mention: ``@`` or ``＠`` not preceded by a letter, digit or ``_!#$%&*@``, then 1 to 15
  ASCII letters, digits or ``_`` (X's usernames), not followed by a letter or digit of
  any script (``@Jokić`` is no mention of ``Joki``), ``@`` or ``://``;
* cashtag: ``$`` at the start or after a space, 1 to 6 letters with an optional
  ``.`` or ``_`` and 1 to 2 letters (``$BRK.A``), then a space, punctuation or the end;
* URL: ``http://``, ``https://`` or ``www.`` up to the next space, without trailing
  punctuation (a closing bracket stays when the URL opened it).

Every value keeps its case and order; a value that occurs twice is listed twice (as X
lists every occurrence).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = ["KINDS", "Entities", "entities_from_object", "entities_from_text"]

#: The four kinds, with the field that holds the value of each item.
KINDS: tuple[tuple[str, str], ...] = (
    ("hashtags", "tag"),
    ("mentions", "username"),
    ("cashtags", "tag"),
    ("urls", "expanded_url"),
)

_MENTION = re.compile(r"(?<![A-Za-z0-9_!#$%&*@＠])[@＠]([A-Za-z0-9_]{1,15}+)(?![\w@＠]|://)")
_CASHTAG = re.compile(
    r"(?<!\S)\$([A-Za-z]{1,6}+(?:[._][A-Za-z]{1,2}+)?+)"
    r"(?=$|\s|[!\"#%&'()*+,./:;<=>?@\[\]^`{|}~-])"
)
_URL = re.compile(r"(?<![\w@.])(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_URL_BODY = re.compile(r"(?:https?://|www\.)[^.]", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\"…)]}"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Entities:
    """The entity values of one post.

    Attributes:
        hashtags: Tags without ``#``.
        mentions: Usernames without ``@``.
        cashtags: Symbols without ``$``.
        urls: Expanded URLs when known, else the URLs as written.
        from_text: True when they were taken from the text.
        bad_items: Items of ``entities`` that were skipped (wrong shape, no value).
    """

    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    cashtags: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    from_text: bool = False
    bad_items: int = 0


@cache
def _hashtag_pattern() -> re.Pattern[str]:
    # Python's \w has letters, digits and "_" but not combining marks, which Devanagari,
    # Thai or decomposed accents need inside a word; the class is built once.
    marks = [
        c
        for c in range(sys.maxunicode + 1)
        if (c < 0x30000 or 0xE0000 <= c < 0xE1000) and unicodedata.category(chr(c))[0] == "M"
    ]
    ranges: list[list[int]] = []
    for code in marks:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    mark_class = "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in ranges)
    return re.compile(
        rf"(?<![&\w#＃])[#＃](?![\uFE0F\u20E3])((?:\w|[{mark_class}])++)(?![#＃]|://)"
    )


def _url_end(url: str) -> str:
    while url and url[-1] in _URL_TRAILING:
        last = url[-1]
        opener = _CLOSERS.get(last)
        if opener is not None and url.count(opener) >= url.count(last):
            break
        url = url[:-1]
    return url


def entities_from_text(text: str) -> Entities:
    """The four kinds found in ``text`` (see the module docstring for the rules)."""
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    cashtags: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    if "#" in text or "＃" in text:
        found = _hashtag_pattern().findall(text)
        hashtags = tuple(t for t in found if _LETTER.search(t))
    if "@" in text or "＠" in text:
        mentions = tuple(_MENTION.findall(text))
    if "$" in text:
        cashtags = tuple(_CASHTAG.findall(text))
    if "http" in text or "www" in text or "HTTP" in text or "WWW" in text:
        urls = tuple(u for u in map(_url_end, _URL.findall(text)) if _URL_BODY.match(u))
    return Entities(hashtags, mentions, cashtags, urls, from_text=True)


def _values(items: Any, field: str) -> tuple[tuple[str, ...], int]:
    if items is None:
        return (), 0
    if not isinstance(items, list):
        return (), 1
    values: list[str] = []
    bad = 0
    for item in items:
        value = item.get(field) if isinstance(item, dict) else None
        if field == "expanded_url" and isinstance(item, dict) and value is None:
            value = item.get("url")
        if isinstance(value, str) and value:
            values.append(value)
        else:
            bad += 1
    return tuple(values), bad


def entities_from_object(entities: Any, text: Any) -> Entities:
    """The entity values of a post from its ``entities`` object, or from ``text`` when
    ``entities`` is missing or not an object (a wrong shape counts as one bad item).

    Items that are not objects or lack a non-empty string value are skipped and
    counted in :attr:`Entities.bad_items`; so is a kind whose value is not a list.
    """
    if not isinstance(entities, dict):
        found = entities_from_text(text) if isinstance(text, str) else Entities(from_text=True)
        if entities is None:
            return found
        return Entities(
            found.hashtags, found.mentions, found.cashtags, found.urls, True, bad_items=1
        )
    bad_total = 0
    out: list[tuple[str, ...]] = []
    for kind, field in KINDS:
        values, bad = _values(entities.get(kind), field)
        out.append(values)
        bad_total += bad
    return Entities(out[0], out[1], out[2], out[3], from_text=False, bad_items=bad_total)
