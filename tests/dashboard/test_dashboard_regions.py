"""Region mapping of user locations, and the regional counts read from the lake."""

from __future__ import annotations

from datetime import date

import dashboard_helpers as h
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from courtside.config import Settings
from courtside.dashboard import data
from courtside.dashboard.errors import NoDataError
from courtside.dashboard.regions import COUNTRIES, REGIONS, country_of_code, locate
from courtside.generate.vocab import LOCATIONS
from courtside.lake.layout import date_partition, object_name, write_atomic
from courtside.reference.players import PlayersTable


@pytest.mark.parametrize(("text", "code", "region"), LOCATIONS, ids=lambda v: repr(v)[:30])
def test_generator_locations(text: str, code: str, region: str) -> None:
    place = locate(text)
    if not code:
        assert place is None
    else:
        assert place is not None
        assert (place.country_code, place.region) == (code, region)


def test_player_profile_locations_are_their_team_cities() -> None:
    # The generator gives players their team's city ("Portland Trail", "Golden State").
    for team in PlayersTable.default().teams():
        place = locate(team.rsplit(" ", 1)[0])
        assert place is not None, team
        assert place.country_code == ("CA" if team.startswith("Toronto") else "US"), team


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Berlin, DE", "DE"),  # DE could be Delaware: the city decides
        ("Los Angeles, CA", "US"),  # CA could be Canada: the city decides
        ("Paris, TX", "US"),  # they disagree: the state written last wins
        ("Vancouver, BC", "CA"),
        ("LA", "US"),
        ("🇧🇷", "BR"),
        ("hoops fan 🇬🇧 living in Toronto", "GB"),
        ("New York Knicks fan", "US"),
        ("NYC | Brooklyn", "US"),
        ("Ciudad de México", "MX"),
        ("BELGRADE", "RS"),
        ("Köln / Deutschland", "DE"),
        ("Georgia", "US"),
        ("Tbilisi, Georgia", "US"),  # documented limitation: the US state comes first
    ],
)
def test_locate(text: str, code: str) -> None:
    place = locate(text)
    assert place is not None and place.country_code == code


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "everywhere",
        "Earth",
        "in your mentions",
        h.SCRIPT,
        h.IMG,
        h.LINK,
        "x" * 10_000,
    ],
)
def test_unknown_locations(text: str | None) -> None:
    assert locate(text) is None


def test_every_country_has_a_known_region() -> None:
    assert {region for _, region in COUNTRIES.values()} == set(REGIONS)
    assert country_of_code("uk") is not None and country_of_code("uk").country_code == "GB"
    assert country_of_code("ZZ") is None and country_of_code(None) is None


# -- from the lake -----------------------------------------------------------------------
def _by_country(found: data.RegionalPosts) -> dict[str, int]:
    return {c.country_code: c.posts for c in found.countries}


def test_posts_by_region_from_raw(settings: Settings) -> None:
    h.write_raw(settings)
    found = data.posts_by_region(settings, h.DAYS[0], h.DAYS[-1])
    # Post 1 was delivered twice and counts once; the line that is not JSON is skipped.
    assert (found.zone, found.total, found.unknown) == ("raw", 8, 2)
    assert _by_country(found) == {"US": 3, "FR": 2, "ES": 1}
    assert found.regions() == [("Europe", 3), ("North America", 3)]
    last_day = data.posts_by_region(settings, h.DAYS[2], h.DAYS[2])
    assert (_by_country(last_day), last_day.unknown) == ({"FR": 1, "ES": 1}, 2)
    with pytest.raises(NoDataError):
        data.posts_by_region(settings, date(2023, 1, 1), date(2023, 1, 31))


def test_place_data_wins_over_profile_location(settings: Settings) -> None:
    day = h.DAYS[0]
    lines = [
        h.delivered("p1", day, "Los Angeles, CA", geo={"place": {"country_code": "BR"}}),
        h.delivered("p2", day, "Los Angeles, CA", geo={"country_code": "jp"}),
        h.delivered("p3", day, None, place={"full_name": "Athens, Greece"}),
        h.delivered("p4", day, "Boston, MA", geo={"place_id": "01a9a39529b27f36"}),
        # Hostile shapes: users not a list, geo a string, author unknown.
        orjson.dumps({"id": "p5", "author_id": "zz", "users": {"a": 1}, "geo": "x"}) + b"\n",
    ]
    directory = settings.lake / "raw" / date_partition(day.year, day.month, day.day)
    write_atomic(directory / object_name("test", ".json"), lines)
    found = data.posts_by_region(settings, day, day)
    assert _by_country(found) == {"BR": 1, "JP": 1, "GR": 1, "US": 1}
    assert (found.total, found.unknown) == (5, 1)


def test_tweets_parquet_when_raw_is_empty(settings: Settings) -> None:
    user = pa.struct([("id", pa.string()), ("username", pa.string()), ("location", pa.string())])
    table = pa.table(
        {
            "id": ["t1", "t2", "t3"],
            "author_id": ["a1", "a2", "a3"],
            "users": pa.array(
                [
                    [{"id": "a1", "username": "x", "location": "Madrid, España"}],
                    [{"id": "a2", "username": "y", "location": "Tokyo, Japan"}],
                    [],
                ],
                pa.list_(user),
            ),
        }
    )
    directory = settings.lake / "tweets" / date_partition(2024, 5, 2)
    directory.mkdir(parents=True)
    pq.write_table(table, directory / "part-0.parquet")
    found = data.posts_by_region(settings, h.DAYS[0], h.DAYS[-1])
    assert found.zone == "tweets"
    assert (_by_country(found), found.unknown) == ({"ES": 1, "JP": 1}, 1)


def test_lake_day_range(settings: Settings) -> None:
    assert data.lake_day_range(settings) is None
    h.write_raw(settings)
    assert data.lake_day_range(settings) == (h.DAYS[0], h.DAYS[-1])
    (settings.lake / "tweets" / "year=2023" / "month=12" / "day=31").mkdir(parents=True)
    (settings.lake / "raw" / "year=2024" / "month=13" / "day=01").mkdir(parents=True)  # bad
    assert data.lake_day_range(settings) == (date(2023, 12, 31), h.DAYS[-1])
