"""A seeded corpus that exercises every VADER rule (and realistic NBA-post texts).

Texts mix lexicon words, boosters and dampeners (any case), negations, "no", "least",
"but", "kind of", the idioms VADER special-cases, emoticons, emoji (next to words and
spaces), punctuation runs, mentions, hashtags, URLs, other scripts and odd whitespace.
"""

from __future__ import annotations

import random
from typing import Any

FILLER = (
    "the game tonight was wild and the crowd stayed loud until the buzzer",
    "LeBron James dropped 40 again",
    "Luka to Kyrie for three",
    "refs missed that call",
    "trade deadline rumours all week",
)
OTHER_SCRIPTS = (
    "ルカのプレーは最高でした",
    "勇士队今天赢了",
    "Яннис сегодня великолепен",
    "كرة السلة رائعة الليلة",
    "Ο Γιάννης είναι απίστευτος",
    "오늘 경기 정말 대단했다",
    "aujourd'hui c'était génial, quel match",
    "¡qué partidazo de Luka! increíble",
    "nossa que jogo incrível",
)
SPECIAL = ("the shit", "the bomb", "bad ass", "yeah right", "kiss of death", "to die for")
STRUCTURE = ("no", "not", "never", "without", "doubt", "least", "at", "very", "but", "BUT")
STRUCTURE += ("kind", "of", "sort", "so", "this", "or", "nor", "isn't", "don't", "n't")
EMOTICONS = (":)", ":(", ":D", ":-)", ";)", "<3", ":'(", "xD", ":P", "=D")
PUNCT = ("!", "!!", "!!!!!", "?", "??", "???", "?!?!", ".", ",", "...", "'", '"', "(", ")")
SPACES = (" ", " ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u3000")


def vocabulary(analyzer: Any) -> dict[str, list[str]]:
    """Word pools taken from the installed VADER's own tables."""
    from vaderSentiment import vaderSentiment as vs

    emojis = [k for k in analyzer.emojis if len(k) == 1]
    return {
        "lexicon": sorted(analyzer.lexicon),
        "booster": sorted(vs.BOOSTER_DICT),
        "negate": sorted(vs.NEGATE),
        "emoji": sorted(emojis),
        "multi_emoji": sorted(k for k in analyzer.emojis if len(k) > 1),
    }


def _case(rng: random.Random, word: str) -> str:
    roll = rng.random()
    if roll < 0.15:
        return word.upper()
    if roll < 0.25:
        return word.capitalize()
    return word


def _token(rng: random.Random, pools: dict[str, list[str]]) -> str:
    roll = rng.random()
    if roll < 0.30:
        word = _case(rng, rng.choice(pools["lexicon"]))
    elif roll < 0.40:
        word = _case(rng, rng.choice(pools["booster"]))
    elif roll < 0.47:
        word = _case(rng, rng.choice(pools["negate"]))
    elif roll < 0.57:
        word = _case(rng, rng.choice(STRUCTURE))
    elif roll < 0.60:
        word = _case(rng, rng.choice(SPECIAL))
    elif roll < 0.66:
        word = rng.choice(pools["emoji"]) * rng.randint(1, 3)
    elif roll < 0.68:
        word = rng.choice(pools["multi_emoji"])
    elif roll < 0.72:
        word = rng.choice(EMOTICONS)
    elif roll < 0.76:
        word = rng.choice(("@KingJames", "@luka7doncic", "#LakeShow", "#MFFL", "$NKE"))
    elif roll < 0.78:
        word = "https://t.co/" + "".join(rng.choices("abcdefXYZ0123", k=10))
    elif roll < 0.82:
        word = rng.choice(OTHER_SCRIPTS)
    else:
        word = _case(rng, rng.choice(FILLER).split(" ")[rng.randint(0, 3)])
    if rng.random() < 0.2:
        word = rng.choice(PUNCT) + word
    if rng.random() < 0.3:
        word += rng.choice(PUNCT)
    return word


def vader_corpus(analyzer: Any, count: int, seed: int = 15) -> list[str]:
    """``count`` texts of 0 to 60 tokens (plus a few long and degenerate ones)."""
    rng = random.Random(seed)
    pools = vocabulary(analyzer)
    texts = ["", " ", "!!!", "but", "no", "kind of", "BUT but", "🔥", " 🔥🔥 ", "a🔥b", "no no no"]
    for _ in range(count - len(texts)):
        length = rng.choice((1, 2, 3, 5, 8, 12, 20, 30, 60))
        parts = []
        for _ in range(length):
            parts.append(_token(rng, pools))
            parts.append(rng.choice(SPACES) if rng.random() < 0.9 else "")
        texts.append("".join(parts))
    return texts
