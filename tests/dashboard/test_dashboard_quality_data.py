"""The data-quality section's data on real files: latest profiles with histograms, null
share over days, schema versions with their differences, check results over time, and
the empty states of a fresh home."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from courtside.catalog.crawler import crawl
from courtside.catalog.store import Catalog
from courtside.config import Settings, load_settings
from courtside.dashboard import quality_data
from courtside.dashboard.quality_section import (
    checks_chart,
    histogram_chart,
    null_share_chart,
)
from courtside.lake.layout import write_atomic
from courtside.profile import run_profile
from courtside.quality.runner import run_checks
from courtside.schemas import SchemaRegistry

DAYS = (date(2020, 3, 1), date(2020, 3, 2))


def _write(lake: Path, day: date, rows: list[dict[str, Any]]) -> None:
    rel = f"tweets/year={day.year}/month={day.month:02d}/day={day.day:02d}/a.json"
    write_atomic(lake / rel, [orjson.dumps(r) + b"\n" for r in rows], durable=False)


@pytest.fixture
def quality_home(home: Path) -> Settings:
    settings = load_settings(
        home=home,
        quality={
            "tables": {
                "tweets": [
                    {"check": "not_null", "column": "lang"},
                    {"check": "range", "column": "likes", "min": 0, "severity": "warn"},
                ]
            }
        },
    )
    _write(
        settings.lake,
        DAYS[0],
        [{"id": str(i), "lang": "en", "likes": i * 10} for i in range(6)],
    )
    crawl(settings)
    _write(
        settings.lake,
        DAYS[1],
        [{"id": "9", "lang": None, "likes": -1, "bio": "new"}, {"id": "8", "lang": "es"}],
    )
    crawl(settings)  # a compatible change: column bio -> schema version 2
    places, catalog = settings.places, Catalog.open(settings)
    for day in DAYS:
        run_profile(places, catalog, "tweets", day=day)
        run_checks(places, catalog, settings.quality, day=day, now=datetime(2020, 3, 3, tzinfo=UTC))
    return settings


def test_latest_profile_of_each_table_with_histograms(quality_home: Settings) -> None:
    (view,) = quality_data.latest_profiles(quality_home)
    assert (view.table, view.day, view.scope, view.rows) == (
        "twitter_nba_db.tweets",
        DAYS[1],
        "day",
        2,
    )
    columns = {c["column"]: c for c in view.columns}
    assert columns["lang"]["nulls"] == 1 and columns["lang"]["null_share"] == "50.0%"
    assert columns["likes"]["min"] == "-1" and columns["likes"]["mean"] == "-1"
    assert columns["id"]["mean"] == ""  # not a number: blank, not None
    what, bins = view.histograms["likes"]
    assert what == "values" and sum(b["count"] for b in bins) == 1
    assert view.histograms["id"][0] == "lengths"
    spec = histogram_chart(bins, what).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert [r["count"] for r in spec["data"]["values"]] == [b["count"] for b in bins]


def test_null_share_over_days_keeps_columns_that_had_nulls(quality_home: Settings) -> None:
    rows = quality_data.null_share_rows(quality_home, "tweets")
    by_column: dict[str, list[tuple[str, float]]] = {}
    for r in rows:
        by_column.setdefault(r["column"], []).append((r["day"], r["null_share"]))
    assert by_column["lang"] == [("2020-03-01", 0.0), ("2020-03-02", 0.5)]
    assert by_column["likes"] == [("2020-03-01", 0.0), ("2020-03-02", 0.5)]
    assert "id" not in by_column  # never null: not drawn
    assert null_share_chart(rows).to_dict()["mark"]["type"] == "line"


def test_schema_versions_with_their_differences(quality_home: Settings) -> None:
    subjects = {s["subject"]: s for s in quality_data.schema_subjects(quality_home)}
    assert subjects["twitter_nba_db.tweets"]["versions"] == 2
    assert subjects["twitter_nba_db.tweets"]["compatibility"] == "FULL"
    changes = quality_data.schema_changes(quality_home, "twitter_nba_db.tweets")
    assert [(c["version"], c["field"], c["change"]) for c in changes] == [
        (2, "bio", "added"),
        (1, "", "first version"),
    ]
    assert changes[0]["note"] == "crawler"


def test_check_results_over_time(quality_home: Settings) -> None:
    rows = quality_data.check_results(quality_home)
    assert {(r["day"], r["check"], r["status"]) for r in rows} == {
        ("2020-03-01", "not_null:lang", "passed"),
        ("2020-03-01", "range:likes", "passed"),
        ("2020-03-02", "not_null:lang", "failed"),
        ("2020-03-02", "range:likes", "warned"),
    }
    assert rows[0]["day"] == "2020-03-02"  # newest run first
    assert all(isinstance(r["started_at"], str) and r["started_at"] for r in rows)
    values = checks_chart(rows).to_dict()["data"]["values"]
    assert sorted(v["status"] for v in values) == ["failed", "passed", "passed", "warned"]


def test_a_fresh_home_shows_empty_states_and_creates_nothing(settings: Settings) -> None:
    assert quality_data.latest_profiles(settings) == []
    assert quality_data.schema_subjects(settings) == []
    assert quality_data.check_results(settings) == []
    assert not (settings.state_dir / "schemas.db").exists()
    assert not (settings.state_dir / "runs.db").exists()
    # Once the registry exists, the built-in raw subject is listed.
    SchemaRegistry.at(settings.state_dir).latest("raw")
    (raw,) = quality_data.schema_subjects(settings)
    assert raw["subject"] == "raw" and raw["versions"] == 1


def _draw(home: str) -> None:
    """The section alone, as the dashboard script draws it (run by Streamlit's AppTest)."""
    from courtside.config import load_settings
    from courtside.dashboard.quality_section import quality_section

    quality_section(load_settings(home=home))


def test_the_section_draws_profiles_schemas_and_checks(
    quality_home: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_draw, args=(str(quality_home.home),), default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    assert [h.value for h in app.header] == ["Data quality"]
    assert [s.value for s in app.subheader] == [
        "Latest profiles",
        "Schema versions",
        "Check results over time",
    ]
    assert not app.error  # no part failed
    text = " ".join(m.value for m in app.markdown)
    assert r"**twitter\_nba\_db\.tweets** — day 2020-03-02, 2 rows" in text
    # Every table drew as it is (no fallback to text after a conversion error).
    assert not [r for r in caplog.records if r.name.startswith("courtside.dashboard")]
    # The histogram picker lists the profiled columns; picking one redraws without error.
    picker = app.selectbox(key="histogram_0")
    assert "likes" in picker.options
    picker.set_value("likes").run()
    assert not app.exception
    assert app.selectbox(key="schema_subject").options[0] == "raw"
