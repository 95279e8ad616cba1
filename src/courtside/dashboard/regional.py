"""Posts by country and region, from the lake (the regional graph).

Source: the delivered posts of ``raw/`` (fresh, with any place data a collector kept),
counted once per post id, since delivery is at-least-once; when ``raw/`` holds nothing
for the range (e.g. retention removed it), the de-duplicated ``tweets/`` zone (Parquet
or JSON lines). Only the day partitions inside the chosen range are read.

Each post's place, in order of preference:

1. place data on the post: ``geo.country_code``, ``geo.place.country_code`` or
   ``place.country_code`` (an ISO code), else ``geo.place.full_name`` /
   ``place.full_name`` read like a location. X's delivered posts carry only
   ``geo.place_id`` today, so this applies when a collector attaches the place object;
2. the author's profile ``location`` (the user in ``users`` whose id is ``author_id``;
   when none has that id, the first user), read by :func:`courtside.dashboard.regions.locate`.

DuckDB does the scanning and counts per distinct location string; the (small) set of
distinct strings is then mapped in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from courtside._duckdb import connect as duckdb_connect
from courtside.config import Settings
from courtside.dashboard.errors import NoDataError, SourceError
from courtside.dashboard.regions import Place, country_of_code, locate
from courtside.lake.tables import day_files, day_partitions

if TYPE_CHECKING:
    from courtside.lake.base import Lake

__all__ = ["CountryCount", "RegionalPosts", "lake_day_range", "posts_by_region", "HINT_NO_POSTS"]

HINT_NO_POSTS = (
    "Run `courtside demo` for sample data, or `courtside deliver` to land the posts of "
    "the tweets stream in the lake."
)
_COLUMNS = (
    "{'id': 'VARCHAR', 'author_id': 'VARCHAR', 'users': 'JSON', 'geo': 'JSON', 'place': 'JSON'}"
)
_JSON_READ = (
    f"read_json(?, format = 'newline_delimited', columns = {_COLUMNS}, ignore_errors = true)"
)
_PARQUET_COLUMNS = {
    "id": "CAST(id AS VARCHAR)",
    "author_id": "CAST(author_id AS VARCHAR)",
    "users": "CAST(to_json(users) AS JSON)",
    "geo": "CAST(to_json(geo) AS JSON)",
    "place": "CAST(to_json(place) AS JSON)",
}


def _parquet_read(con: Any, files: list[str]) -> str:
    """The Parquet files as the columns the query needs (NULL for any they lack)."""
    have = {
        str(row[0])
        for row in con.execute(
            "DESCRIBE SELECT * FROM read_parquet(?, union_by_name = true)", [files]
        ).fetchall()
    }
    cols = ", ".join(
        f"{expr if name in have else 'CAST(NULL AS JSON)'} AS {name}"
        for name, expr in _PARQUET_COLUMNS.items()
    )
    return f"(SELECT {cols} FROM read_parquet(?, union_by_name = true))"


_QUERY = """
WITH posts AS (
    SELECT *, list_filter(json_extract(users, '$[*]'),
                          lambda u: json_extract_string(u, '$.id') = author_id) AS authors
    FROM {source} WHERE id IS NOT NULL
),
one AS (
    SELECT id,
        coalesce(
            json_extract_string(geo, '$.country_code'),
            json_extract_string(geo, '$.place.country_code'),
            json_extract_string(place, '$.country_code')) AS place_code,
        coalesce(
            json_extract_string(geo, '$.place.full_name'),
            json_extract_string(place, '$.full_name')) AS place_name,
        CASE WHEN len(authors) > 0 THEN json_extract_string(authors[1], '$.location')
            ELSE json_extract_string(users, '$[0].location') END AS location
    FROM posts
),
dedup AS (
    SELECT id, any_value(place_code) AS place_code, any_value(place_name) AS place_name,
        any_value(location) AS location
    FROM one GROUP BY id
)
SELECT place_code, place_name, location, count(*) FROM dedup GROUP BY ALL
"""


@dataclass(frozen=True, slots=True)
class CountryCount:
    """Posts from one country."""

    region: str
    country_code: str
    country: str
    posts: int


@dataclass(frozen=True)
class RegionalPosts:
    """Posts by country (largest first), plus posts whose place is unknown."""

    countries: list[CountryCount]
    unknown: int
    total: int
    zone: str

    def regions(self) -> list[tuple[str, int]]:
        """Posts by region, largest first."""
        sums: dict[str, int] = defaultdict(int)
        for c in self.countries:
            sums[c.region] += c.posts
        return sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))


def _files(
    lake: Lake, zone: str, start: date | None, end: date | None, suffixes: tuple[str, ...]
) -> list[str]:
    return [lake.engine_url(o.key) for o in day_files(lake, zone, start, end, suffix=suffixes)]


def lake_day_range(settings: Settings) -> tuple[date, date] | None:
    """The first and last day partition of ``raw/`` and ``tweets/``, ``None`` when both
    are empty (the date filter's bounds before the warehouse has data)."""
    lake = settings.places.lake
    days = [d for zone in ("raw", "tweets") for d, _ in day_partitions(lake, zone)]
    return (min(days), max(days)) if days else None


def _place_of(code: str | None, name: str | None, location: str | None) -> Place | None:
    return country_of_code(code) or locate(name) or locate(location)


def posts_by_region(
    settings: Settings, start: date | None = None, end: date | None = None
) -> RegionalPosts:
    """Count distinct posts in ``[start, end]`` by the country and region they come from.

    Raises:
        NoDataError: no delivered posts in the range (with what to run).
        SourceError: the lake files cannot be read.
    """
    import duckdb

    lake = settings.places.lake
    raw = _files(lake, "raw", start, end, (".json", ".json.gz"))
    if raw:
        zone, source, files = "raw", _JSON_READ, raw
    else:
        parquet = _files(lake, "tweets", start, end, (".parquet",))
        jsons = _files(lake, "tweets", start, end, (".json", ".json.gz"))
        if parquet:
            zone, source, files = "tweets", "", parquet
        elif jsons:
            zone, source, files = "tweets", _JSON_READ, jsons
        else:
            raise NoDataError("no delivered posts in this date range", hint=HINT_NO_POSTS)
    con = duckdb_connect()
    try:
        lake.register_duckdb(con)
        source = source or _parquet_read(con, files)
        rows = con.execute(_QUERY.format(source=source), [files]).fetchall()
    except duckdb.Error as exc:
        raise SourceError(f"cannot read the {zone}/ zone: {str(exc)[:300]}") from None
    finally:
        con.close()
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    unknown = total = 0
    for code, name, location, posts in rows:
        n = int(posts)
        total += n
        place = _place_of(code, name, location)
        if place is None:
            unknown += n
        else:
            counts[(place.region, place.country_code, place.country)] += n
    countries = [CountryCount(r, cc, c, n) for (r, cc, c), n in counts.items()]
    countries.sort(key=lambda c: (-c.posts, c.country))
    return RegionalPosts(countries, unknown, total, zone)
