"""The ``[quality]`` section and its validation against the catalog at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from quality_helpers import build_posts, checks

from courtside.catalog.store import Catalog
from courtside.config import Settings
from courtside.errors import ConfigError
from courtside.places import Places
from courtside.quality.config import QualitySettings, load_quality_file
from courtside.quality.errors import QualityConfigError
from courtside.quality.runner import run_checks
from courtside.quality.validate import validate_checks
from courtside.runs import RunRecorder


def test_every_check_type_loads_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "checks.toml"
    path.write_text(
        """
[quality]
examples = 2

[[quality.tables.tweets]]
check = "not_null"
column = "id"

[[quality.tables.tweets]]
check = "unique"
column = "id"
name = "one row per post"

[[quality.tables.tweets]]
check = "accepted_values"
column = "lang"
values = ["en", "es"]
severity = "warn"

[[quality.tables."twitter_nba_db.players_total_tweets"]]
check = "range"
column = "total"
min = 1

[[quality.tables."twitter_nba_db.players_total_tweets"]]
check = "row_count"
min = 10
max = 1000

[[quality.tables."twitter_nba_db.players_total_tweets"]]
check = "row_count_change"
max_change_pct = 50

[[quality.tables.tweets]]
check = "freshness"
column = "created_at"
max_age_h = 36
"""
    )
    cfg = load_quality_file(path)
    assert cfg.examples == 2
    labels = [c.label() for c in cfg.tables["tweets"]]
    assert labels == [
        "not_null:id",
        "one row per post",
        "accepted_values:lang",
        "freshness:created_at",
    ]
    assert cfg.tables["tweets"][2].severity == "warn"
    kinds = [c.check for c in cfg.tables["twitter_nba_db.players_total_tweets"]]
    assert kinds == ["range", "row_count", "row_count_change"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('check = "not_nul"\ncolumn = "id"', "quality.tables.t.0"),
        ('check = "range"\ncolumn = "x"', "needs min, max or both"),
        ('check = "range"\ncolumn = "x"\nmin = 5\nmax = 1', "greater than max"),
        ('check = "not_null"\ncolumn = "a b"', "quality.tables.t.0.not_null.column"),
        ('check = "row_count_change"\nmax_change_pct = -1', "max_change_pct"),
        ('check = "not_null"\ncolumn = "id"\ncolour = "red"', "colour"),
    ],
    ids=[
        "unknown-check",
        "range-without-bounds",
        "min-over-max",
        "bad-column",
        "bad-bound",
        "unknown-key",
    ],
)
def test_bad_check_entries_name_the_key(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "checks.toml"
    path.write_text(f"[[quality.tables.t]]\n{entry}\n")
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")) as err:
        load_quality_file(path)
    assert str(err.value).startswith("invalid config quality.tables")


def test_bad_table_names_are_refused() -> None:
    with pytest.raises(ValueError, match="invalid table name"):
        QualitySettings.model_validate({"tables": {"x; DROP": []}})


def test_the_settings_section_is_read_when_present(settings: Settings) -> None:
    assert settings.quality.tables == {}
    cfg = checks()
    assert settings.model_copy(update={"quality": cfg}).quality is cfg


@pytest.fixture
def ready(settings: Settings) -> tuple[Places, Catalog]:
    build_posts(settings)
    places = Places.for_home(settings.home)
    return places, Catalog(places.state("catalog.db"))


def test_a_check_on_a_missing_column_fails_at_start_up_before_any_check_runs(
    ready: tuple[Places, Catalog],
) -> None:
    places, catalog = ready
    cfg = checks(posts=[{"check": "not_null", "column": "idd"}])
    with pytest.raises(QualityConfigError) as err:
        run_checks(places, catalog, cfg)
    assert str(err.value) == (
        "quality checks: posts: check not_null:idd: column 'idd' does not exist "
        "(columns: id, lang, score, created_at, tags, year, month, day)"
    )
    assert RunRecorder(path=places.state("runs.db")).list(kind="quality") == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"check": "unique", "column": "tags"}, "column 'tags' is nested (array<string>)"),
        ({"check": "range", "column": "lang", "min": 1}, "numeric range on string column 'lang'"),
        (
            {"check": "freshness", "column": "score", "max_age_h": 1},
            "column 'score' (bigint) is not a time",
        ),
    ],
    ids=["unique-on-list", "numeric-range-on-text", "freshness-on-number"],
)
def test_checks_that_cannot_apply_to_a_column_fail_at_start_up(
    ready: tuple[Places, Catalog], entry: dict[str, object], message: str
) -> None:
    _, catalog = ready
    with pytest.raises(QualityConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_checks(checks(posts=[entry]), catalog)


def test_missing_tables_and_date_columns(settings: Settings, ready: tuple[Places, Catalog]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from courtside.catalog.crawler import crawl

    _, catalog = ready
    cfg = checks(later=[{"check": "not_null", "column": "x"}])
    with pytest.raises(QualityConfigError, match="later: no such table in the catalog"):
        validate_checks(cfg, catalog)
    # Before the pipeline's first crawl, tables not created yet are skipped, not refused.
    assert [name for name, _ in validate_checks(cfg, catalog, strict=False)] == ["posts"]
    folder = settings.lake / "flat"
    folder.mkdir()
    pq.write_table(pa.table({"v": [1]}), folder / "part-0.parquet")
    crawl(settings, "flat")
    flat = checks(flat=[{"check": "row_count_change", "max_change_pct": 5}])
    with pytest.raises(QualityConfigError, match="needs year/month/day columns; missing: year"):
        validate_checks(flat, catalog, "flat")
    with pytest.raises(QualityConfigError, match="no checks configured for table 'nope'"):
        validate_checks(flat, catalog, "nope")
