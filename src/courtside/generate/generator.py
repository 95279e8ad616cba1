"""The data generator (the original's ``data-gen`` script).

Produces realistic records in the X API v2 filtered-stream shape: posts by players and by
fans, @mentions, Athlete (domain 60) context annotations, hashtags, languages and user
locations; plus, on request, re-delivered duplicates, out-of-order and late records,
malformed records and tampering scenarios (several players of one team addressing one
player of another team within a minute). The same seed and options give the same bytes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

from courtside.generate import vocab
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


def _user_id(handle: str) -> str:
    # Stable numeric id per handle (FNV-1a), so the same user always has the same id.
    h = 0xCBF29CE484222325
    for b in handle.casefold().encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return str(10_000_000 + h % 1_500_000_000_000_000_000)


class Generator:
    """Iterates over generated records (bytes, one JSON document each)."""

    def __init__(self, config: GeneratorConfig, players: PlayersTable) -> None:
        if len(players) < 2 or len(players.teams()) < 2:
            raise ValueError("the generator needs players of at least two teams")
        self.config = config
        self.players = list(players)
        self.by_team: dict[str, list[Player]] = {}
        for p in self.players:
            self.by_team.setdefault(p.team, []).append(p)
        self.teams = sorted(self.by_team)
        self.rng = random.Random(config.seed)
        self._langs = [lang for lang, _ in vocab.LANGS]
        self._lang_weights = [w for _, w in vocab.LANGS]
        self._fans = [
            (f"{a}_{b}{n}", vocab.LOCATIONS[(i * 11 + n) % len(vocab.LOCATIONS)])
            for i, (a, b) in enumerate((a, b) for a in vocab.FAN_FIRST for b in vocab.FAN_SECOND)
            for n in (1, 23)
        ]
        self._seq = 0
        self.emitted = 0
        self.stats: dict[str, int] = {
            "posts": 0,
            "duplicates": 0,
            "malformed": 0,
            "out_of_order": 0,
            "late": 0,
            "tampering_posts": 0,
        }

    # -- building blocks -------------------------------------------------------------------
    def _player_user(self, p: Player) -> dict[str, object]:
        return {
            "id": _user_id(p.account),
            "name": p.name,
            "username": p.account,
            "location": f"{p.team.rsplit(' ', 1)[0]}",
            "description": f"{p.team} | NBA",
        }

    def _fan_user(self) -> dict[str, object]:
        handle, (loc, _cc, _region) = self.rng.choice(self._fans)
        user: dict[str, object] = {
            "id": _user_id(handle),
            "name": handle.replace("_", " ").title(),
            "username": handle,
            "description": "basketball fan",
        }
        if loc:
            user["location"] = loc
        return user

    def _post(
        self,
        ts_ms: int,
        author: dict[str, object],
        text: str,
        mentioned: list[Player],
        tags: list[str],
        event_ms: int,
    ) -> dict[str, object]:
        self._seq += 1
        post_id = str(((ts_ms - TWITTER_EPOCH_MS) << 22) | (self._seq & 0x3FFFFF))
        mentions, offset = [], 0
        for p in mentioned:
            at = text.find("@" + p.account, offset)
            if at >= 0:
                mentions.append(
                    {
                        "start": at,
                        "end": at + 1 + len(p.account),
                        "username": p.account,
                        "id": _user_id(p.account),
                    }
                )
                offset = at + 1
        hashtags = []
        for tag in tags:
            at = text.find("#" + tag)
            if at >= 0:
                hashtags.append({"start": at, "end": at + 1 + len(tag), "tag": tag})
        annotations: list[dict[str, object]] = [
            {
                "domain": {"id": "11", "name": "Sport", "description": "Types of sports"},
                "entity": {"id": "847900493514891265", "name": "Basketball"},
            },
        ]
        for p in mentioned:
            annotations.append(
                {
                    "domain": {
                        "id": "60",
                        "name": "Athlete",
                        "description": "An athlete in the world, like Serena Williams",
                    },
                    "entity": {"id": _user_id("entity:" + p.name), "name": p.name},
                }
            )
        lang = self.rng.choices(self._langs, self._lang_weights)[0]
        data: dict[str, object] = {
            "id": post_id,
            "text": text,
            "author_id": author["id"],
            "conversation_id": post_id,
            "created_at": iso_utc(event_ms),
            "lang": lang,
            "possibly_sensitive": False,
            "source": self.rng.choice(vocab.SOURCES),
            "context_annotations": annotations,
            "entities": {"mentions": mentions, "hashtags": hashtags},
        }
        users = [author] + [self._player_user(p) for p in mentioned]
        record: dict[str, object] = {
            "data": [data] if self.config.legacy else data,
            "includes": {"users": users},
            "matching_rules": [RULE],
        }
        if self.config.legacy:
            record["event_time"] = event_ms
        return record

    def _regular(self, ts_ms: int, event_ms: int) -> dict[str, object]:
        rng = self.rng
        if rng.random() < self.config.player_rate:
            author_p = rng.choice(self.players)
            author = self._player_user(author_p)
            other = rng.choice(self.by_team[author_p.team])
            template = rng.choice(vocab.PLAYER_TEMPLATES)
            tag = vocab.TEAM_TAGS.get(author_p.team, "NBA")
            mentioned = [other] if "{mention}" in template and other != author_p else []
            text = template.format(mention="@" + other.account, tag=tag)
            if not mentioned:
                text = text.replace("@" + other.account, "").strip()
        else:
            author = self._fan_user()
            p1, p2 = rng.sample(self.players, 2)
            template = rng.choice(vocab.FAN_TEMPLATES)
            tag = vocab.TEAM_TAGS.get(p1.team, "NBA")
            text = template.format(
                name=p1.name, mention="@" + p1.account, mention2="@" + p2.account, tag=tag
            )
            mentioned = [p1, p2] if "{mention2}" in template else [p1]
        tags = ["NBA", tag]
        return self._post(ts_ms, author, text, mentioned, tags, event_ms)

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
        for i, sender in enumerate(rng.sample(senders, n)):
            event = first + i * gap
            text = rng.choice(vocab.TAMPERING_TEMPLATES).format(mention="@" + target.account)
            out.append(self._post(event, self._player_user(sender), text, [target], ["NBA"], event))
        self.stats["tampering_posts"] += len(out)
        return out

    def _malformed(self, ts_ms: int, event_ms: int) -> bytes:
        kind = self.rng.choice(self.config.malformed_kinds)
        good = self._regular(ts_ms, event_ms)
        post = good["data"][0] if self.config.legacy else good["data"]  # type: ignore[index]
        assert isinstance(post, dict)
        if kind == "not-json":
            return orjson.dumps(good)[: self.rng.randint(10, 200)]
        if kind == "not-utf8":
            return orjson.dumps(good).replace(b"NBA", b"NB\xff\xfe", 1)
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
        cfg, rng = self.config, self.rng
        start_ms = int(cfg.start.timestamp() * 1000)
        step_ms = cfg.span_s * 1000 / max(cfg.count, 1)
        # Positions (by index) at which tampering scenarios start, spread over the span.
        scenario_at = sorted(rng.sample(range(cfg.count), min(cfg.tampering, cfg.count)))
        next_scenario = 0
        history: list[bytes] = []
        pending: list[bytes] = []
        i = 0
        while self.emitted < cfg.count:
            ts_ms = start_ms + int(i * step_ms)
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
                    yield self._malformed(ts_ms, event_ms)
                    continue
                roll -= cfg.malformed_rate
                if roll < cfg.out_of_order_rate:
                    event_ms -= rng.randint(1_000, 15_000)
                    self.stats["out_of_order"] += 1
                elif roll < cfg.out_of_order_rate + cfg.late_rate:
                    event_ms -= rng.randint(120_000, 600_000)
                    self.stats["late"] += 1
                event_ms = max(event_ms, TWITTER_EPOCH_MS + 1)
                out = orjson.dumps(self._regular(ts_ms, event_ms))
                self.stats["posts"] += 1
                history.append(out)
                if len(history) > 10_000:
                    del history[:5_000]
            self.emitted += 1
            yield out


def generate(config: GeneratorConfig, players: PlayersTable) -> Iterator[bytes]:
    """Generated records as JSON bytes (malformed ones included, by design)."""
    return iter(Generator(config, players))
