"""One post: labels, every kind of bad input (unscored with a reason, counted), languages."""

from __future__ import annotations

from typing import Any

import pytest

from courtside.enrich.api import enrich_post
from courtside.enrich.core import UNSCORED_REASONS, Enricher, label_of
from courtside.enrich.vader import load_reference_analyzer


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher()


@pytest.fixture
def fresh() -> Enricher:
    return Enricher(detect_language=False)


@pytest.mark.parametrize(
    ("compound", "label"),
    [(0.05, "positive"), (0.0499, "neutral"), (0.0, "neutral"), (-0.0499, "neutral")]
    + [(-0.05, "negative"), (0.9, "positive"), (-1.0, "negative")],
)
def test_labels_follow_vaders_thresholds(compound: float, label: str) -> None:
    assert label_of(compound) == label


def test_an_english_post_is_scored_like_vader(enricher: Enricher) -> None:
    text = "LeBron was amazing tonight, but the refs were terrible!! #LakeShow"
    result = enricher.enrich_post({"text": text, "lang": "en"})
    want = load_reference_analyzer().polarity_scores(text)
    assert (result.sentiment_score, result.sentiment_pos) == (want["compound"], want["pos"])
    assert (result.sentiment_neg, result.sentiment_neu) == (want["neg"], want["neu"])
    assert result.sentiment_label == label_of(want["compound"])
    assert result.sentiment_reason is None
    assert (result.lang_detected, result.lang_source) == ("en", "source")
    assert enricher.enrich_post({"text": "I love this team", "lang": "en"}).sentiment_label == (
        "positive"
    )
    assert enricher.enrich_post({"text": "I hate this, awful", "lang": "en"}).sentiment_label == (
        "negative"
    )
    assert enricher.enrich_post({"text": "Luka to Kyrie", "lang": "en"}).sentiment_label == (
        "neutral"
    )


BAD_TEXTS: list[tuple[str, Any, Any, str]] = [
    ("null", None, "en", "not-a-string"),
    ("int", 42, "en", "not-a-string"),
    ("float", 4.2, "en", "not-a-string"),
    ("bool", True, "en", "not-a-string"),
    ("list", ["great", "game"], "en", "not-a-string"),
    ("nested-object", {"text": {"text": "great"}}, "en", "not-a-string"),
    ("bytes", b"great game", "en", "not-a-string"),
    ("empty", "", "en", "empty"),
    ("whitespace", " \t\n\u00a0\u3000", "en", "empty"),
    ("punctuation", "!!! ... ???", "en", "empty"),
    ("mention-and-url-only", "@KingJames https://t.co/abc", "en", "empty"),
    ("emoji-only", "🔥🔥🔥", "en", "emoji-only"),
    ("emoji-zwj-and-skin-tone", "👨‍👩‍👧 👍🏽 🏀!", "en", "emoji-only"),
    ("emoji-with-mention", "@KingJames 🐐🐐 https://t.co/x", "en", "emoji-only"),
    ("10-kb", "great game " * 1000, "en", "too-long"),
    ("10-kb-one-word", "a" * 10_240, "en", "too-long"),
    ("japanese", "ルカのプレーは最高でした", "ja", "non-english"),
    ("arabic", "كرة السلة رائعة الليلة", "ar", "non-english"),
    ("russian", "Яннис сегодня великолепен", "ru", "non-english"),
    ("spanish", "¡Qué partidazo de Luka! increíble", "es", "non-english"),
    ("english-without-language", "what a great game", None, "unknown-language"),
]


@pytest.mark.parametrize(
    ("text", "lang", "reason"), [c[1:] for c in BAD_TEXTS], ids=[c[0] for c in BAD_TEXTS]
)
def test_bad_input_is_unscored_with_a_reason_and_counted(
    fresh: Enricher, text: Any, lang: Any, reason: str
) -> None:
    result = fresh.enrich_post({"text": text, "lang": lang, "entities": {"hashtags": []}})
    assert result.sentiment_label == "unscored"
    assert result.sentiment_reason == reason
    assert reason in UNSCORED_REASONS
    assert result.sentiment_score is None and result.sentiment_pos is None
    assert result.sentiment_neg is None and result.sentiment_neu is None
    assert fresh.stats.unscored == {reason: 1}
    assert fresh.stats.labels == {"unscored": 1}
    assert (fresh.stats.posts, fresh.stats.scored) == (1, 0)


def test_not_a_post_at_all_is_unscored(fresh: Enricher) -> None:
    for post in (None, "text", 5, ["text"]):
        assert fresh.enrich_post(post).sentiment_reason == "not-a-string"  # type: ignore[arg-type]
    assert fresh.stats.unscored == {"not-a-string": 4}


def test_a_post_without_text_field_is_unscored(fresh: Enricher) -> None:
    assert fresh.enrich_post({"lang": "en"}).sentiment_reason == "not-a-string"


def test_limits_are_configurable_and_just_under_the_limit_is_scored() -> None:
    enricher = Enricher(detect_language=False, max_text_chars=100)
    assert enricher.enrich_post({"text": "good " * 20, "lang": "en"}).sentiment_label == (
        "positive"
    )
    assert enricher.enrich_post({"text": "good " * 21, "lang": "en"}).sentiment_reason == (
        "too-long"
    )


def test_a_non_latin_text_the_source_calls_english_is_scored_not_crashed(fresh: Enricher) -> None:
    result = fresh.enrich_post({"text": "ルカのプレーは最高でした 🔥", "lang": "en"})
    assert result.sentiment_label in ("positive", "negative", "neutral")


@pytest.mark.parametrize(
    ("post", "lang"),
    [
        ({"lang": "en"}, "en"),
        ({"lang": "EN-us"}, "en"),
        ({"lang": "pt_BR"}, "pt"),
        ({"lang": "in"}, "id"),
        ({"lang": "iw"}, "he"),
        ({"langs": ["es", "en"]}, "es"),
        ({"lang": None, "langs": ["fr"]}, "fr"),
    ],
)
def test_source_languages_are_normalised(fresh: Enricher, post: dict, lang: str) -> None:
    result = fresh.enrich_post({"text": "hola", **post})
    assert (result.lang_detected, result.lang_source) == (lang, "source")


@pytest.mark.parametrize(
    "lang",
    ["und", "zxx", "qme", "qht", "qam", "qst", "mul", "", "e", "english!", 5, ["en"], {"a": 1}],
)
def test_languages_that_say_nothing_are_detected_in_the_batch_step(
    enricher: Enricher, fresh: Enricher, lang: Any
) -> None:
    post = {"text": "What a fantastic game from the whole team tonight", "lang": lang}
    detected = enricher.enrich_post(post)
    assert (detected.lang_detected, detected.lang_source) == ("en", "detected")
    assert detected.sentiment_label == "positive"
    plain = fresh.enrich_post(post)
    assert (plain.lang_detected, plain.lang_source) == (None, "unknown")
    assert plain.sentiment_reason == "unknown-language"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("¡Qué partidazo de Luka esta noche! La defensa estuvo increíble", "es"),
        ("Quel match de Giannis ce soir, une performance magnifique", "fr"),
        ("Grabe si Jordan Clarkson ang galing niya talaga sa laro", "tl"),
        ("ルカのプレーは最高でした", "ja"),
        ("Nossa, que jogo incrível do Denver ontem à noite", "pt"),
        ("Яннис сегодня был великолепен", "ru"),
    ],
)
def test_detected_non_english_is_not_scored(enricher: Enricher, text: str, lang: str) -> None:
    result = enricher.enrich_post({"text": text})
    assert (result.lang_detected, result.lang_source) == (lang, "detected")
    assert result.sentiment_reason == "non-english"


def test_counters_add_up(fresh: Enricher) -> None:
    posts = [
        {"text": "great", "lang": "en"},
        {"text": "awful", "lang": "en"},
        {"text": "great", "lang": "en"},
        {"text": "hola", "lang": "es"},
        {"text": 7},
        {"text": "x", "entities": "not an object"},
    ]
    for post in posts:
        fresh.enrich_post(post)
    stats = fresh.stats.as_dict()
    assert stats["posts"] == 6 and stats["scored"] == 3
    assert stats["labels"] == {"negative": 1, "positive": 2, "unscored": 3}
    assert stats["unscored"] == {"non-english": 1, "not-a-string": 1, "unknown-language": 1}
    assert stats["lang_sources"] == {"source": 4, "unknown": 2}
    assert stats["languages"] == {"en": 3, "es": 1}
    assert stats["bad_entities"] == 1
    assert stats["entities_from_text"] == 6
    assert stats["cache_hits"] == 1


def test_the_module_functions_use_one_shared_enricher() -> None:
    from courtside.enrich.api import default_stats

    before = default_stats().posts
    result = enrich_post(
        {"text": "Love it", "lang": "en", "entities": {"hashtags": [{"tag": "NBA"}]}}
    )
    assert result.sentiment_label == "positive" and result.hashtags == ("NBA",)
    assert default_stats().posts == before + 1


def test_results_do_not_depend_on_the_cache() -> None:
    cached, uncached = (
        Enricher(detect_language=False),
        Enricher(detect_language=False, cache_size=0),
    )
    texts = ["great game", "awful refs", "great game", "so so"] * 3
    for text in texts:
        post = {"text": text, "lang": "en"}
        assert cached.enrich_post(post) == uncached.enrich_post(post)
    assert cached.stats.cache_hits == 9 and uncached.stats.cache_hits == 0
    small = Enricher(detect_language=False, cache_size=2)
    for text in texts:
        assert small.enrich_post({"text": text, "lang": "en"}) == cached.enrich_post(
            {"text": text, "lang": "en"}
        )
    assert len(small._cache) <= 2
