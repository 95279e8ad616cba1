"""Demo data that looks like the NBA: popularity tail, daily rhythm, games, languages,
moods and entities (issue 15), each checked from the records alone."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from courtside.enrich.api import enrich_post
from courtside.enrich.entities import entities_from_text
from courtside.enrich.language import LanguageDetector
from courtside.generate import Generator, GeneratorConfig, generate
from courtside.generate.rhythm import Timeline, eastern_offset_h, schedule
from courtside.records import athletes, event_time_ms, loads, post_of
from courtside.reference.players import Player, PlayersTable

ET = ZoneInfo("America/New_York")
START = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday, before daylight saving time starts


@pytest.fixture(scope="module")
def players() -> PlayersTable:
    return PlayersTable.default()


@pytest.fixture(scope="module")
def week(players: PlayersTable) -> tuple[Generator, list[dict[str, Any]]]:
    """A week of posts (with tampering, as the demo has), parsed."""
    gen = Generator(
        GeneratorConfig(seed=5, count=30_000, start=START, span_s=7 * 86_400, tampering=6),
        players,
    )
    return gen, [loads(r) for r in gen]


def _mentions_per_player(records: list[dict[str, Any]]) -> Counter[str]:
    return Counter(name for rec in records for name in athletes(post_of(rec)))


def test_stars_get_far_more_posts_than_bench_players(
    players: PlayersTable, week: tuple[Generator, list[dict[str, Any]]]
) -> None:
    _, records = week
    per_player = _mentions_per_player(records)
    ranked = [n for _, n in per_player.most_common()] + [0] * (len(players) - len(per_player))
    top_tenth = sum(ranked[: len(players) // 10])
    assert top_tenth > 0.5 * sum(ranked), "the top 10% of players get most of the posts"
    median = sorted(ranked)[len(ranked) // 2]
    assert ranked[0] > 20 * max(median, 1)
    # The stars of the season lead: LeBron James and Stephen Curry are the top two.
    assert {name for name, _ in per_player.most_common(2)} == {"LeBron James", "Stephen Curry"}


def test_a_roster_without_stars_still_has_a_heavy_tail() -> None:
    roster = PlayersTable(
        Player(f"p{t}_{k}", f"Player {t} {k}", f"Team {t}") for t in range(6) for k in range(15)
    )
    records = [loads(r) for r in generate(GeneratorConfig(count=6000, seed=1), roster)]
    ranked = [n for _, n in _mentions_per_player(records).most_common()]
    assert sum(ranked[:9]) > 0.45 * sum(ranked)


def _et_hour(ts_ms: int) -> int:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).astimezone(ET).hour


def test_volume_peaks_in_us_evening_game_hours(
    week: tuple[Generator, list[dict[str, Any]]],
) -> None:
    _, records = week
    by_hour = Counter(_et_hour(event_time_ms(rec)) for rec in records)
    evening = sum(by_hour[h] for h in range(19, 23)) / 4  # 19:00-23:00 ET
    morning = sum(by_hour[h] for h in range(6, 12)) / 6
    night = sum(by_hour[h] for h in range(3, 6)) / 3
    assert evening > 2.5 * morning and morning > night
    assert max(by_hour, key=by_hour.__getitem__) in range(19, 24)


def test_games_bring_spikes_and_posts_about_their_teams(
    players: PlayersTable, week: tuple[Generator, list[dict[str, Any]]]
) -> None:
    gen, records = week
    assert gen.stats["games"] >= 7 * 3
    team_of = {p.name: p.team for p in players}
    # Minute by minute: minutes around a final buzzer are busier than other minutes of
    # the same ET hours.
    finals = {g.end_ms // 60_000 + k for g in gen.games for k in range(-15, 30)}
    per_minute = Counter(event_time_ms(rec) // 60_000 for rec in records)
    evening_minutes = {m for m in per_minute if _et_hour(m * 60_000) in (21, 22)}
    near = [per_minute[m] for m in evening_minutes if m in finals]
    away = [per_minute[m] for m in evening_minutes if m not in finals]
    assert near and away and sum(near) / len(near) > 1.2 * sum(away) / len(away)
    # While a game is on, its two teams' players are talked about far more than before.
    posts = [
        (event_time_ms(rec), {team_of.get(n) for n in athletes(post_of(rec))}) for rec in records
    ]
    during = before = 0
    for game in gen.games:
        teams = {game.home, game.away}
        for t, about in posts:
            if not about & teams:
                continue
            if game.tip_ms <= t < game.end_ms:
                during += 1
            elif game.tip_ms - 6 * 3_600_000 <= t < game.tip_ms - 3_600_000:
                before += 1
    assert during > 1.5 * before


def test_languages_match_the_texts(week: tuple[Generator, list[dict[str, Any]]]) -> None:
    _, records = week
    posts = [post_of(rec) for rec in records]
    langs = Counter(post["lang"] for post in posts)
    assert {"en", "es", "fr", "pt", "de", "it", "ja"} <= set(langs)
    assert 0.6 < langs["en"] / len(posts) < 0.9
    detector = LanguageDetector(["en", "es", "fr", "pt", "de", "it"])
    for lang in ("es", "fr", "pt", "de", "it"):
        texts = [p["text"] for p in posts if p["lang"] == lang][:200]
        agree = sum(detector.detect(text) == lang for text in texts)
        assert agree > 0.6 * len(texts), lang
    assert all(
        any("\u3040" <= c <= "\u30ff" for c in p["text"]) for p in posts if p["lang"] == "ja"
    )


def test_english_posts_carry_every_mood(week: tuple[Generator, list[dict[str, Any]]]) -> None:
    _, records = week
    labels = Counter(
        enrich_post(post_of(rec)).sentiment_label
        for rec in records[:4000]
        if post_of(rec)["lang"] == "en"
    )
    scored = labels["positive"] + labels["negative"] + labels["neutral"]
    assert scored > 0.95 * sum(labels.values())
    for label in ("positive", "negative", "neutral"):
        assert labels[label] > 0.15 * scored, label


def test_entities_match_the_text_and_x_rules(
    week: tuple[Generator, list[dict[str, Any]]],
) -> None:
    _, records = week
    kinds: Counter[str] = Counter()
    for rec in records:
        post = post_of(rec)
        text, entities = post["text"], post["entities"]
        for kind, field, sign in (
            ("mentions", "username", "@"),
            ("hashtags", "tag", "#"),
            ("cashtags", "tag", "$"),
        ):
            for item in entities.get(kind, []):
                assert text[item["start"] : item["end"]] == sign + item[field], (kind, text)
                kinds[kind] += 1
        for item in entities.get("urls", []):
            assert text[item["start"] : item["end"]] == item["url"]
            assert item["expanded_url"].startswith("https://") and item["display_url"]
            kinds["urls"] += 1
        # The text parser (X's rules) finds exactly what the entities say.
        parsed = entities_from_text(text)
        assert list(parsed.hashtags) == [h["tag"] for h in entities["hashtags"]], text
        assert list(parsed.mentions) == [m["username"] for m in entities["mentions"]], text
        assert list(parsed.cashtags) == [c["tag"] for c in entities.get("cashtags", [])], text
        assert [] not in (entities.get("cashtags"), entities.get("urls")), "X omits empty lists"
        # Every @mentioned user is in includes.users, after the author.
        usernames = [u["username"] for u in rec["includes"]["users"][1:]]
        assert usernames == [m["username"] for m in entities["mentions"]]
    posts = len(records)
    assert kinds["hashtags"] > 0.5 * posts and kinds["mentions"] > 0.2 * posts
    assert 0.02 * posts < kinds["urls"] < 0.1 * posts
    assert 0 < kinds["cashtags"] < 0.01 * posts


def test_same_seed_same_games_whatever_the_count(players: PlayersTable) -> None:
    small = Generator(GeneratorConfig(seed=9, count=100, start=START, span_s=86_400), players)
    large = Generator(GeneratorConfig(seed=9, count=5000, start=START, span_s=86_400), players)
    other = Generator(GeneratorConfig(seed=10, count=100, start=START, span_s=86_400), players)
    assert small.games == large.games != other.games
    for game in small.games:
        assert game.home != game.winner or game.loser == game.away
        tip = datetime.fromtimestamp(game.tip_ms / 1000, tz=UTC).astimezone(ET)
        assert (tip.hour, tip.minute) >= (19, 0) and (tip.hour, tip.minute) <= (22, 30)
        assert 135 * 60_000 <= game.end_ms - game.tip_ms <= 165 * 60_000
    # No team plays twice on one day.
    by_day: dict[str, list[str]] = {}
    for game in schedule(9, players.teams(), int(START.timestamp() * 1000),
                         int((START + timedelta(days=10)).timestamp() * 1000)):  # fmt: skip
        day = datetime.fromtimestamp(game.tip_ms / 1000, tz=UTC).astimezone(ET).date()
        by_day.setdefault(day.isoformat(), []).extend([game.home, game.away])
    assert all(len(teams) == len(set(teams)) for teams in by_day.values())
    assert len(by_day) >= 10


def test_eastern_offset_follows_us_daylight_saving_time() -> None:
    moment = datetime(2019, 1, 1, 0, 30, tzinfo=UTC)
    while moment < datetime(2027, 1, 1, tzinfo=UTC):
        offset = moment.astimezone(ET).utcoffset()
        assert offset is not None
        assert eastern_offset_h(moment) * 3600 == offset.total_seconds(), moment
        moment += timedelta(hours=5, minutes=7)


def test_timeline_is_monotonic_inside_the_span_and_even_without_rhythm() -> None:
    start_ms = int(START.timestamp() * 1000)
    span_ms = 2 * 86_400_000
    games = schedule(1, ["A", "B", "C", "D"], start_ms, start_ms + span_ms)
    shaped = Timeline(start_ms, span_ms, 10_000, games)
    times = [shaped.at(i)[0] for i in range(10_000)]
    assert times == sorted(times) and start_ms <= times[0] and times[-1] < start_ms + span_ms
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert max(gaps) > 3 * min(gaps)  # shaped, not flat
    flat = Timeline(start_ms, span_ms, 10_000, games, rhythm=False)
    for i in (0, 1, 5000, 9999):
        assert abs(flat.at(i)[0] - (start_ms + i * span_ms // 10_000)) <= 1
    assert shaped.at(10)[0] == times[10]  # asking for an earlier post again is fine


def test_rhythm_off_spaces_posts_evenly(players: PlayersTable) -> None:
    cfg = GeneratorConfig(count=1000, start=START, span_s=86_400, rhythm=False)
    times = [event_time_ms(loads(r)) for r in generate(cfg, players)]
    gaps = {b - a for a, b in zip(times, times[1:], strict=False)}
    assert gaps <= {86_400, 86_401, 86_399}
