"""The fast VADER gives exactly vaderSentiment's scores, and fails clearly without it.

Every equality test runs on both implementations: the pure-Python ``FastVader`` and the
mypyc-compiled copy ``setup.py`` builds (skipped, with the reason, when this install has
no compiled copy; ``make install`` builds it where gcc is available)."""

from __future__ import annotations

import math
import sys

import pytest
from corpus import vader_corpus
from enrich_helpers import TEXTS
from hypothesis import given, settings
from hypothesis import strategies as st

from courtside.enrich.compiled import compiled_module, vader_class, vader_implementation
from courtside.enrich.core import Enricher
from courtside.enrich.errors import EnrichDependencyError
from courtside.enrich.vader import FastVader, load_reference_analyzer

_REFERENCE = load_reference_analyzer()
_COMPILED = compiled_module()
_IMPLEMENTATIONS = {"python": FastVader()}
if _COMPILED is not None:
    _IMPLEMENTATIONS["mypyc"] = _COMPILED.FastVader()
_NOT_BUILT = pytest.mark.skipif(_COMPILED is None, reason="no compiled VADER in this install")
BOTH = pytest.mark.parametrize("kind", ["python", pytest.param("mypyc", marks=_NOT_BUILT)])


@pytest.fixture(params=["python", pytest.param("mypyc", marks=_NOT_BUILT)])
def fast(request: pytest.FixtureRequest) -> FastVader:
    return _IMPLEMENTATIONS[request.param]


def test_the_enricher_uses_the_compiled_copy_when_it_is_built() -> None:
    assert vader_implementation() == ("python" if _COMPILED is None else "mypyc")
    assert type(Enricher(detect_language=False).vader) is vader_class()
    if _COMPILED is not None:
        assert vader_class() is not FastVader
        assert _COMPILED.__file__.endswith(".so")


def test_a_stale_compiled_copy_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    import courtside.enrich.compiled as compiled

    class Stale:
        BUILT_FROM = "0" * 64
        FastVader = object

    monkeypatch.setattr(compiled.importlib, "import_module", lambda name: Stale)
    compiled.compiled_module.cache_clear()
    try:
        assert compiled.compiled_module() is None
        assert compiled.vader_class() is FastVader
    finally:
        monkeypatch.undo()
        compiled.compiled_module.cache_clear()


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


@BOTH
@settings(max_examples=400, deadline=None)
@given(text=st.lists(_ALPHABET, max_size=40).map("".join) | st.text(max_size=200))
def test_scores_are_identical_on_generated_text(kind: str, text: str) -> None:
    want = _REFERENCE.polarity_scores(text)
    got = _IMPLEMENTATIONS[kind].polarity_scores(text)
    assert got == want
    assert all(math.copysign(1, want[k]) == math.copysign(1, got[k]) for k in want)


@BOTH
def test_scores_are_identical_on_benchmark_like_posts(kind: str) -> None:
    # The benchmark's own generator (NBA-like posts with emoji, tags, links, 8 languages).
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    try:
        from bench_enrich import make_posts
    finally:
        sys.path.pop(0)
    fast = _IMPLEMENTATIONS[kind]
    texts = [p["text"] for p in make_posts(3000, 7)]
    assert [fast.polarity_scores(t) for t in texts] == [
        _REFERENCE.polarity_scores(t) for t in texts
    ]
