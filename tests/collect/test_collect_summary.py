"""What ``courtside collect`` prints says what each figure is, and the synthetic
collector's defaults make the detector alert (as ``courtside up`` runs it)."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

import courtside.collect
from cli_runner_helpers import Courtside
from courtside.collect.base import CollectReport
from courtside.collect.service import run_collector
from courtside.collect.summary import describe, summary_lines
from courtside.collect.synthetic import SyntheticCollector
from courtside.config import Settings
from courtside.detect.embedded import run_embedded
from courtside.home import open_stream
from courtside.records import event_time_ms, loads
from courtside.reference.players import load_players


def _counted_keys() -> list[tuple[str, str]]:
    """Every key a collector passes to ``.count(...)``: literal strings, and for
    f-strings their fixed prefix plus ``SAMPLE``."""
    keys = []
    for path in sorted(Path(courtside.collect.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "count"
                and node.args
            ):
                continue
            keys += [(path.name, key) for key in _keys_of(node.args[0], path.name)]
    return keys


def _keys_of(expr: ast.expr, where: str) -> list[str]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, ast.JoinedStr):
        first = expr.values[0]
        assert isinstance(first, ast.Constant), f"{where}: f-string key without a prefix"
        return [f"{first.value}SAMPLE"]
    if isinstance(expr, ast.IfExp):
        return _keys_of(expr.body, where) + _keys_of(expr.orelse, where)
    raise AssertionError(f"{where}: a counter key the scan cannot read: {ast.unparse(expr)}")


def test_every_counted_figure_has_words() -> None:
    keys = _counted_keys()
    assert len(keys) > 20, "the scan found too few keys to be trusted"
    undescribed = [(name, key) for name, key in keys if describe(key) is None]
    assert undescribed == []


def test_summary_lines_describe_each_figure() -> None:
    report = CollectReport("x", records=3, annotated=1)
    report.reject("NotJson")
    for key in ("keepalives", "http_503", "inband_error:TooManyConnections", "mystery_key"):
        report.count(key)
    lines = summary_lines(report, "tweets")
    assert lines == [
        "collected 3 record(s) from x onto tweets in 0.0s: 1 annotated, 1 rejected",
        "  rejected as NotJson: 1",
        "  answers with HTTP status 503: 1",
        "  in-band error objects TooManyConnections: 1",
        "  keep-alive lines: 1",
        "  mystery key: 1",
    ]


def test_cli_synthetic_summary_has_no_unexplained_figures(
    courtside: Courtside, settings: Settings
) -> None:
    result = courtside.invoke(
        "collect", "-s", "synthetic", "--rate", "0", "--limit", "1500", home=settings.home
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("collected 1500 record(s) from synthetic onto tweets")
    assert not any("chunks" in text for text in lines)
    for text in lines[1:]:
        label = text.strip().rsplit(":", 1)[0]
        assert label.startswith("rejected as ") or label in _labels(), text


def _labels() -> set[str]:
    from courtside.collect.summary import EVENT_LABELS

    return set(EVENT_LABELS.values())


# -- synthetic defaults: the whole system working, alerts included ------------------------
def _synthetic_run(settings: Settings, limit: int, **kw: Any) -> datetime:
    """Run the synthetic collector at ``courtside up``'s pace (20 posts/s) on a fake
    clock; return the wall-clock start."""
    start = datetime(2024, 3, 1, 20, 0, tzinfo=UTC)
    clock = [0.0]

    def sleep(delay: float) -> None:
        clock[0] += delay

    collector = SyntheticCollector(
        load_players(settings.home),
        rate_per_s=20.0,
        sleep=sleep,
        clock=lambda: clock[0],
        wall=lambda: start + timedelta(seconds=clock[0]),
        **kw,
    )
    run_collector(settings, collector, limit=limit, max_delay_s=60.0)
    return start


def _alerts(settings: Settings) -> list[dict[str, Any]]:
    with open_stream(settings) as backend:
        return [orjson.loads(r.data) for r in backend.read("alerts", 0, 100_000)]


def test_synthetic_defaults_make_the_detector_alert_while_live(settings: Settings) -> None:
    start = _synthetic_run(settings, limit=4000)  # 200 s at 20 posts/s
    with open_stream(settings) as backend:
        last_ms = max(event_time_ms(loads(r.data)) for r in backend.read("tweets", 0, 10_000))
    report = run_embedded(settings, once=True)
    alerts = _alerts(settings)
    assert report.alerts >= 5
    # Alerts fire while the stream runs (the watermark passes their window), not only
    # when --once closes every window at the end of the input.
    watermark_ms = last_ms - 20_000
    live = [a for a in alerts if _ms(a["window_end"]) <= watermark_ms]
    assert len(live) >= 3
    # The first fires once the event time is 20 s (the watermark bound) past its window:
    # at 20 posts/s event time follows the wall clock, so within a minute and a half.
    first_end_ms = _ms(min(a["window_end"] for a in live))
    first_fires_s = (first_end_ms + 20_000 - start.timestamp() * 1000) / 1000
    assert first_fires_s <= 90


def test_without_tampering_there_is_nothing_to_alert_on(settings: Settings) -> None:
    _synthetic_run(settings, limit=4000, tampering_per_chunk=0)
    assert run_embedded(settings, once=True).alerts == 0


@pytest.mark.parametrize("value", [-1, 1001])
def test_tampering_share_is_bounded(courtside: Courtside, settings: Settings, value: int) -> None:
    result = courtside.invoke(
        "collect",
        "-s",
        "synthetic",
        "--tampering",
        str(value),
        "--rate",
        "0",
        "--limit",
        "10",
        home=settings.home,
    )
    assert result.exit_code != 0 and "--tampering" in result.output


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)
