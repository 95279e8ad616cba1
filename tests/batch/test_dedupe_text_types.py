"""A raw post whose ``text`` is not a JSON string (a number, list, object, boolean, null)
is ``unscored`` / ``not-a-string`` on both engines, through the real dedupe job: the
readers tell enrichment the JSON type, the curated ``text`` stays what the reader always
made of it, the flag is never written, and the counts say how many."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from batch_helpers import output_rows, reset_names, write_lines

from courtside.batch.dedupe import run_dedupe
from courtside.batch.dedupe_sql import TEXT_IS_STRING
from courtside.batch.spark_dedupe import SparkEngine
from courtside.config import Settings, load_settings
from courtside.enrich.arrow import ENRICH_COLUMNS
from courtside.enrich.arrow import TEXT_IS_STRING as ENRICH_TEXT_IS_STRING
from courtside.enrich.core import Enricher
from courtside.home import init_home
from courtside.runs import RunRecorder

DAY = "year=2020/month=03/day=01"

#: id -> the raw line's ``text`` (bytes, as another tool might write it), and whether it
#: is a JSON string. A missing text is the line without the key.
TEXTS: dict[str, tuple[bytes | None, bool]] = {
    "string": (b'"What a great win, love this team"', True),
    "digits-string": (b'"123"', True),
    "json-looking-string": (b'"[\\"great\\", \\"game\\"]"', True),
    "int": (b"123", False),
    "negative": (b"-7", False),
    "float": (b"2.5", False),
    "list": (b'["great", "game"]', False),
    "object": (b'{"text": "great game"}', False),
    "true": (b"true", False),
    "false": (b"false", False),
    "null": (b"null", False),
    "missing": (None, False),
}
NOT_STRINGS = sum(1 for _, is_string in TEXTS.values() if not is_string)


def _line(post_id: str, text: bytes | None) -> bytes:
    body = b'{"id": "' + post_id.encode() + b'", "lang": "en"'
    if text is not None:
        body += b', "text": ' + text
    return body + b', "created_at": "2020-03-01T20:00:00.000Z"}\n'


def _lines(prefix: str = "") -> list[bytes]:
    return [_line(prefix + pid, text) for pid, (text, _) in TEXTS.items()]


def _rows(lake: Path, fmt: str) -> list[dict[str, Any]]:
    if fmt == "parquet":
        return output_rows(lake, fmt)
    files = sorted((lake / "tweets").glob("year=*/month=*/day=*/*.json"))
    rows = [orjson.loads(line) for f in files for line in f.read_bytes().splitlines()]
    return sorted(rows, key=lambda r: r["id"])


def _curated_text_today(raw: Path) -> dict[str, Any]:
    """``text`` as a plain VARCHAR read of the raw file gives it: the curated column must
    not change."""
    import duckdb

    conn = duckdb.connect()
    try:
        found = conn.execute(
            "SELECT id, text FROM read_json(?, format = 'newline_delimited',"
            " columns = {'id': 'VARCHAR', 'text': 'VARCHAR'})",
            [str(raw)],
        ).fetchall()
    finally:
        conn.close()
    return dict(found)


def _check(rows: list[dict[str, Any]], texts: dict[str, Any], prefix: str = "") -> None:
    by_id = {r["id"]: r for r in rows}
    enricher = Enricher()
    for pid, (_, is_string) in TEXTS.items():
        row = by_id[prefix + pid]
        assert TEXT_IS_STRING not in row
        assert row["text"] == texts[prefix + pid], pid
        if is_string:
            # A string is enriched exactly as the per-post API enriches the row.
            assert {c: row[c] for c in ENRICH_COLUMNS} == enricher.enrich_post(row).as_row()
        else:
            assert (row["sentiment_label"], row["sentiment_reason"]) == (
                "unscored",
                "not-a-string",
            ), pid
            assert row["sentiment_score"] is None
            assert row["hashtags"] == row["mentions"] == row["urls"] == []
    assert by_id[prefix + "string"]["sentiment_label"] == "positive"
    assert by_id[prefix + "digits-string"]["sentiment_label"] == "neutral"


def test_the_flag_has_one_name_in_the_batch_and_the_enrichment() -> None:
    assert TEXT_IS_STRING == ENRICH_TEXT_IS_STRING


@pytest.mark.parametrize("fmt", ["parquet", "json"])
def test_duckdb_labels_every_non_string_text_and_counts_them(settings: Settings, fmt: str) -> None:
    raw = write_lines(settings.lake, DAY, _lines())

    result = run_dedupe(settings, format=fmt)

    rows = _rows(settings.lake, fmt)
    assert len(rows) == len(TEXTS)
    texts = _curated_text_today(raw)
    assert texts["int"] == "123" and texts["list"] == '["great","game"]'
    assert texts["null"] is None and texts["missing"] is None
    _check(rows, texts)
    assert result.enrichment["unscored"]["not-a-string"] == NOT_STRINGS
    assert sum(result.enrichment["labels"].values()) == len(TEXTS)
    record = RunRecorder(settings).get(result.run_id)
    assert record is not None
    assert record.counts["enrich_unscored_not_a_string"] == NOT_STRINGS


@pytest.mark.parametrize("fmt", ["parquet", "json"])
def test_a_later_run_rewriting_the_partition_keeps_the_label(settings: Settings, fmt: str) -> None:
    raw = write_lines(settings.lake, DAY, _lines())
    run_dedupe(settings, format=fmt)
    # A new file in the same day: the job rewrites the partition with the existing rows
    # (carried on Parquet, enriched again from the curated text on JSON).
    write_lines(settings.lake, DAY, [_line("later", b'"awful refs, terrible loss"')])

    result = run_dedupe(settings, format=fmt)

    rows = _rows(settings.lake, fmt)
    assert len(rows) == len(TEXTS) + 1
    _check([r for r in rows if r["id"] != "later"], _curated_text_today(raw))
    assert {r["id"]: r for r in rows}["later"]["sentiment_label"] == "negative"
    assert result.enrichment["unscored"]["not-a-string"] == NOT_STRINGS


def test_a_file_split_for_a_bad_line_keeps_the_json_types(
    settings: Settings, tmp_path: Path
) -> None:
    # The bad line sends the file through the row splitter, whose cleaned file must keep
    # each text's JSON type for the reader.
    write_lines(settings.lake, DAY, [*_lines(), b'{"id": "bad", "text": "unclosed\n'])
    clean = tmp_path / "clean.json"
    clean.write_bytes(b"".join(_lines()))

    result = run_dedupe(settings)

    assert result.rows_rejected == 1
    _check(output_rows(settings.lake), _curated_text_today(clean))


def test_without_enrichment_the_curated_table_has_no_flag(settings: Settings) -> None:
    write_lines(settings.lake, DAY, _lines())

    run_dedupe(settings, enrich=False)

    rows = output_rows(settings.lake)
    assert len(rows) == len(TEXTS)
    assert TEXT_IS_STRING not in rows[0] and "sentiment_label" not in rows[0]
    assert {r["id"]: r["text"] for r in rows}["int"] == "123"


@pytest.mark.spark
def test_spark_labels_them_like_duckdb(tmp_path: Path, spark: Any) -> None:
    results = {}
    for engine in ("duckdb", "spark"):
        reset_names()
        cfg = load_settings(home=tmp_path / engine)
        init_home(cfg)
        write_lines(cfg.lake, DAY, _lines())
        write_lines(cfg.lake, DAY, [*_lines("s-"), b"[1]\n"])  # split for its bad line
        chosen = SparkEngine(spark) if engine == "spark" else "duckdb"
        first = run_dedupe(cfg, engine=chosen)
        write_lines(cfg.lake, DAY, [_line("later", b'"awful refs, terrible loss"')])
        second = run_dedupe(cfg, engine=chosen)  # rewrites the partition
        results[engine] = (first, second, output_rows(cfg.lake))

    d_first, d_second, d_rows = results["duckdb"]
    s_first, s_second, s_rows = results["spark"]
    texts = {r["id"]: r["text"] for r in d_rows}
    for prefix in ("", "s-"):
        _check(s_rows, texts, prefix)
        _check(d_rows, texts, prefix)
    # Spark's text of a list or an object is the same JSON text as DuckDB's.
    assert s_rows == d_rows
    for d, s in ((d_first, s_first), (d_second, s_second)):
        assert d.enrichment == s.enrichment
    assert s_first.enrichment["unscored"]["not-a-string"] == 2 * NOT_STRINGS
    assert s_second.enrichment["unscored"]["not-a-string"] == 2 * NOT_STRINGS
