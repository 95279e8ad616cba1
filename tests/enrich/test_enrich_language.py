"""Source language tags and the offline detector."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from courtside.enrich.errors import EnrichDependencyError
from courtside.enrich.language import (
    DEFAULT_LANGUAGES,
    LanguageDetector,
    detection_text,
    normalize_tag,
    source_language,
)


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("en", "en"),
        ("EN", "en"),
        (" en ", "en"),
        ("en-GB", "en"),
        ("zh-Hant-TW", "zh"),
        ("pt_BR", "pt"),
        ("fil", "fil"),
        ("in", "id"),
        ("iw", "he"),
        ("und", None),
        ("zxx", None),
        ("qme", None),
        ("qaa", None),
        ("qtz", None),
        ("mul", None),
        ("", None),
        ("x", None),
        ("english", None),
        ("en--US", None),
        ("en-" + "a" * 40, None),
        (5, None),
        (None, None),
        (["en"], None),
    ],
)
def test_tags_are_normalised(tag: Any, code: str | None) -> None:
    assert normalize_tag(tag) == code


def test_source_language_reads_x_then_bluesky() -> None:
    assert source_language({"lang": "es", "langs": ["en"]}) == "es"
    assert source_language({"langs": ["ja", "en"]}) == "ja"
    assert source_language({"langs": []}) is None
    assert source_language({"langs": "en"}) is None
    assert source_language({"lang": "und", "langs": ["en"]}) is None
    assert source_language("en") is None


def test_detection_text_drops_urls_and_mentions_and_is_bounded() -> None:
    assert detection_text("@KingJames https://t.co/abc www.nba.com 🔥") == ""
    assert detection_text("#LakeShow rocks").split() == ["LakeShow", "rocks"]
    assert len(detection_text("word " * 5000)) == 1000


@pytest.fixture(scope="module", params=[True, False], ids=["low-accuracy", "high-accuracy"])
def detector(request: pytest.FixtureRequest) -> LanguageDetector:
    return LanguageDetector(low_accuracy=request.param)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("LeBron James with the monster dunk tonight, what a game", "en"),
        ("¡Qué partidazo de Luka esta noche! La defensa estuvo increíble", "es"),
        ("Quel match de Giannis ce soir, une performance magnifique", "fr"),
        ("Was für ein Spiel von Dennis Schröder heute Abend", "de"),
        ("Che partita di Gallinari stasera, incredibile", "it"),
        ("Grabe si Jordan Clarkson ang galing niya talaga sa laro", "tl"),
        ("ルカのプレーは最高でした", "ja"),
        ("오늘 경기 정말 대단했다", "ko"),
        ("Ο Γιάννης είναι απίστευτος απόψε", "el"),
    ],
)
def test_detector_finds_fans_languages(detector: LanguageDetector, text: str, code: str) -> None:
    assert detector.detect(text) == code


@pytest.mark.parametrize("text", ["", "🔥🔥", "123 456", "@KingJames https://t.co/x", "!!!"])
def test_detector_says_none_without_letters(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) is None


def test_detector_is_deterministic_and_bounded(detector: LanguageDetector) -> None:
    long_text = "What a fantastic game from the whole team tonight " * 250
    assert {detector.detect(long_text) for _ in range(3)} == {"en"}


def test_detector_settings_are_checked() -> None:
    assert "en" in DEFAULT_LANGUAGES
    with pytest.raises(ValueError, match="at least two"):
        LanguageDetector(["en"])
    with pytest.raises(ValueError, match="unknown ISO 639-1"):
        LanguageDetector(["en", "xx"])
    assert LanguageDetector(["EN", "es"]).languages == ("en", "es")


def test_missing_lingua_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "lingua", None)
    with pytest.raises(EnrichDependencyError, match="lingua-language-detector"):
        LanguageDetector()
