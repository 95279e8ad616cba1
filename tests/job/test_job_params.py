"""Parameter validation: real dates only, safe identifiers and locations."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from courtside.job.errors import ParameterError, QueryFileError
from courtside.job.hql import CREATE_TABLE_FILE, QUERY_FILE, load_query, render
from courtside.job.params import DailyParams, day_range, parse_date, parse_ymd

INJECTED = "2022'; DROP TABLE x; --"


def test_parse_date_accepts_real_dates() -> None:
    assert parse_date("2020-02-29") == date(2020, 2, 29)
    assert parse_ymd("2020", "3", "01") == date(2020, 3, 1)
    assert parse_ymd(2020, 12, 31) == date(2020, 12, 31)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2022-02-30", "not a real date"),
        ("2021-02-29", "not a real date"),
        ("2022-13-01", "not a real date"),
        (INJECTED, "must be a date like"),
        ("2022-1-1", "must be a date like"),
        (" 2022-01-01", "must be a date like"),
        ("2022-01-01\n", "must be a date like"),
        ("２０２２-01-01", "must be a date like"),
        ("", "must be a date like"),
    ],
)
def test_parse_date_refuses(text: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        parse_date(text)


@pytest.mark.parametrize(
    ("year", "month", "day", "message"),
    [
        (INJECTED, "3", "1", "--year must be digits only"),
        ("2022", "3 OR 1=1", "1", "--month must be digits only"),
        ("2022", "2", "30", "not a real date"),
        ("2022", "02", "-1", "--day must be digits only"),
        ("22", "02", "01", "--year must be digits only"),
    ],
)
def test_parse_ymd_refuses(year: str, month: str, day: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        parse_ymd(year, month, day)


@given(st.text(max_size=30))
def test_only_iso_dates_get_through(text: str) -> None:
    try:
        parsed = parse_date(text)
    except ParameterError:
        return
    assert parsed.isoformat() == text


def test_day_range() -> None:
    assert day_range(date(2020, 2, 28), date(2020, 3, 1)) == [
        date(2020, 2, 28),
        date(2020, 2, 29),
        date(2020, 3, 1),
    ]
    with pytest.raises(ParameterError, match="before"):
        day_range(date(2020, 3, 2), date(2020, 3, 1))
    with pytest.raises(ParameterError, match="at most"):
        day_range(date(2000, 1, 1), date(2020, 1, 1))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("database", "twitter_nba_db; DROP TABLE x", "database must be a lowercase identifier"),
        ("table", "Players", "table must be a lowercase identifier"),
        ("input_table", "tweets`", "input table must be a lowercase identifier"),
        ("location", "/lake/x'; DROP TABLE y; --", "location must be an absolute path"),
        ("location", "relative/path", "location must be an absolute path"),
        ("location", "/lake/../../etc", "location must be an absolute path"),
    ],
)
def test_daily_params_refuse_unsafe_values(field: str, value: str, message: str) -> None:
    values = {
        "day": date(2020, 3, 1),
        "database": "twitter_nba_db",
        "table": "players_total_tweets",
        "input_table": "tweets",
        "location": "/lake/players_total_tweets",
    }
    values[field] = value
    with pytest.raises(ParameterError, match=message):
        DailyParams(**values)  # type: ignore[arg-type]


def test_render_checks_every_value_again() -> None:
    good = DailyParams(
        date(2020, 3, 1), "db", "out", "tweets", "/lake/players_total_tweets"
    ).values()
    rendered = render(load_query(QUERY_FILE), good)
    assert "year = '2020'" in rendered and "month = '03'" in rendered and "${" not in rendered
    for name, bad in [("YEAR", INJECTED), ("MONTH", "13"), ("DAY", "1"), ("TABLE", "x y")]:
        with pytest.raises(ParameterError):
            render(load_query(QUERY_FILE), {**good, name: bad})
    with pytest.raises(QueryFileError, match="not given"):
        render(load_query(CREATE_TABLE_FILE), {"DATABASE": "db", "TABLE": "t"})
    with pytest.raises(QueryFileError, match="unknown parameter"):
        render("SELECT ${EVIL}", good)
