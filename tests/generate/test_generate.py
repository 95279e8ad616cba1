"""The generator: determinism, the shape of records, and every knob."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import orjson
import pytest

from courtside.errors import RecordError
from courtside.generate import Generator, GeneratorConfig, generate
from courtside.records import athletes, event_time_ms, loads, post_of, to_delivered
from courtside.reference.players import PlayersTable

START = datetime(2020, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def players() -> PlayersTable:
    return PlayersTable.default()


def test_same_seed_same_bytes_other_seed_other_bytes(players: PlayersTable) -> None:
    cfg = GeneratorConfig(
        seed=7,
        count=500,
        duplicate_rate=0.2,
        malformed_rate=0.05,
        tampering=3,
        late_rate=0.05,
        out_of_order_rate=0.1,
    )
    assert list(generate(cfg, players)) == list(generate(cfg, players))
    other = GeneratorConfig(seed=8, count=500)
    assert list(generate(other, players)) != list(generate(GeneratorConfig(count=500), players))


def test_records_follow_the_incoming_contract(players: PlayersTable) -> None:
    records = list(generate(GeneratorConfig(count=300, start=START, span_s=3600), players))
    assert len(records) == 300
    ids = set()
    for raw in records:
        rec = loads(raw)
        post = post_of(rec)
        assert set(post) >= {
            "id",
            "text",
            "author_id",
            "created_at",
            "lang",
            "entities",
            "context_annotations",
        }
        assert rec["matching_rules"][0]["tag"] == "nba tweets"
        assert rec["includes"]["users"][0]["id"] == post["author_id"]
        if players.by_account(rec["includes"]["users"][0]["username"]) is None:
            assert athletes(post), "every fan post names at least one player"
        for name in athletes(post):
            assert players.by_name(name) is not None
        for mention in post["entities"]["mentions"]:
            assert post["text"][mention["start"] : mention["end"]] == "@" + mention["username"]
        delivered = to_delivered(rec)
        assert (delivered["year"], delivered["month"]) == ("2020", "03")
        ids.add(post["id"])
    assert len(ids) == 300
    times = [event_time_ms(loads(r)) for r in records]
    assert min(times) >= START.timestamp() * 1000
    assert max(times) <= START.timestamp() * 1000 + 3600_000 + 60_000


def test_duplicates_re_deliver_earlier_records(players: PlayersTable) -> None:
    records = list(generate(GeneratorConfig(count=2000, duplicate_rate=0.3), players))
    counts = Counter(records)
    repeats = sum(n - 1 for n in counts.values())
    assert 0.25 * 2000 < repeats < 0.35 * 2000


def test_malformed_records_fail_the_contract(players: PlayersTable) -> None:
    gen = Generator(GeneratorConfig(count=400, malformed_rate=0.5), players)
    failures = 0
    for raw in gen:
        try:
            rec = loads(raw)
            to_delivered(rec)
            if len(raw) > 1024 * 1024:
                failures += 1
        except RecordError:
            failures += 1
    assert failures == gen.stats["malformed"] > 150


def test_out_of_order_and_late_records(players: PlayersTable) -> None:
    gen = Generator(
        GeneratorConfig(count=3000, span_s=3000, out_of_order_rate=0.1, late_rate=0.05), players
    )
    times = [event_time_ms(loads(r)) for r in gen]
    running_max, behind = 0, []
    for t in times:
        if t < running_max:
            behind.append(running_max - t)
        running_max = max(running_max, t)
    assert sum(1 for b in behind if b > 100_000) >= gen.stats["late"] * 0.9
    assert any(0 < b <= 20_000 for b in behind)


def test_tampering_scenarios(players: PlayersTable) -> None:
    gen = Generator(GeneratorConfig(count=1000, tampering=5, span_s=7200), players)
    posts = [loads(r) for r in gen]
    assert gen.stats["tampering_posts"] >= 10
    # Each burst: >=2 players of one team address one player of another, in one minute.
    bursts: dict[tuple[str, str, int], set[str]] = {}
    for rec in posts:
        post = post_of(rec)
        author = players.by_account(rec["includes"]["users"][0]["username"])
        names = athletes(post)
        if not author or len(names) != 1:
            continue
        target = players.by_name(names[0])
        assert target is not None
        if target.team != author.team:
            minute = event_time_ms(rec) // 60_000
            bursts.setdefault((author.team, target.name, minute), set()).add(author.name)
    assert sum(1 for senders in bursts.values() if len(senders) >= 2) >= 5


def test_legacy_shape(players: PlayersTable) -> None:
    for raw in generate(GeneratorConfig(count=50, legacy=True), players):
        rec = orjson.loads(raw)
        assert isinstance(rec["data"], list) and len(rec["data"]) == 1
        assert rec["event_time"] == event_time_ms({"data": rec["data"]})
        assert to_delivered(rec)["id"] == rec["data"][0]["id"]


@pytest.mark.parametrize(
    "field,value", [("duplicate_rate", 1.5), ("count", -1), ("span_s", 0), ("late_rate", -0.1)]
)
def test_bad_knobs_are_refused(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        GeneratorConfig(**{field: value})  # type: ignore[arg-type]
