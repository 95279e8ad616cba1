"""Strict validation of the daily job's parameters.

Every value that reaches a HiveQL file goes through here first: days are real calendar
dates given as digits only, names are lowercase identifiers, and a location is an
absolute path without quotes, backslashes or control characters. Anything else is
refused with a message that names the parameter, so ``2022'; DROP TABLE x; --`` or
``2022-02-30`` never reach an engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from courtside.job.errors import ParameterError

__all__ = [
    "DailyParams",
    "check_identifier",
    "check_location",
    "day_range",
    "parse_date",
    "parse_ymd",
]

# fullmatch and [0-9] (not \d): no trailing newline, no non-ASCII digits.
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_YEAR = re.compile(r"[0-9]{4}")
_MONTH_DAY = re.compile(r"[0-9]{1,2}")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,63}")
_UNSAFE_PATH = re.compile(r"['\"\\`$\x00-\x1f\x7f]")
_S3_LOCATION = re.compile(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9_.=/-]*)?")
MAX_RANGE_DAYS = 3660


def _shown(value: object) -> str:
    return repr(str(value)[:60])


def _real_date(year: int, month: int, day: int, given: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ParameterError(f"{given} is not a real date: {exc}") from None


def parse_date(text: str, what: str = "--date") -> date:
    """A ``YYYY-MM-DD`` string as a real date.

    Raises:
        ParameterError: for any other shape or an impossible date such as 2022-02-30.
    """
    match = _DATE.fullmatch(text) if isinstance(text, str) else None
    if not match:
        raise ParameterError(f"{what} must be a date like 2020-03-01, got {_shown(text)}")
    return _real_date(int(match[1]), int(match[2]), int(match[3]), f"{what} {text}")


def parse_ymd(year: str | int, month: str | int, day: str | int) -> date:
    """``--year --month --day`` as a real date (digits only: 2020, 3 or 03, 1 or 01).

    Raises:
        ParameterError: naming the first bad part.
    """
    parts = {"--year": str(year), "--month": str(month), "--day": str(day)}
    for name, value in parts.items():
        pattern = _YEAR if name == "--year" else _MONTH_DAY
        if not pattern.fullmatch(value):
            raise ParameterError(f"{name} must be digits only, got {_shown(value)}")
    y, m, d = (int(v) for v in parts.values())
    return _real_date(y, m, d, f"{y:04d}-{m:02d}-{d:02d}")


def day_range(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last`` inclusive.

    Raises:
        ParameterError: when ``last`` is before ``first`` or the range is over 10 years.
    """
    if last < first:
        raise ParameterError(f"--to {last} is before --from {first}")
    count = (last - first).days + 1
    if count > MAX_RANGE_DAYS:
        raise ParameterError(f"the range {first}..{last} has {count} days (at most 3660)")
    return [first + timedelta(days=i) for i in range(count)]


def check_identifier(value: str, what: str) -> str:
    """Return ``value`` if it is a lowercase SQL identifier (``[a-z_][a-z0-9_]*``).

    Raises:
        ParameterError: otherwise.
    """
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise ParameterError(
            f"{what} must be a lowercase identifier ([a-z_][a-z0-9_]*), got {_shown(value)}"
        )
    return value


def check_location(value: str | Path, what: str = "location") -> str:
    """Return ``value`` as a string if it is a location safe inside a SQL string literal:
    an absolute path (no quotes, backslashes, backticks, ``$`` or control characters) or
    an ``s3://bucket/prefix`` URL (letters, digits and ``_.=/-`` only).

    Raises:
        ParameterError: otherwise.
    """
    text = str(value)
    if text.startswith("s3://"):
        if _S3_LOCATION.fullmatch(text) and ".." not in text.split("/"):
            return text
    elif text.startswith("/") and not _UNSAFE_PATH.search(text) and ".." not in Path(text).parts:
        return text
    raise ParameterError(
        f"{what} must be an absolute path without quotes, backslashes, '$' or control "
        f"characters, or s3://bucket/prefix, got {_shown(text)}"
    )


@dataclass(frozen=True)
class DailyParams:
    """The validated parameters of one execution.

    Attributes:
        day: The day to compute.
        database: Catalog database of both tables.
        table: Output table (``players_total_tweets``).
        input_table: Input table (``tweets``).
        location: Output table location (the lake's ``players_total_tweets/``).
    """

    day: date
    database: str
    table: str
    input_table: str
    location: str

    def __post_init__(self) -> None:
        check_identifier(self.database, "database")
        check_identifier(self.table, "table")
        check_identifier(self.input_table, "input table")
        check_location(self.location)
        if not isinstance(self.day, date):
            raise ParameterError(f"day must be a date, got {_shown(self.day)}")

    def values(self) -> dict[str, str]:
        """The HiveQL parameters: ``DATABASE``, ``TABLE``, ``INPUT_TABLE``, ``LOCATION``,
        ``YEAR`` (4 digits), ``MONTH`` and ``DAY`` (2 digits)."""
        return {
            "DATABASE": self.database,
            "TABLE": self.table,
            "INPUT_TABLE": self.input_table,
            "LOCATION": self.location,
            "YEAR": f"{self.day.year:04d}",
            "MONTH": f"{self.day.month:02d}",
            "DAY": f"{self.day.day:02d}",
        }
