"""A post's text and its X v2 ``entities``, built together so every offset is exact.

A phrase (:mod:`courtside.generate.phrases`) is compiled once into literal parts and
slots (``{p}``, ``{q}``: a player's name or @mention; ``{c}``: a cashtag's symbol).
:func:`compose` fills the slots, then appends hashtags and a link, and records each
mention, cashtag, hashtag and URL with its ``start``/``end`` (character offsets, end
exclusive) as X's filtered stream does. ``mentions`` and ``hashtags`` are always
present (empty when the post has none), ``cashtags`` and ``urls`` only when the post has
one, as X leaves out empty lists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["Phrase", "Slot", "compile_phrase", "compose", "link"]

_SLOT = re.compile(r"\{([pqc])\}")

#: A compiled phrase: literal parts with slot names between them (odd indices).
Phrase = tuple[str, ...]
#: A slot's value: its text, and for a mention the user's (username, id).
Slot = tuple[str, tuple[str, str] | None]

#: Hosts of the links fans share, as (expanded URL prefix, display prefix).
_LINK_SITES: tuple[str, ...] = (
    "https://www.nba.com/watch/video/",
    "https://www.youtube.com/watch?v=",
    "https://www.espn.com/nba/story/_/id/",
    "https://bleacherreport.com/articles/",
    "https://www.instagram.com/p/",
)
_CODE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def compile_phrase(text: str) -> Phrase:
    """``"What a game by {p}!"`` -> ``("What a game by ", "p", "!")``."""
    return tuple(_SLOT.split(text))


def link(code: int) -> tuple[str, str, str]:
    """A shared link for the number ``code``: (t.co URL, expanded URL, display URL)."""
    chars = []
    n = code
    for _ in range(10):
        n, r = divmod(n, len(_CODE))
        chars.append(_CODE[r])
    slug = "".join(chars)
    expanded = _LINK_SITES[code % len(_LINK_SITES)] + slug
    display = expanded.split("://", 1)[1]
    return f"https://t.co/{slug}", expanded, display[:24] + "…" if len(display) > 25 else display


def compose(
    phrase: Phrase,
    slots: dict[str, Slot],
    hashtags: Sequence[str] = (),
    url: tuple[str, str, str] | None = None,
) -> tuple[str, dict[str, list[dict[str, object]]]]:
    """The text and ``entities`` of a post.

    Args:
        phrase: A compiled phrase.
        slots: The value of each slot the phrase has.
        hashtags: Tags (without ``#``) appended at the end, in order.
        url: A link appended last: (t.co URL, expanded URL, display URL).
    """
    out: list[str] = []
    pos = 0
    mentions: list[dict[str, object]] = []
    cashtags: list[dict[str, object]] = []
    for k, part in enumerate(phrase):
        if k % 2 == 0:
            out.append(part)
            pos += len(part)
            continue
        value, user = slots[part]
        if user is not None:
            mentions.append(
                {"start": pos, "end": pos + len(value), "username": user[0], "id": user[1]}
            )
        elif part == "c":  # the phrase writes the "$" just before the slot
            cashtags.append({"start": pos - 1, "end": pos + len(value), "tag": value})
        out.append(value)
        pos += len(value)
    tags: list[dict[str, object]] = []
    for tag in hashtags:
        out.append(" #")
        tags.append({"start": pos + 1, "end": pos + 2 + len(tag), "tag": tag})
        out.append(tag)
        pos += 2 + len(tag)
    entities: dict[str, list[dict[str, object]]] = {"mentions": mentions, "hashtags": tags}
    if cashtags:
        entities["cashtags"] = cashtags
    if url is not None:
        short, expanded, display = url
        entities["urls"] = [
            {
                "start": pos + 1,
                "end": pos + 1 + len(short),
                "url": short,
                "expanded_url": expanded,
                "display_url": display,
            }
        ]
        out.append(" ")
        out.append(short)
    return "".join(out), entities
