"""One bad name never blocks a day: values every warehouse cannot store unchanged are
rejected row by row with a reason, the same way for DuckDB, PostgreSQL and Redshift."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson
import pytest
from warehouse_helpers import rows, write_day

from cli_runner_helpers import Courtside
from courtside.config import Settings
from courtside.job.output import day_dir
from courtside.runs import RunRecorder
from courtside.warehouse.loader import load

D1, D2 = date(2020, 3, 1), date(2020, 3, 2)
GOOD = {
    "LeBron James": 3,
    "Nikola Jokić": 2,
    "Luka Dončić 🏀": 4,  # 4-byte UTF-8: fine everywhere
    "é" * 127 + "x": 1,  # 255 bytes: the limit
}
BAD = {  # player -> reason
    "Le\x00Bron": "player-nul",
    "\x00": "player-nul",
    "Tab\tName": "player-control-char",
    "Line\nBreak": "player-control-char",
    "Bell\x07": "player-control-char",
    "Esc\x1b[31mred": "player-control-char",
    "Del\x7f": "player-control-char",
    "Next\x85Line": "player-control-char",  # C1
    "é" * 128: "player-too-long",  # 128 characters but 256 bytes: too long for Redshift
    "x" * 256: "player-too-long",
}
RAW_LINES = {  # bytes of a line in an output file -> reason
    b'{"player": "Bad\\ud800Surrogate", "total": 1}': "unreadable-line",
    b'{"player": "Bad\xff\xfeUtf8", "total": 1}': "unreadable-line",
    b'{"player": "raw\x00nul", "total": 1}': "unreadable-line",
    b"[1, 2]": "unreadable-line",
    b'{"player": 42, "total": 1}': "unreadable-line",
    b'{"player": "Total Text", "total": "7"}': "unreadable-line",
    b'{"player": "Negative", "total": -1}': "bad-total",
    b'{"player": "Huge", "total": 2147483648}': "bad-total",
    b'{"player": null, "total": 1}': "missing-player",
}


def _write(settings: Settings, *, raw: bool) -> dict[str, int]:
    write_day(settings, D1, {**GOOD, **dict.fromkeys(BAD, 5)})
    write_day(settings, D2, {"Stephen Curry": 6})
    expected = {reason: 0 for reason in (*BAD.values(), *RAW_LINES.values())}
    for reason in BAD.values():
        expected[reason] += 1
    if raw:
        lines = [*RAW_LINES, orjson.dumps({"player": "Jayson Tatum", "total": 8})]
        (day_dir(settings.lake, D1) / "bad.json").write_bytes(b"\n".join(lines) + b"\n")
        for reason in RAW_LINES.values():
            expected[reason] += 1
    return {k: v for k, v in sorted(expected.items()) if v}


@pytest.mark.parametrize("raw", [False, True], ids=["bad-values", "bad-values-and-lines"])
def test_bad_names_are_rejected_the_rest_of_the_day_loads(
    target: tuple[str, Settings], raw: bool
) -> None:
    _, settings = target
    expected = _write(settings, raw=raw)
    outcome = load(settings)
    assert outcome.rejected_by_reason == expected
    assert outcome.rejected == sum(expected.values())
    loaded = {(r[2], r[3]): r[4] for r in rows(settings)}
    want = {(1, p): t for p, t in GOOD.items()} | {(2, "Stephen Curry"): 6}
    if raw:
        want[(1, "Jayson Tatum")] = 8
    assert loaded == want
    record = RunRecorder(settings).get(outcome.run_id or "")
    assert record is not None and record.counts["rejected"] == outcome.rejected
    assert record.details["rejected_by_reason"] == expected
    examples = record.details["rejected_examples"]
    assert examples and all("reason" in e for e in examples)
    assert all("\x00" not in str(e) and "\n" not in str(e) for e in examples)


def test_redshift_export_holds_exactly_the_rows_the_other_targets_load(
    settings: Settings, tmp_path: Path
) -> None:
    _write(settings, raw=True)
    outcome = load(settings, target="redshift", dry_run=True)
    assert outcome.export is not None
    exported = {
        (doc["day"], doc["player"]): doc["total"]
        for path in Path(outcome.export).rglob("*.json")
        for doc in map(orjson.loads, path.read_bytes().splitlines())
    }
    duck = load(settings)
    assert (duck.rejected_by_reason, duck.rows) == (outcome.rejected_by_reason, outcome.rows)
    assert exported == {(r[2], r[3]): r[4] for r in rows(settings)}
    for player in exported.values():
        assert isinstance(player, int)
    for path in Path(outcome.export).rglob("*.json"):
        text = path.read_bytes()
        text.decode("utf-8")  # valid UTF-8
        assert b"\\u0000" not in text and b"\x00" not in text
    # Only days with loadable rows are COPYed; every loaded day is replaced.
    sql = outcome.statements or ""
    assert sql.count("COPY playerstotaltweets") == 2


def test_the_command_reports_reasons_in_one_line(courtside: Courtside, settings: Settings) -> None:
    _write(settings, raw=True)
    proc = courtside("load", home=settings.home, text=True)
    flat = " ".join(proc.stderr.split())
    assert "row(s) rejected (bad-total: 2, missing-player: 1, player-control-char: 6" in flat
    assert "unreadable-line: 6); the other rows were loaded" in flat
