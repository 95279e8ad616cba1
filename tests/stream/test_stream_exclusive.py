"""Two copies of one consuming stage on one home, as real processes: never twice the work.

Before consumer-group leases, two ``courtside deliver --once`` wrote every record twice
(raw/, errors/, original-data/) and two ``detect --once`` published every alert twice.
"""

from __future__ import annotations

import gzip
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from cli_runner_helpers import Courtside
from courtside.config import Settings
from courtside.generate import GeneratorConfig, generate
from courtside.home import open_stream
from courtside.reference.players import PlayersTable

pytestmark = pytest.mark.slow


def _finish(procs: list[subprocess.Popen[bytes]]) -> list[tuple[int, str]]:
    out = []
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        out.append((proc.returncode, err.decode()))
    return out


def _fill(settings: Settings, count: int, tampering: int = 0) -> None:
    cfg = GeneratorConfig(
        count=count,
        start=datetime(2020, 3, 1, tzinfo=UTC),
        span_s=6 * 3600,
        malformed_rate=0.01,
        tampering=tampering,
    )
    with open_stream(settings) as backend:
        backend.append_many("tweets", list(generate(cfg, PlayersTable.default())))


@contextmanager
def _held(settings: Settings, stream: str, group: str) -> Iterator[None]:
    with open_stream(settings) as backend:
        consumer = backend.consumer(stream, group)
        try:
            yield
        finally:
            consumer.close()


def _original_lines(lake: Path) -> list[bytes]:
    lines: list[bytes] = []
    for path in sorted((lake / "original-data").rglob("*.json.gz")):
        lines += gzip.decompress(path.read_bytes()).split(b"\n")[:-1]
    return lines


def _check_refusals(results: list[tuple[int, str]], group: str) -> None:
    for code, err in results:
        if code != 0:  # the one that lost the race says why, in one line
            assert code == 1, err
            assert f"consumer group '{group}' on stream 'tweets' is in use by pid" in err, err
            assert "Traceback" not in err


def test_two_deliveries_at_once_write_every_record_once(
    courtside: Courtside, settings: Settings
) -> None:
    _fill(settings, 20_000)
    results = _finish([courtside.start("deliver", "--once", home=settings.home) for _ in range(2)])
    assert any(code == 0 for code, _ in results), results
    _check_refusals(results, "deliver")
    lines = _original_lines(settings.lake)
    assert len(lines) == 20_000
    raw_ids = Counter(
        orjson.loads(line)["id"]
        for path in (settings.lake / "raw").rglob("*.json")
        for line in path.read_bytes().splitlines()
    )
    with open_stream(settings) as backend:
        sent = [r.data for r in backend.read("tweets", 0, 100_000)]
    assert sorted(lines) == sorted(sent)
    assert max(raw_ids.values()) == 1


def test_two_detectors_at_once_publish_every_alert_once(
    courtside: Courtside, settings: Settings
) -> None:
    _fill(settings, 6_000, tampering=5)
    results = _finish([courtside.start("detect", "--once", home=settings.home) for _ in range(2)])
    assert any(code == 0 for code, _ in results), results
    _check_refusals(results, "detect")
    with open_stream(settings) as backend:
        alerts = [orjson.loads(r.data) for r in backend.read("alerts", 0, 100_000)]
    assert alerts, "the generated tampering should raise alerts"
    versions = Counter((a["alert_id"], a["version"]) for a in alerts)
    assert max(versions.values()) == 1


@pytest.mark.parametrize("stage", ["deliver", "detect"])
def test_a_stage_refuses_in_one_line_while_its_group_is_held(
    courtside: Courtside, settings: Settings, stage: str
) -> None:
    import os

    _fill(settings, 50)
    with _held(settings, "tweets", stage):
        ((code, err),) = _finish([courtside.start(stage, "--once", home=settings.home)])
    assert code == 1
    lines = err.strip().splitlines()
    assert len(" ".join(lines)) < 400 and "Traceback" not in err
    flat = " ".join(line.strip() for line in lines)
    assert f"consumer group '{stage}' on stream 'tweets' is in use by pid {os.getpid()}" in flat
    ((code, err),) = _finish([courtside.start(stage, "--once", home=settings.home)])
    assert code == 0, err
