"""The data generator (the original's ``data-gen`` script).

Produces realistic records in the X API v2 filtered-stream shape: posts by players and by
fans, in several languages (``lang`` set to match), with moods a sentiment model reads,
@mentions, hashtags, sometimes links and rarely cashtags (with their ``entities``),
Athlete (domain 60) context annotations and user locations; plus, on request,
re-delivered duplicates, out-of-order and late records, malformed records and tampering
scenarios (several players of one team addressing one player of another team within a
minute).

The data looks like the NBA: stars get far more posts than bench players
(:mod:`~courtside.generate.cast`), the volume follows a daily rhythm peaking in US
evening game hours with spikes around a generated game schedule, and fans talk about the
teams playing (:mod:`~courtside.generate.rhythm`). The same seed and options give the
same bytes.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

from courtside.generate import phrases, vocab
from courtside.generate.cast import Cast
from courtside.generate.rhythm import Game, Timeline, schedule
from courtside.generate.texts import Phrase, Slot, compile_phrase, compose, link
from courtside.records import iso_utc
from courtside.reference.players import Player, PlayersTable

TWITTER_EPOCH_MS = 1288834974657
RULE = {"id": "1298318516463095809", "tag": "nba tweets"}
MALFORMED_KINDS = (
    "not-json",
    "not-utf8",
    "empty",
    "missing-created-at",
    "bad-created-at",
    "escaping-created-at",
    "data-not-object",
    "oversize",
)


@dataclass(frozen=True)
class GeneratorConfig:
    """Knobs of the generator. Rates are fractions of ``count`` in [0, 1].

    Attributes:
        seed: Random seed; the same config gives the same records.
        count: Number of records to emit (duplicates and malformed ones included).
        start: Event time of the first record (aware UTC).
        span_s: Event times spread evenly over this many seconds after ``start``.
        duplicate_rate: Records that re-deliver an earlier record byte for byte.
        out_of_order_rate: Records whose event time is moved back by 1-15 s (within the
            detector's default 20 s bound).
        late_rate: Records whose event time is moved back by 2-10 minutes.
        malformed_rate: Records that are broken in one of ``MALFORMED_KINDS``.
        tampering: Number of tampering scenarios to weave in.
        player_rate: Share of posts written by players (the rest by fans).
        legacy: Emit the original client's shape (``data`` as a one-element array and a
            top-level ``event_time`` in ms).
        rhythm: Spread posts by the daily rhythm and the game schedule; False spaces
            them evenly over the span.
    """

    seed: int = 42
    count: int = 1000
    start: datetime = datetime(2020, 3, 1, tzinfo=UTC)
    span_s: float = 86_400.0
    duplicate_rate: float = 0.0
    out_of_order_rate: float = 0.0
    late_rate: float = 0.0
    malformed_rate: float = 0.0
    tampering: int = 0
    player_rate: float = 0.3
    legacy: bool = False
    rhythm: bool = True
    malformed_kinds: tuple[str, ...] = field(default=MALFORMED_KINDS)

    def __post_init__(self) -> None:
        for name in (
            "duplicate_rate",
            "out_of_order_rate",
            "late_rate",
            "malformed_rate",
            "player_rate",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.count < 0:
            raise ValueError(f"count must be >= 0, got {self.count}")
        if self.span_s <= 0:
            raise ValueError(f"span_s must be > 0, got {self.span_s}")
        if self.start.tzinfo is None:
            raise ValueError("start must be timezone-aware (UTC)")
        unknown = set(self.malformed_kinds) - set(MALFORMED_KINDS)
        if unknown:
            raise ValueError(f"unknown malformed kinds: {sorted(unknown)}")


#: Share of fans' posts about a game in progress (or just over) when there is one.
GAME_FOCUS = 0.65
#: How a game's result tilts the mood of posts about its teams' players.
_WIN_LIFT = 0.25
_MENTION_RATE = 0.3
_URL_RATE = 0.06
_CASHTAG_RATE = 0.004
_TAG_RATE = 0.55
_TEAM_TAG_RATE = 0.4
_EXTRA_TAG_RATE = 0.12


def _compiled(table: dict[str, tuple[str, ...]]) -> dict[str, tuple[Phrase, ...]]:
    return {mood: tuple(compile_phrase(t) for t in texts) for mood, texts in table.items()}


_FAN = {lang: _compiled(table) for lang, table in phrases.FAN.items()}
_PLAYER = _compiled(phrases.PLAYER)
_PLAYER_ALONE = {m: tuple(p for p in ps if "p" not in p[1::2]) for m, ps in _PLAYER.items()}
_CASHTAGS = tuple((tag, compile_phrase(text)) for tag, text in phrases.CASHTAG_PHRASES)
_TAMPERING = tuple(compile_phrase(t) for t in vocab.TAMPERING_TEMPLATES)
_LANGS = tuple(lang for lang, _ in phrases.LANGS)
_LANG_CUM = tuple(sum(w for _, w in phrases.LANGS[: k + 1]) for k in range(len(phrases.LANGS)))


class Generator:
    """Iterates over generated records (bytes, one JSON document each)."""

    def __init__(self, config: GeneratorConfig, players: PlayersTable) -> None:
        if len(players) < 2 or len(players.teams()) < 2:
            raise ValueError("the generator needs players of at least two teams")
        self.config = config
        self.players = list(players)
        self.cast = Cast(self.players, config.seed)
        self.by_team = self.cast.by_team
        self.teams = sorted(self.by_team)
        self.rng = random.Random(config.seed)
        start_ms = int(config.start.timestamp() * 1000)
        span_ms = config.span_s * 1000
        self.games = schedule(config.seed, self.teams, start_ms, int(start_ms + span_ms))
        self.timeline = Timeline(start_ms, span_ms, config.count, self.games, rhythm=config.rhythm)
        self._fans = [
            self._fan_user(f"{a}_{b}{n}", vocab.LOCATIONS[(i * 11 + n) % len(vocab.LOCATIONS)][0])
            for i, (a, b) in enumerate((a, b) for a in vocab.FAN_FIRST for b in vocab.FAN_SECOND)
            for n in (1, 23)
        ]
        self._seq = 0
        self._hour = -1
        self._hour_prefix = ""
        self.emitted = 0
        self.stats: dict[str, int] = {
            "posts": 0,
            "duplicates": 0,
            "malformed": 0,
            "out_of_order": 0,
            "late": 0,
            "tampering_posts": 0,
            "games": len(self.games),
        }

    # -- building blocks -------------------------------------------------------------------
    def _fan_user(self, handle: str, location: str) -> dict[str, object]:
        user: dict[str, object] = {
            "id": self.cast.user_id(handle),
            "name": handle.replace("_", " ").title(),
            "username": handle,
            "description": "basketball fan",
        }
        if location:
            user["location"] = location
        return user

    def _created_at(self, ts_ms: int) -> str:
        # iso_utc once per hour of event time: the rest is arithmetic (UTC hours are
        # whole multiples of 3,600,000 ms since the epoch).
        hour, rest = divmod(ts_ms, 3_600_000)
        if hour != self._hour:
            self._hour, self._hour_prefix = hour, iso_utc(hour * 3_600_000)[:14]
        minute, rest = divmod(rest, 60_000)
        second, ms = divmod(rest, 1000)
        return f"{self._hour_prefix}{minute:02d}:{second:02d}.{ms:03d}Z"

    def _slot(self, p: Player, as_mention: bool) -> Slot:
        if as_mention:
            return "@" + p.account, (p.account, self.cast.user_id(p.account))
        return p.name, None

    def _mood(self, p: Player, lift: float, ts_ms: int) -> str:
        tilt = self.cast.mood[p] + self.cast.form(p, ts_ms // 86_400_000) + lift
        roll = self.rng.random()
        positive = 0.42 + tilt
        if roll < positive:
            return "positive"
        return "negative" if roll < positive + max(0.05, 0.22 - tilt) else "neutral"

    def _tags(self, team: str, mood: str, in_game: bool) -> list[str]:
        rng = self.rng
        tags = ["NBA"] if rng.random() < _TAG_RATE else []
        team_tag = vocab.TEAM_TAGS.get(team)
        if team_tag and rng.random() < _TEAM_TAG_RATE:
            tags.append(team_tag)
        if (in_game or mood == "positive") and rng.random() < _EXTRA_TAG_RATE:
            tags.append(rng.choice(vocab.EXTRA_TAGS))
        return tags

    def _post(
        self,
        ts_ms: int,
        event_ms: int,
        author: dict[str, object],
        text: str,
        entities: dict[str, list[dict[str, object]]],
        mentioned: list[Player],
        lang: str,
    ) -> dict[str, object]:
        self._seq += 1
        post_id = str(((ts_ms - TWITTER_EPOCH_MS) << 22) | (self._seq & 0x3FFFFF))
        data: dict[str, object] = {
            "id": post_id,
            "text": text,
            "author_id": author["id"],
            "conversation_id": post_id,
            "created_at": self._created_at(event_ms),
            "lang": lang,
            "possibly_sensitive": False,
            "source": self.rng.choice(vocab.SOURCES),
            "context_annotations": self.cast.annotations(mentioned),
            "entities": entities,
        }
        # Like X's expansions: the author, then each @mentioned user.
        users = [author]
        if entities["mentions"]:
            named = {m["username"] for m in entities["mentions"]}
            users += [self.cast.user(p) for p in mentioned if p.account in named]
        record: dict[str, object] = {
            "data": [data] if self.config.legacy else data,
            "includes": {"users": users},
            "matching_rules": [RULE],
        }
        if self.config.legacy:
            record["event_time"] = event_ms
        return record

    def _player_post(self, ts_ms: int, event_ms: int, bucket: int) -> dict[str, object]:
        rng, cast = self.rng, self.cast
        author = cast.pick(rng)
        teammate = cast.pick(rng, author.team)
        game = next(
            (g for g in self.timeline.active[bucket] if author.team in (g.home, g.away)), None
        )
        lift = 0.0 if game is None else (_WIN_LIFT if game.winner == author.team else -_WIN_LIFT)
        mood = self._mood(author, lift, ts_ms)
        if teammate == author:
            phrase = rng.choice(_PLAYER_ALONE[mood])
            mentioned = []
        else:
            phrase = rng.choice(_PLAYER[mood])
            mentioned = [teammate] if "p" in phrase[1::2] else []
        slots = {"p": self._slot(teammate, True)} if mentioned else {}
        tags = self._tags(author.team, mood, game is not None)
        text, entities = compose(phrase, slots, tags)
        return self._post(ts_ms, event_ms, cast.user(author), text, entities, mentioned, "en")

    def _fan_post(self, ts_ms: int, event_ms: int, bucket: int) -> dict[str, object]:
        rng, cast = self.rng, self.cast
        active = self.timeline.active[bucket]
        game: Game | None = None
        if active and rng.random() < GAME_FOCUS:
            game = rng.choice(active)
            p1 = cast.pick(rng, game.home if rng.random() < 0.5 else game.away)
            lift = _WIN_LIFT if game.winner == p1.team else -_WIN_LIFT
        else:
            p1, lift = cast.pick(rng), 0.0
        roll = rng.random()
        lang = _LANGS[min(bisect(_LANG_CUM, roll), len(_LANGS) - 1)]
        mood = self._mood(p1, lift, ts_ms)
        if rng.random() < _CASHTAG_RATE:
            tag, phrase = rng.choice(_CASHTAGS)
            lang, mood = "en", "neutral"
        else:
            tag, phrase = "", rng.choice(_FAN[lang][mood])
        mentioned = [p1]
        slots: dict[str, Slot] = {
            "p": self._slot(p1, rng.random() < _MENTION_RATE),
            "c": (tag, None),
        }
        if "q" in phrase[1::2]:
            p2 = cast.pick(rng)
            while p2 == p1:
                p2 = rng.choice(self.players)
            mentioned.append(p2)
            slots["q"] = self._slot(p2, rng.random() < _MENTION_RATE)
        tags = self._tags(p1.team, mood, game is not None)
        url = link(rng.getrandbits(60)) if rng.random() < _URL_RATE else None
        text, entities = compose(phrase, slots, tags, url)
        author = rng.choice(self._fans)
        return self._post(ts_ms, event_ms, author, text, entities, mentioned, lang)

    def _regular(self, ts_ms: int, event_ms: int, bucket: int = 0) -> dict[str, object]:
        if self.rng.random() < self.config.player_rate:
            return self._player_post(ts_ms, event_ms, bucket)
        return self._fan_post(ts_ms, event_ms, bucket)

    def _tampering(self, ts_ms: int) -> list[dict[str, object]]:
        rng = self.rng
        team, other = rng.sample(self.teams, 2)
        target = rng.choice(self.by_team[other])
        senders = self.by_team[team]
        n = min(len(senders), rng.randint(2, 4))
        # All inside one epoch-aligned 60 s window, in order, starting now: a burst that
        # never jumps ahead of the surrounding posts by more than a few seconds.
        window_end = ts_ms - ts_ms % 60_000 + 60_000
        first = ts_ms
        gap = min(5_000, (window_end - 1 - first) // n)
        if gap < 1_000:
            first, gap = window_end + 500, 2_000
        out = []
        slots = {"p": self._slot(target, True)}
        for i, sender in enumerate(rng.sample(senders, n)):
            event = first + i * gap
            text, entities = compose(rng.choice(_TAMPERING), slots)
            user = self.cast.user(sender)
            out.append(self._post(event, event, user, text, entities, [target], "en"))
        self.stats["tampering_posts"] += len(out)
        return out

    def _malformed(self, ts_ms: int, event_ms: int, bucket: int) -> bytes:
        kind = self.rng.choice(self.config.malformed_kinds)
        good = self._regular(ts_ms, event_ms, bucket)
        post = good["data"][0] if self.config.legacy else good["data"]  # type: ignore[index]
        assert isinstance(post, dict)
        if kind == "not-json":
            return orjson.dumps(good)[: self.rng.randint(10, 200)]
        if kind == "not-utf8":
            return orjson.dumps(good).replace(b'"text":"', b'"text":"\xff\xfe', 1)
        if kind == "empty":
            return b""
        if kind == "missing-created-at":
            post.pop("created_at")
        elif kind == "bad-created-at":
            post["created_at"] = "yesterday at noon"
        elif kind == "escaping-created-at":
            post["created_at"] = "../../../etc/passwd"
        elif kind == "data-not-object":
            good["data"] = "not a post"
        elif kind == "oversize":
            post["text"] = "x" * (1024 * 1024 + 10)
        return orjson.dumps(good)

    # -- the stream ------------------------------------------------------------------------
    def __iter__(self) -> Iterator[bytes]:
        cfg, rng, timeline = self.config, self.rng, self.timeline
        # Positions (by index) at which tampering scenarios start, spread over the span.
        scenario_at = sorted(rng.sample(range(cfg.count), min(cfg.tampering, cfg.count)))
        next_scenario = 0
        history: list[bytes] = []
        pending: list[bytes] = []
        i = 0
        while self.emitted < cfg.count:
            ts_ms, bucket = timeline.at(i)
            if pending:
                out = pending.pop(0)
            elif next_scenario < len(scenario_at) and i >= scenario_at[next_scenario]:
                next_scenario += 1
                pending = [orjson.dumps(r) for r in self._tampering(ts_ms)]
                history.extend(pending)
                self.stats["posts"] += len(pending)
                continue
            else:
                i += 1
                roll = rng.random()
                event_ms = ts_ms
                if roll < cfg.duplicate_rate and history:
                    self.stats["duplicates"] += 1
                    out = history[rng.randrange(max(0, len(history) - 5000), len(history))]
                    self.emitted += 1
                    yield out
                    continue
                roll -= cfg.duplicate_rate
                if roll < cfg.malformed_rate:
                    self.stats["malformed"] += 1
                    self.emitted += 1
                    yield self._malformed(ts_ms, event_ms, bucket)
                    continue
                roll -= cfg.malformed_rate
                if roll < cfg.out_of_order_rate:
                    event_ms -= rng.randint(1_000, 15_000)
                    self.stats["out_of_order"] += 1
                elif roll < cfg.out_of_order_rate + cfg.late_rate:
                    event_ms -= rng.randint(120_000, 600_000)
                    self.stats["late"] += 1
                event_ms = max(event_ms, TWITTER_EPOCH_MS + 1)
                out = orjson.dumps(self._regular(ts_ms, event_ms, bucket))
                self.stats["posts"] += 1
                history.append(out)
                if len(history) > 10_000:
                    del history[:5_000]
            self.emitted += 1
            yield out


def generate(config: GeneratorConfig, players: PlayersTable) -> Iterator[bytes]:
    """Generated records as JSON bytes (malformed ones included, by design)."""
    return iter(Generator(config, players))
