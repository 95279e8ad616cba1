"""VADER sentiment, scored exactly like ``vaderSentiment`` but several times faster.

``vaderSentiment.SentimentIntensityAnalyzer.polarity_scores`` spends most of its time on
bookkeeping, not on the model: it rebuilds the text character by character to replace
emoji, lowercases the whole token list again for every lexicon word it checks for
negation or idioms, and runs the full rule chain for tokens that are not in the lexicon
at all. :class:`FastVader` applies the same rules, in the same order, with the same
floating-point operations, to the same tokens, using the lexicon, emoji lexicon and
constants of the installed ``vaderSentiment`` package (nothing is copied), but:

* finds emoji with one compiled character class and replaces only where there are some;
* strips, lowercases and looks up each distinct token once (a bounded memo);
* lets tokens that are neither in the lexicon nor boosters go straight to a zero.

It is written to compile with mypyc (typed locals, plain loops): ``setup.py`` builds a
compiled copy when it can, and :mod:`courtside.enrich.compiled` chooses it.

Its scores are identical to ``polarity_scores`` (a test compares them on a large,
varied corpus), including VADER's quirks: the ``but`` rule finds each score's first
equal value, ``no`` before a lexicon word is a negation, an emoji is replaced by its
English description (so "🔥" reads "fire", which VADER's lexicon scores negative).
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Iterable
from typing import Any, NamedTuple

from courtside.enrich.errors import EnrichDependencyError

__all__ = ["FastVader", "VaderScores", "load_reference_analyzer"]

_PUNCT = string.punctuation


def _vader_module() -> Any:
    try:
        from vaderSentiment import vaderSentiment
    except ImportError:
        raise EnrichDependencyError("vaderSentiment") from None
    return vaderSentiment


def load_reference_analyzer() -> Any:
    """The original ``vaderSentiment.SentimentIntensityAnalyzer`` (for tests, benchmarks).

    Raises:
        EnrichDependencyError: when ``vaderSentiment`` is not installed.
    """
    return _vader_module().SentimentIntensityAnalyzer()


class VaderScores(NamedTuple):
    """VADER's four scores, rounded as ``polarity_scores`` rounds them."""

    compound: float
    pos: float
    neg: float
    neu: float


def _word_of(token: str) -> str:
    # polarity_scores strips punctuation from both ends of a token unless that leaves
    # two characters or fewer.
    stripped = token.strip(_PUNCT)
    return token if len(stripped) <= 2 else stripped


def _covering_class(chars: Iterable[str], gap: int = 256) -> re.Pattern[str]:
    """A pattern matching one character of a few ranges that cover all of ``chars`` (and
    some others: callers check each match). ``re`` tests a character class range by
    range, so nine ranges scan a text several times faster than VADER's 143."""
    ranges: list[list[int]] = []
    for code in sorted({ord(c) for c in chars}):
        if ranges and code - ranges[-1][1] <= gap:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    body = "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in ranges)
    return re.compile(f"[{body}]")


class FastVader:
    """VADER's ``polarity_scores`` with identical results (see the module docstring).

    Raises:
        EnrichDependencyError: when ``vaderSentiment`` is not installed.
    """

    def __init__(self) -> None:
        vs = _vader_module()
        reference = vs.SentimentIntensityAnalyzer()
        self._lexicon: dict[str, float] = reference.lexicon
        # polarity_scores walks the text one character at a time, so only one-character
        # keys of the emoji lexicon can ever match.
        self._emojis: dict[str, str] = {k: v for k, v in reference.emojis.items() if len(k) == 1}
        self._emoji_set = frozenset(self._emojis)
        self._emoji_re = _covering_class(self._emojis)
        # No emoji of the lexicon is ASCII, so an ASCII text has none.
        self._ascii_emoji = any(c.isascii() for c in self._emojis)
        self._booster: dict[str, float] = vs.BOOSTER_DICT
        self._negate = frozenset(vs.NEGATE)
        self._special: dict[str, float] = vs.SPECIAL_CASES
        self._n_scalar: float = vs.N_SCALAR
        self._c_incr: float = vs.C_INCR
        self._normalize = vs.normalize
        # token -> (word, lowercase word, flags): see _token.
        self._tokens: dict[str, tuple[str, str, int]] = {}
        # Every phrase the idiom check looks up has two or three words, all of which must
        # sit near the lexicon word for it to match. So the check can be skipped unless a
        # nearby word is one of a phrase's words other than "the", "of", "to", "for", ...
        # (all of its words for a phrase made only of those).
        phrases = [p.split(" ") for p in (*self._special, *self._booster) if " " in p]
        common = {"the", "of", "to", "for", "a", "in", "on"}
        self._idiom_words = frozenset(
            w for words in phrases for w in (set(words) - common or words)
        )

    def _token(self, token: str) -> tuple[str, str, int]:
        """(word, lowercase word, flags) of a token: 1 when the word is upper case, 2 when
        its lowercase is a lexicon word that is not a booster; memoised."""
        word = _word_of(token)
        low = word.lower()
        flags = (1 if word.isupper() else 0) | (
            2 if low in self._lexicon and low not in self._booster else 0
        )
        found = (word, low, flags)
        if len(self._tokens) >= 1 << 17:
            self._tokens.clear()
        self._tokens[token] = found
        return found

    def is_emoji(self, char: str) -> bool:
        """True when ``char`` is in VADER's emoji lexicon (as ``polarity_scores`` sees it)."""
        return char in self._emojis

    def polarity_scores(self, text: str) -> dict[str, float]:
        """The same dict as ``vaderSentiment``'s ``polarity_scores(text)``."""
        s = self.scores(text)
        return {"neg": s.neg, "neu": s.neu, "pos": s.pos, "compound": s.compound}

    def _replace_emoji(self, text: str) -> str:
        if (text.isascii() and not self._ascii_emoji) or self._emoji_set.isdisjoint(text):
            return text
        emojis = self._emojis
        out: list[str] = []
        last = 0
        for match in self._emoji_re.finditer(text):
            description = emojis.get(match.group())
            if description is None:
                continue
            at = match.start()
            out.append(text[last:at])
            # polarity_scores adds a space unless the previous character was a space.
            if at > 0 and text[at - 1] != " ":
                out.append(" ")
            out.append(description)
            last = at + 1
        out.append(text[last:])
        return "".join(out)

    def scores(self, text: str) -> VaderScores:
        """VADER's scores of ``text`` (a ``str``)."""
        text = self._replace_emoji(text).strip()
        tokens = self._tokens
        words: list[str] = []
        lowers: list[str] = []
        flags: list[int] = []
        upper = 0
        for token in text.split():
            found = tokens.get(token)
            if found is None:
                found = self._token(token)
            words.append(found[0])
            lowers.append(found[1])
            flags.append(found[2])
            upper += found[2] & 1
        count = len(words)
        is_cap_diff = 0 < count - upper < count
        # polarity_scores appends 0 for every token that is not a lexicon word, a booster
        # or the "kind" of "kind of"; only lexicon words run the rules.
        sentiments: list[float] = [0] * count
        hits = []
        for i in range(count):
            if not flags[i] & 2:
                continue
            low = lowers[i]
            if low == "kind" and i < count - 1 and lowers[i + 1] == "of":
                continue
            sentiments[i] = self._valence(words, lowers, i, is_cap_diff)
            hits.append(i)
        if "but" in lowers:
            sentiments = _but_check(lowers, sentiments)
        return self._score_valence(sentiments, hits, text)

    def _valence(self, words: list[str], lowers: list[str], i: int, is_cap_diff: bool) -> float:
        # sentiment_valence with scalar_inc_dec, _negation_check and _least_check inlined,
        # each operation kept in the original's order (even "+ 0.0", which turns -0.0
        # into 0.0).
        lexicon, booster, negate = self._lexicon, self._booster, self._negate
        n_scalar, c_incr = self._n_scalar, self._c_incr
        low = lowers[i]
        valence = lexicon[low]
        if low == "no" and i != len(lowers) - 1 and lowers[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lowers[i - 1] == "no")
            or (i > 1 and lowers[i - 2] == "no")
            or (i > 2 and lowers[i - 3] == "no" and lowers[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[low] * n_scalar
        if words[i].isupper() and is_cap_diff:
            if valence > 0:
                valence += c_incr
            else:
                valence -= c_incr
        for start_i in range(min(i, 3)):
            before = i - (start_i + 1)
            prev = lowers[before]
            if prev in lexicon:
                continue
            s = 0.0
            if prev in booster:
                s = booster[prev]
                if valence < 0:
                    s *= -1
                if words[before].isupper() and is_cap_diff:
                    if valence > 0:
                        s += c_incr
                    else:
                        s -= c_incr
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
            valence = valence + s
            if start_i == 0:
                if prev in negate or "n't" in prev:
                    valence = valence * n_scalar
            elif start_i == 1:
                if prev == "never" and lowers[i - 1] in ("so", "this"):
                    valence = valence * 1.25
                elif prev == "without" and lowers[i - 1] == "doubt":
                    pass
                elif prev in negate or "n't" in prev:
                    valence = valence * n_scalar
            else:
                never_so = prev == "never" and lowers[i - 2] in ("so", "this")
                if never_so or lowers[i - 1] in ("so", "this"):
                    valence = valence * 1.25
                elif prev == "without" and "doubt" in (lowers[i - 2], lowers[i - 1]):
                    pass
                elif prev in negate or "n't" in prev:
                    valence = valence * n_scalar
                if not self._idiom_words.isdisjoint(lowers[i - 3 : i + 3]):
                    valence = self._special_idioms_check(valence, lowers, i)
        # _least_check
        if i > 1 and lowers[i - 1] not in lexicon and lowers[i - 1] == "least":
            if lowers[i - 2] != "at" and lowers[i - 2] != "very":
                valence = valence * n_scalar
        elif i > 0 and lowers[i - 1] not in lexicon and lowers[i - 1] == "least":
            valence = valence * n_scalar
        return valence

    def _special_idioms_check(self, valence: float, lowers: list[str], i: int) -> float:
        special = self._special
        onezero = f"{lowers[i - 1]} {lowers[i]}"
        twoonezero = f"{lowers[i - 2]} {lowers[i - 1]} {lowers[i]}"
        twoone = f"{lowers[i - 2]} {lowers[i - 1]}"
        threetwoone = f"{lowers[i - 3]} {lowers[i - 2]} {lowers[i - 1]}"
        threetwo = f"{lowers[i - 3]} {lowers[i - 2]}"
        for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
            if seq in special:
                valence = special[seq]
                break
        if len(lowers) - 1 > i:
            zeroone = f"{lowers[i]} {lowers[i + 1]}"
            if zeroone in special:
                valence = special[zeroone]
        if len(lowers) - 1 > i + 1:
            zeroonetwo = f"{lowers[i]} {lowers[i + 1]} {lowers[i + 2]}"
            if zeroonetwo in special:
                valence = special[zeroonetwo]
        for n_gram in (threetwoone, threetwo, twoone):
            if n_gram in self._booster:
                valence = valence + self._booster[n_gram]
        return valence

    def _score_valence(self, sentiments: list[float], hits: list[int], text: str) -> VaderScores:
        if not sentiments:
            return VaderScores(0.0, 0.0, 0.0, 0.0)
        sum_s = float(sum(sentiments))
        ep_count = min(text.count("!"), 4)
        ep_amplifier = ep_count * 0.292
        qm_count = text.count("?")
        qm_amplifier = 0.0
        if qm_count > 1:
            qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
        punct = ep_amplifier + qm_amplifier
        if sum_s > 0:
            sum_s += punct
        elif sum_s < 0:
            sum_s -= punct
        compound = self._normalize(sum_s)
        # Only lexicon words can hold a non-zero score (the "but" rule scales values in
        # place), so the sums visit them in the same order as a walk over every token.
        pos_sum, neg_sum, neu_count = 0.0, 0.0, len(sentiments) - len(hits)
        for i in hits:
            score = sentiments[i]
            if score > 0:
                pos_sum += float(score) + 1
            if score < 0:
                neg_sum += float(score) - 1
            if score == 0:
                neu_count += 1
        if pos_sum > math.fabs(neg_sum):
            pos_sum += punct
        elif pos_sum < math.fabs(neg_sum):
            neg_sum -= punct
        total = pos_sum + math.fabs(neg_sum) + neu_count
        return VaderScores(
            compound=round(compound, 4),
            pos=round(math.fabs(pos_sum / total), 3),
            neg=round(math.fabs(neg_sum / total), 3),
            neu=round(math.fabs(neu_count / total), 3),
        )


def _but_check(lowers: list[str], sentiments: list[float]) -> list[float]:
    # VADER's contrastive "but": scores before the first "but" halve, after it grow by
    # half. Like the original, each score is located by its first equal value.
    bi = lowers.index("but")
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < bi:
            sentiments[si] = sentiment * 0.5
        elif si > bi:
            sentiments[si] = sentiment * 1.5
    return sentiments
