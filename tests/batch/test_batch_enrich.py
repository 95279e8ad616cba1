"""The enrichment step of the de-duplication job: every written row gets the
``courtside.enrich`` columns, bad texts are ``unscored`` and counted, it can be turned
off, the crawler versions the table when the columns appear, and partitions written
before enrichment stay readable next to enriched ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from batch_helpers import delivered, output_rows, write_lines, write_raw

from courtside.batch.dedupe import run_dedupe
from courtside.batch.workflow import run_workflow
from courtside.catalog.query import open_duckdb
from courtside.catalog.store import Catalog
from courtside.config import Settings, load_settings
from courtside.enrich.arrow import ENRICH_COLUMNS
from courtside.enrich.core import Enricher
from courtside.generate.generator import GeneratorConfig
from courtside.runs import RunRecorder

DAY1, DAY2 = "year=2020/month=03/day=01", "year=2020/month=03/day=02"


def _post(post_id: str, day: str, text: Any, lang: Any = "en") -> bytes:
    year, month, d = (part.split("=")[1] for part in day.split("/"))
    row = {
        "id": post_id,
        "text": text,
        "lang": lang,
        "created_at": f"{year}-{month}-{d}T20:00:00.000Z",
        "year": year,
        "month": month,
        "day": d,
    }
    return orjson.dumps(row) + b"\n"


#: id -> (text as delivered, lang, the label and reason enrichment must give)
BAD: dict[str, tuple[Any, Any, str, str | None]] = {
    "empty": ("", "en", "unscored", "empty"),
    "spaces": ("   ", "en", "unscored", "empty"),
    "emoji": ("🔥🔥🐐😭", "en", "unscored", "emoji-only"),
    "cyrillic": ("Лука сегодня сыграл великолепно", "ru", "unscored", "non-english"),
    "japanese": ("今日の試合は最高でした", "ja", "unscored", "non-english"),
    "arabic": ("مباراة رائعة الليلة", "ar", "unscored", "non-english"),
    "long": ("great game " * 1000, "en", "unscored", "too-long"),
    "null": (None, "en", "unscored", "not-a-string"),
    "good": ("What a great win, love this team", "en", "positive", None),
    "bad": ("Awful refs, terrible loss", "en", "negative", None),
}


@pytest.mark.parametrize("fmt", ["parquet", "json"])
def test_bad_texts_are_unscored_with_a_reason_and_counted(settings: Settings, fmt: str) -> None:
    lines = [_post(pid, DAY1, text, lang) for pid, (text, lang, _, _) in BAD.items()]
    lines.append(b'{"id": "missing", "year": "2020", "month": "03", "day": "01"}\n')
    write_lines(settings.lake, DAY1, lines)

    result = run_dedupe(settings, format=fmt)

    assert result.enrich
    by_id = {r["id"]: r for r in _rows(settings.lake, fmt)}
    assert len(by_id) == len(BAD) + 1
    assert len(str(BAD["long"][0])) > 10_000
    for pid, (_, _, label, reason) in BAD.items():
        assert (by_id[pid]["sentiment_label"], by_id[pid]["sentiment_reason"]) == (label, reason)
    assert (by_id["missing"]["sentiment_label"], by_id["missing"]["sentiment_reason"]) == (
        "unscored",
        "not-a-string",
    )
    assert by_id["good"]["sentiment_score"] >= 0.05
    assert by_id["bad"]["sentiment_score"] <= -0.05
    assert by_id["emoji"]["sentiment_score"] is None  # unscored: no score, not a zero
    assert by_id["cyrillic"]["lang_detected"] == "ru"
    # The step's summary counts them, in the result and in the run record.
    assert result.enrichment["labels"] == {"negative": 1, "positive": 1, "unscored": 9}
    assert result.enrichment["unscored"] == {
        "emoji-only": 1,
        "empty": 2,
        "non-english": 3,
        "not-a-string": 2,
        "too-long": 1,
    }
    record = RunRecorder(settings).get(result.run_id)
    assert record is not None
    assert record.counts["enrich_unscored"] == 9
    assert record.counts["enrich_unscored_not_a_string"] == 2
    assert record.counts["enrich_unscored_emoji_only"] == 1
    assert record.details["enrichment"] == result.enrichment


def test_text_that_is_not_a_string_never_crashes_the_step(settings: Settings) -> None:
    # The curated text of a JSON number, list or object is its JSON text, as before; the
    # readers tell enrichment it was no string, so it is unscored / not-a-string like a
    # null text (tests/batch/test_dedupe_text_types.py has every JSON type, both engines).
    lines = [
        _post("number", DAY1, 42),
        _post("list", DAY1, ["great", "game"]),
        _post("object", DAY1, {"text": "great game"}),
        _post("null", DAY1, None),
        _post("good", DAY1, "great game"),
    ]
    write_lines(settings.lake, DAY1, lines)

    result = run_dedupe(settings)

    by_id = {r["id"]: r for r in output_rows(settings.lake)}
    assert set(by_id) == {"number", "list", "object", "null", "good"}
    assert by_id["number"]["text"] == "42"
    assert by_id["null"]["sentiment_reason"] == "not-a-string"
    enricher = Enricher()
    for pid in ("number", "list", "object", "null"):
        assert by_id[pid]["sentiment_reason"] == "not-a-string"
    good = by_id["good"]
    assert {c: good[c] for c in ENRICH_COLUMNS} == enricher.enrich_post(good).as_row()
    assert sum(result.enrichment["labels"].values()) == 5
    assert result.enrichment["unscored"] == {"not-a-string": 4}


def _rows(lake: Path, fmt: str) -> list[dict[str, Any]]:
    if fmt == "parquet":
        return output_rows(lake, fmt)
    files = sorted((lake / "tweets").glob("year=*/month=*/day=*/*.json"))
    return [orjson.loads(line) for f in files for line in f.read_bytes().splitlines()]


def _generated(count: int = 400, seed: int = 3) -> list[dict[str, Any]]:
    return delivered(GeneratorConfig(seed=seed, count=count, duplicate_rate=0.2, span_s=86400))


def test_rows_match_the_enricher_and_enriching_again_gives_the_same_rows(
    settings: Settings,
) -> None:
    rows = _generated()
    write_raw(settings.lake, rows[:200], per_file=50)
    run_dedupe(settings)
    write_raw(settings.lake, rows[200:], per_file=50)  # rewrites partitions: re-enriched
    run_dedupe(settings)
    out = output_rows(settings.lake)
    enricher = Enricher()
    for row in out:
        expected = enricher.enrich_post(row).as_row()
        assert {c: row[c] for c in ENRICH_COLUMNS} == expected
    assert {r["sentiment_label"] for r in out} >= {"positive", "negative"}

    rebuilt = run_dedupe(settings, reset_bookmark=True)
    assert rebuilt.rows_out == len(out)
    assert output_rows(settings.lake) == out


def test_enrichment_can_be_turned_off(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "courtside.toml").write_text("[batch]\nenrich = false\n")
    settings = load_settings(home=tmp_path / "home")
    from courtside.home import init_home

    init_home(settings)
    write_raw(settings.lake, _generated(100), per_file=50)

    result = run_dedupe(settings)

    assert not result.enrich and result.enrichment == {}
    out = output_rows(settings.lake)
    assert out and not set(ENRICH_COLUMNS) & set(out[0])
    record = RunRecorder(settings).get(result.run_id)
    assert record is not None
    assert not any(name.startswith("enrich_") for name in record.counts)
    # ... and on again for one run from the call.
    write_raw(settings.lake, _generated(50, seed=4), per_file=50)
    assert run_dedupe(settings, enrich=True).enrichment["labels"]


def test_crawler_versions_the_table_and_old_partitions_stay_readable(
    settings: Settings,
) -> None:
    write_lines(settings.lake, DAY1, [_post("old1", DAY1, "What a great win, love it")])
    run_workflow(settings, enrich=False, policy="update")
    catalog = Catalog.open(settings)
    before = catalog.get_table("twitter_nba_db", "tweets")
    assert not set(ENRICH_COLUMNS) & {c.name for c in before.columns}

    write_lines(settings.lake, DAY2, [_post("new1", DAY2, "Awful refs, terrible loss")])
    result = run_workflow(settings, policy="update")

    after = catalog.get_table("twitter_nba_db", "tweets")
    assert after.version == before.version + 1
    added = {c["name"] for c in result.crawl.schema_diff["added"]}
    assert added == set(ENRICH_COLUMNS)
    assert [c.name for c in after.columns][-len(ENRICH_COLUMNS) :] == list(ENRICH_COLUMNS)
    history = catalog.schema_changes("twitter_nba_db", "tweets")
    assert history[-1].applied
    # One partition without the columns, one with: both read through the catalog.
    conn = open_duckdb(settings, catalog=catalog)
    try:
        rows = conn.execute(
            "SELECT id, day, sentiment_label, hashtags FROM twitter_nba_db.tweets ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    assert rows == [("new1", "02", "negative", []), ("old1", "01", None, None)]


def test_the_log_policy_records_the_new_columns_without_applying_them(
    settings: Settings,
) -> None:
    write_lines(settings.lake, DAY1, [_post("old1", DAY1, "great")])
    run_workflow(settings, enrich=False)
    write_lines(settings.lake, DAY2, [_post("new1", DAY2, "awful")])
    result = run_workflow(settings)  # default policy: log
    assert not result.crawl.schema_applied
    history = Catalog.open(settings).schema_changes("twitter_nba_db", "tweets")
    assert {c["name"] for c in history[-1].diff["added"]} == set(ENRICH_COLUMNS)
    assert not history[-1].applied


def test_an_incremental_run_carries_existing_rows_enrichment_and_a_reset_redoes_it(
    settings: Settings,
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    write_lines(settings.lake, DAY1, [_post("old1", DAY1, "What a great win")])
    run_dedupe(settings)
    (path,) = (settings.lake / "tweets" / DAY1).glob("*.parquet")
    table = pq.read_table(path)
    index = table.schema.get_field_index("sentiment_label")
    marked = table.set_column(index, "sentiment_label", pa.array(["marker"], pa.string()))
    pq.write_table(marked, path)

    write_lines(settings.lake, DAY1, [_post("new1", DAY1, "Awful refs, terrible loss")])
    result = run_dedupe(settings)

    by_id = {r["id"]: r for r in output_rows(settings.lake)}
    assert by_id["old1"]["sentiment_label"] == "marker"  # carried, not computed again
    assert by_id["new1"]["sentiment_label"] == "negative"
    assert result.enrichment["labels"] == {"marker": 1, "negative": 1}
    run_dedupe(settings, reset_bookmark=True)
    assert {r["id"]: r["sentiment_label"] for r in output_rows(settings.lake)} == {
        "old1": "positive",
        "new1": "negative",
    }
