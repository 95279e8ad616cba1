"""Country and region from the free text users write as their profile location.

A small, deliberately conservative gazetteer: country names (English and local spellings),
ISO 3166 two-letter codes, US states and Canadian provinces (names and postal codes),
Australian states, NBA team cities and the larger cities fans write. Anything it does not
recognise is *unknown*, never guessed.

How :func:`locate` reads a location:

1. Flag emoji (two regional-indicator letters, e.g. 🇫🇷) name their country directly.
2. The text is folded (case and accents ignored: "São Paulo" = "sao paulo") and split
   into parts at commas, ``|``, ``/``, ``·`` and ``-`` surrounded by spaces.
3. Each part gives a set of candidate countries: a full name (country, state, province,
   city) gives one; a two-letter code may give two ("CA" is California, so the US, or
   Canada; "DE" is Delaware or Germany). A part that matches nothing is tried word by
   word from its start ("New York Knicks fan" -> "new york").
4. The answer is the country every matching part agrees on ("Berlin, DE" -> Germany;
   "Los Angeles, CA" -> United States), preferring the last part's order (the US
   convention "City, ST" puts the state code first in the candidates). When the parts
   disagree ("Paris, TX"), the last matching part wins (a country or state written
   after a city is the more specific hint).

Regions are continents as the generator uses them: North America, South America,
Europe, Asia, Africa, Oceania.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Place", "COUNTRIES", "REGIONS", "locate"]

REGIONS = ("North America", "South America", "Europe", "Asia", "Africa", "Oceania")
_NA, _SA, _EU, _AS, _AF, _OC = REGIONS

#: ISO code -> (English name, region).
COUNTRIES: dict[str, tuple[str, str]] = {
    "US": ("United States", _NA),
    "CA": ("Canada", _NA),
    "MX": ("Mexico", _NA),
    "PR": ("Puerto Rico", _NA),
    "DO": ("Dominican Republic", _NA),
    "CU": ("Cuba", _NA),
    "JM": ("Jamaica", _NA),
    "BS": ("Bahamas", _NA),
    "PA": ("Panama", _NA),
    "AR": ("Argentina", _SA),
    "BR": ("Brazil", _SA),
    "CL": ("Chile", _SA),
    "CO": ("Colombia", _SA),
    "PE": ("Peru", _SA),
    "UY": ("Uruguay", _SA),
    "VE": ("Venezuela", _SA),
    "ES": ("Spain", _EU),
    "FR": ("France", _EU),
    "GB": ("United Kingdom", _EU),
    "IE": ("Ireland", _EU),
    "DE": ("Germany", _EU),
    "IT": ("Italy", _EU),
    "PT": ("Portugal", _EU),
    "NL": ("Netherlands", _EU),
    "BE": ("Belgium", _EU),
    "CH": ("Switzerland", _EU),
    "AT": ("Austria", _EU),
    "SI": ("Slovenia", _EU),
    "HR": ("Croatia", _EU),
    "RS": ("Serbia", _EU),
    "BA": ("Bosnia and Herzegovina", _EU),
    "ME": ("Montenegro", _EU),
    "GR": ("Greece", _EU),
    "TR": ("Turkey", _EU),
    "LT": ("Lithuania", _EU),
    "LV": ("Latvia", _EU),
    "EE": ("Estonia", _EU),
    "PL": ("Poland", _EU),
    "CZ": ("Czechia", _EU),
    "SK": ("Slovakia", _EU),
    "HU": ("Hungary", _EU),
    "RO": ("Romania", _EU),
    "BG": ("Bulgaria", _EU),
    "UA": ("Ukraine", _EU),
    "RU": ("Russia", _EU),
    "SE": ("Sweden", _EU),
    "NO": ("Norway", _EU),
    "DK": ("Denmark", _EU),
    "FI": ("Finland", _EU),
    "IS": ("Iceland", _EU),
    "GE": ("Georgia", _EU),
    "PH": ("Philippines", _AS),
    "JP": ("Japan", _AS),
    "CN": ("China", _AS),
    "HK": ("Hong Kong", _AS),
    "TW": ("Taiwan", _AS),
    "KR": ("South Korea", _AS),
    "IN": ("India", _AS),
    "ID": ("Indonesia", _AS),
    "MY": ("Malaysia", _AS),
    "SG": ("Singapore", _AS),
    "TH": ("Thailand", _AS),
    "VN": ("Vietnam", _AS),
    "IL": ("Israel", _AS),
    "LB": ("Lebanon", _AS),
    "AE": ("United Arab Emirates", _AS),
    "SA": ("Saudi Arabia", _AS),
    "QA": ("Qatar", _AS),
    "NG": ("Nigeria", _AF),
    "SN": ("Senegal", _AF),
    "CM": ("Cameroon", _AF),
    "CD": ("DR Congo", _AF),
    "SS": ("South Sudan", _AF),
    "ZA": ("South Africa", _AF),
    "EG": ("Egypt", _AF),
    "MA": ("Morocco", _AF),
    "KE": ("Kenya", _AF),
    "GH": ("Ghana", _AF),
    "AO": ("Angola", _AF),
    "AU": ("Australia", _OC),
    "NZ": ("New Zealand", _OC),
}

# Other names of countries (folded).
_COUNTRY_ALIASES: dict[str, str] = {
    "usa": "US",
    "u.s.a.": "US",
    "u.s.a": "US",
    "u.s.": "US",
    "america": "US",
    "united states of america": "US",
    "estados unidos": "US",
    "etats-unis": "US",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "espana": "ES",
    "espanya": "ES",
    "deutschland": "DE",
    "italia": "IT",
    "brasil": "BR",
    "mexique": "MX",
    "méxico": "MX",
    "ellada": "GR",
    "hellas": "GR",
    "srbija": "RS",
    "slovenija": "SI",
    "hrvatska": "HR",
    "nederland": "NL",
    "holland": "NL",
    "the netherlands": "NL",
    "turkiye": "TR",
    "lietuva": "LT",
    "polska": "PL",
    "czech republic": "CZ",
    "nippon": "JP",
    "korea": "KR",
    "republic of korea": "KR",
    "pilipinas": "PH",
    "uae": "AE",
    "drc": "CD",
    "congo": "CD",
    "aotearoa": "NZ",
    "oz": "AU",
}

_US_STATES: dict[str, str] = {
    "AL": "alabama", "AK": "alaska", "AZ": "arizona", "AR": "arkansas",
    "CA": "california", "CO": "colorado", "CT": "connecticut", "DE": "delaware",
    "DC": "district of columbia", "FL": "florida", "GA": "georgia", "HI": "hawaii",
    "ID": "idaho", "IL": "illinois", "IN": "indiana", "IA": "iowa", "KS": "kansas",
    "KY": "kentucky", "LA": "louisiana", "ME": "maine", "MD": "maryland",
    "MA": "massachusetts", "MI": "michigan", "MN": "minnesota", "MS": "mississippi",
    "MO": "missouri", "MT": "montana", "NE": "nebraska", "NV": "nevada",
    "NH": "new hampshire", "NJ": "new jersey", "NM": "new mexico", "NY": "new york",
    "NC": "north carolina", "ND": "north dakota", "OH": "ohio", "OK": "oklahoma",
    "OR": "oregon", "PA": "pennsylvania", "RI": "rhode island", "SC": "south carolina",
    "SD": "south dakota", "TN": "tennessee", "TX": "texas", "UT": "utah", "VT": "vermont",
    "VA": "virginia", "WA": "washington", "WV": "west virginia", "WI": "wisconsin",
    "WY": "wyoming",
}  # fmt: skip
_CA_PROVINCES: dict[str, str] = {
    "AB": "alberta", "BC": "british columbia", "MB": "manitoba", "NB": "new brunswick",
    "NL": "newfoundland and labrador", "NS": "nova scotia", "ON": "ontario",
    "PE": "prince edward island", "QC": "quebec", "SK": "saskatchewan",
}  # fmt: skip
_AU_STATES = ("new south wales", "victoria", "queensland", "western australia", "tasmania")

# Cities (folded) -> country; NBA team cities first, then cities fans often write.
_CITIES: dict[str, str] = {
    **dict.fromkeys(
        (
            "atlanta", "boston", "brooklyn", "charlotte", "chicago", "cleveland", "dallas",
            "denver", "detroit", "golden state", "san francisco", "oakland", "houston",
            "indianapolis", "los angeles", "la", "l.a.", "memphis", "miami", "milwaukee",
            "minneapolis", "new orleans", "nola", "new york", "new york city", "nyc",
            "manhattan", "queens", "the bronx", "bronx", "oklahoma city", "okc", "orlando",
            "philadelphia", "philly", "phoenix", "portland", "sacramento", "san antonio",
            "salt lake city", "washington dc", "washington d.c.", "seattle", "las vegas",
            "san diego", "san jose", "austin", "baltimore", "st. louis", "st louis",
            "kansas city", "pittsburgh", "cincinnati", "columbus", "nashville", "louisville",
            "tampa", "jacksonville", "compton", "oakland", "harlem", "bay area", "socal",
        ),
        "US",
    ),
    **dict.fromkeys(
        ("toronto", "vancouver", "montreal", "ottawa", "calgary", "edmonton", "winnipeg"),
        "CA",
    ),
    **dict.fromkeys(("mexico city", "ciudad de mexico", "cdmx", "guadalajara", "monterrey"),
                    "MX"),
    **dict.fromkeys(("madrid", "barcelona", "valencia", "malaga", "sevilla"), "ES"),
    **dict.fromkeys(("paris", "lyon", "marseille", "nanterre"), "FR"),
    **dict.fromkeys(("london", "manchester", "birmingham", "glasgow"), "GB"),
    **dict.fromkeys(("berlin", "munich", "munchen", "hamburg", "frankfurt"), "DE"),
    **dict.fromkeys(("milano", "milan", "roma", "rome", "bologna", "torino"), "IT"),
    "ljubljana": "SI", "athens": "GR", "athina": "GR", "belgrade": "RS", "beograd": "RS",
    "zagreb": "HR", "kaunas": "LT", "vilnius": "LT", "istanbul": "TR", "lisbon": "PT",
    "lisboa": "PT", "amsterdam": "NL", "dublin": "IE", "tel aviv": "IL",
    "buenos aires": "AR", "sao paulo": "BR", "rio de janeiro": "BR",
    **dict.fromkeys(("manila", "quezon city", "cebu"), "PH"),
    **dict.fromkeys(("tokyo", "osaka"), "JP"),
    **dict.fromkeys(("beijing", "shanghai", "shenzhen", "guangzhou"), "CN"),
    "seoul": "KR", "taipei": "TW", "mumbai": "IN", "delhi": "IN", "jakarta": "ID",
    "lagos": "NG", "abuja": "NG", "dakar": "SN", "johannesburg": "ZA", "cairo": "EG",
    **dict.fromkeys(("sydney", "melbourne", "brisbane", "perth", "adelaide"), "AU"),
    "auckland": "NZ",
}  # fmt: skip

_SEPARATORS = re.compile(r"\s*(?:[,|/·•;]|\s-\s|\s–\s)\s*")
_JUNK = re.compile(r"[^\w\s.'&-]+")
_MAX_CHARS = 200
_MAX_WORDS = 4


@dataclass(frozen=True, slots=True)
class Place:
    """A recognised location."""

    country_code: str
    country: str
    region: str


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def _place(code: str) -> Place:
    name, region = COUNTRIES[code]
    return Place(code, name, region)


@lru_cache(maxsize=1)
def _names() -> dict[str, tuple[str, ...]]:
    """Folded full names -> candidate countries (cities, states, countries), the more
    likely first: "georgia" is the US state before the country."""
    names: dict[str, list[str]] = {}

    def add(name: str, code: str) -> None:
        codes = names.setdefault(_fold(name), [])
        if code not in codes:
            codes.append(code)

    for city, code in _CITIES.items():
        add(city, code)
    for state in _US_STATES.values():
        add(state, "US")
    for province in _CA_PROVINCES.values():
        add(province, "CA")
    for state in _AU_STATES:
        add(state, "AU")
    for code, (name, _region) in COUNTRIES.items():
        add(name, code)
    for alias, code in _COUNTRY_ALIASES.items():
        add(alias, code)
    return {name: tuple(codes) for name, codes in names.items()}


def _code_candidates(code: str) -> tuple[str, ...]:
    out: list[str] = []
    if code in _US_STATES:
        out.append("US")
    if code in _CA_PROVINCES:
        out.append("CA")
    if code in COUNTRIES and code not in out:
        out.append(code)
    if code == "UK":
        out.append("GB")
    return tuple(out)


def _part_candidates(part: str) -> tuple[str, ...]:
    cleaned = _JUNK.sub(" ", part)
    folded = _fold(cleaned).strip(" .-'&")
    if not folded:
        return ()
    compact = folded.replace(".", "")
    if len(compact) == 2 and compact.isalpha():
        return _code_candidates(compact.upper())
    names = _names()
    found = names.get(folded) or names.get(compact)
    if found:
        return found
    words = folded.split()
    for n in range(min(len(words), _MAX_WORDS), 0, -1):
        found = names.get(" ".join(words[:n]))
        if found and (n > 1 or len(words[0]) > 3):
            return found
    return ()


def _flag(text: str) -> str | None:
    letters = [ord(c) - 0x1F1E6 for c in text if 0x1F1E6 <= ord(c) <= 0x1F1FF]
    for i in range(0, len(letters) - 1, 2):
        code = chr(65 + letters[i]) + chr(65 + letters[i + 1])
        if code in COUNTRIES:
            return code
        if code == "UK":
            return "GB"
    return None


def locate(location: str | None) -> Place | None:
    """The country and region of a free-text location, ``None`` when unknown.

    Args:
        location: What a user wrote, e.g. ``"Los Angeles, CA"`` or ``"Madrid, España"``.

    Returns:
        The recognised place, or ``None`` for empty, unknown or contradictory text.
    """
    if not location or not isinstance(location, str):
        return None
    text = location[:_MAX_CHARS]
    flag = _flag(text)
    if flag is not None:
        return _place(flag)
    parts = [p for p in _SEPARATORS.split(text) if p.strip()]
    matched = [c for c in (_part_candidates(p) for p in parts) if c]
    if not matched:
        return None
    last = matched[-1]
    agreed = [code for code in last if all(code in cands for cands in matched)]
    return _place(agreed[0] if agreed else last[0])


def country_of_code(code: str | None) -> Place | None:
    """The place of an ISO 3166 two-letter country code (as in X place data)."""
    if not code or not isinstance(code, str):
        return None
    upper = code.strip().upper()
    if upper == "UK":
        upper = "GB"
    return _place(upper) if upper in COUNTRIES else None
