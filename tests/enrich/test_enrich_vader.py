"""The fast VADER gives exactly vaderSentiment's scores, and fails clearly without it."""

from __future__ import annotations

import math
import sys

import pytest
from corpus import vader_corpus
from enrich_helpers import TEXTS
from hypothesis import given, settings
from hypothesis import strategies as st

from courtside.enrich.errors import EnrichDependencyError
from courtside.enrich.vader import FastVader, load_reference_analyzer

_REFERENCE = load_reference_analyzer()
_FAST = FastVader()


@pytest.fixture(scope="module")
def fast() -> FastVader:
    return FastVader()


def test_scores_are_identical_to_vadersentiment_on_a_varied_corpus(fast: FastVader) -> None:
    reference = load_reference_analyzer()
    texts = vader_corpus(reference, 20_000) + [t for t, _ in TEXTS]
    mismatches = []
    for text in texts:
        want, got = reference.polarity_scores(text), fast.polarity_scores(text)
        same_sign = all(math.copysign(1, want[k]) == math.copysign(1, got[k]) for k in want)
        if want != got or not same_sign:
            mismatches.append((text, want, got))
    assert mismatches == []
    # The corpus reaches the rules it is meant to exercise.
    joined = " ".join(texts).lower()
    for needle in (" but ", " no ", "least", "kind of", "the shit", "never", "!!!", "???"):
        assert needle in joined


@pytest.mark.parametrize(
    ("text", "compound"),
    [
        ("VADER is smart, handsome, and funny.", 0.8316),
        ("VADER is smart, handsome, and funny!", 0.8439),
        ("VADER is VERY SMART, handsome, and FUNNY.", 0.9227),
        ("VADER is not smart, handsome, nor funny.", -0.7424),
        ("The book was kind of good.", 0.3832),
        ("Today SUX!", -0.5461),
        ("Make sure you :) or :D today!", 0.8633),
        ("Not bad at all", 0.431),
        ("", 0.0),
    ],
)
def test_published_examples(fast: FastVader, text: str, compound: float) -> None:
    # Values from VADER's own README, independent of the installed reference.
    assert fast.scores(text).compound == compound


def test_emoji_are_read_as_their_description(fast: FastVader) -> None:
    # polarity_scores spaces an emoji off a preceding non-space, not a following one.
    assert fast._replace_emoji("a💘b 😁") == "a heart with arrowb beaming face with smiling eyes"
    assert fast._replace_emoji("💘💘") == "heart with arrow heart with arrow"
    assert fast.scores("🔥").compound < 0  # VADER's lexicon reads "fire" as negative


def test_missing_vadersentiment_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vaderSentiment", None)
    with pytest.raises(EnrichDependencyError, match=r"courtside\[enrich\]"):
        FastVader()


_ALPHABET = st.sampled_from(
    list("abc XYZ!?.,'-:;()#@$")
    + ["but", "no", "not", "least", "kind of", "very", "GOOD"]
    + ["good", "bad", "love", "hate", "the shit", "🔥", "😂", "💘", "\u00a0", "\n", "é", "ル"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join) | st.text(max_size=200))
def test_scores_are_identical_on_generated_text(text: str) -> None:
    want = _REFERENCE.polarity_scores(text)
    got = _FAST.polarity_scores(text)
    assert got == want
    assert all(math.copysign(1, want[k]) == math.copysign(1, got[k]) for k in want)
