"""What generated posts say, by language and mood.

``{p}`` is the player the post is about (a name, or an @mention) and ``{q}`` a second
player. English phrases use words of VADER's lexicon ("amazing", "terrible"), so the
enrichment's sentiment follows the mood they were written in; the other languages carry
the same moods in their own words (the enrichment marks them as not scored unless its
model reads the language). Hashtags, URLs and cashtags are added by
:mod:`courtside.generate.texts`, never written here.
"""

from __future__ import annotations

__all__ = ["CASHTAG_PHRASES", "FAN", "LANGS", "MOODS", "PLAYER"]

#: Moods, in the order the generator draws them.
MOODS = ("positive", "negative", "neutral")

#: Languages of fans' posts (X v2 ``lang`` codes) and their shares.
LANGS: tuple[tuple[str, float], ...] = (
    ("en", 0.70),
    ("es", 0.10),
    ("fr", 0.05),
    ("pt", 0.05),
    ("de", 0.02),
    ("it", 0.02),
    ("ja", 0.02),
    ("tl", 0.02),
    ("und", 0.02),
)

_Phrases = dict[str, tuple[str, ...]]

#: Fans' posts: language -> mood -> phrases.
FAN: dict[str, _Phrases] = {
    "en": {
        "positive": (
            "What a game by {p} tonight! Absolutely amazing",
            "{p} is the best player in the league right now, no debate",
            "Love watching {p} play, pure joy",
            "{p} with the clutch shot!! Incredible, so happy right now",
            "So proud of {p}, great win",
            "{p} for MVP. Brilliant season",
            "{p} and {q} together would be awesome",
            "Just got my {p} jersey, love it",
            "{p} is a beast. Unreal talent, what a win",
            "Beautiful pass by {p}, this team is fun again",
        ),
        "negative": (
            "{p} was terrible tonight, awful shooting",
            "Worst game I have seen from {p} in years. So disappointing",
            "{p} needs to stop forcing shots, this is ugly",
            "Tired of the excuses, {p} is overrated",
            "Brutal loss. {p} looked lost out there",
            "{p} injured again?? This is so sad",
            "Horrible defense from {p} and {q} tonight, embarrassing",
            "Trade {p} already, I hate watching this",
        ),
        "neutral": (
            "{p} listed as questionable for tomorrow",
            "Trade rumors about {p} again",
            "{p} postgame press conference starting now",
            "Watching {p} highlights",
            "{p} and {q} in the same lineup tonight",
            "Who guards {p} in the fourth quarter?",
            "{p} has 18 points at the half",
            "nba twitter is wild tonight, {p} trending again",
        ),
    },
    "es": {
        "positive": (
            "¡Qué partidazo de {p}! Increíble",
            "{p} es el mejor jugador de la liga, sin duda",
            "Me encanta ver jugar a {p}",
            "{p} y {q} juntos serían espectaculares",
        ),
        "negative": (
            "Qué mal partido de {p}, horrible",
            "{p} estuvo fatal esta noche",
            "Decepcionante la derrota, {p} desaparecido",
        ),
        "neutral": (
            "{p} en el quinteto inicial de hoy",
            "Rumores de traspaso sobre {p} otra vez",
            "{p} lleva 20 puntos al descanso",
        ),
    },
    "fr": {
        "positive": (
            "Quel match de {p} ce soir, magnifique !",
            "{p} est incroyable, le meilleur de la ligue",
            "J'adore regarder {p} jouer",
        ),
        "negative": (
            "Match horrible de {p}, quelle déception",
            "{p} complètement à côté ce soir",
            "Défaite catastrophique, {p} et {q} invisibles",
        ),
        "neutral": (
            "{p} dans le cinq de départ ce soir",
            "Conférence de presse de {p} après le match",
        ),
    },
    "pt": {
        "positive": (
            "Que jogo do {p}! Sensacional",
            "{p} é o melhor da liga",
            "Adoro ver o {p} jogar",
        ),
        "negative": (
            "Jogo horrível do {p}, que decepção",
            "{p} muito mal hoje, que fase",
        ),
        "neutral": (
            "{p} no quinteto titular hoje",
            "Rumores de troca envolvendo {p}",
        ),
    },
    "de": {
        "positive": ("Was für ein Spiel von {p}! Unglaublich", "{p} ist einfach der Beste"),
        "negative": ("Schwaches Spiel von {p}, enttäuschend", "{p} heute leider furchtbar"),
        "neutral": ("{p} steht heute in der Startaufstellung",),
    },
    "it": {
        "positive": ("Che partita di {p}! Fantastico", "{p} è il migliore della lega"),
        "negative": ("Partita terribile di {p}, che delusione",),
        "neutral": ("{p} in quintetto stasera",),
    },
    "ja": {  # a space after the player: X reads "@nameすごい" as no mention at all
        "positive": ("{p} のプレー最高！", "{p} すごすぎる、今日のMVP"),
        "negative": ("{p} 今日は残念だった",),
        "neutral": ("{p} が今夜先発",),
    },
    "tl": {
        "positive": ("Ang galing ni {p}! Grabe", "Idol talaga si {p}"),
        "negative": ("Ang sama ng laro ni {p} ngayon",),
        "neutral": ("Maglalaro si {p} mamaya",),
    },
    "und": {
        "positive": ("{p} 🔥🔥🔥", "{p} 🐐🏀"),
        "negative": ("{p} 😭😭", "{p} 🤦‍♂️"),
        "neutral": ("{p} 👀", "🏀 {p}"),
    },
}

#: Players' own posts (English; ``{p}`` is a teammate, always an @mention).
PLAYER: _Phrases = {
    "positive": (
        "Big win tonight, proud of this group 💪",
        "Great team win, love this squad",
        "Appreciate all the love {p}! Blessed",
        "Happy birthday {p}! 🎂 Love you bro",
        "{p} you already know 👀 great game",
    ),
    "negative": (
        "Tough loss tonight. Not good enough, we will be better",
        "Frustrating night. On to the next one",
    ),
    "neutral": (
        "Back to work.",
        "{p} see you at practice",
        "Travel day ✈️",
        "Film session with {p}",
    ),
}

#: Rare posts with a cashtag (``{c}``, without ``$``), by cashtag.
CASHTAG_PHRASES: tuple[tuple[str, str], ...] = (
    ("NKE", "{p} signature shoe drops next week, watching ${c}"),
    ("DIS", "ESPN ratings for {p} games are huge, good for ${c}"),
    ("MSGS", "Knicks rumors about {p} again, ${c} moving"),
    ("UAA", "{p} sneakers everywhere, ${c} should be happy"),
)
