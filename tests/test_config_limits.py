"""Every numeric setting at its upper bound still runs: the bounds are what works.

``COURTSIDE_DETECT__WINDOW_S=1e12`` used to pass validation and then crash the detector
(a window ending in the year 33658). Here every numeric key of the sections the pipeline
uses is set to its maximum at once and the whole demo pipeline must run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from annotated_types import Le, Lt

from courtside.config import load_settings
from courtside.config_reference import sections
from courtside.demo import run_demo

# Sections the demo pipeline uses (collectors, notifier and `up` run elsewhere).
PIPELINE = ("stream", "deliver", "detect", "batch", "catalog", "warehouse")


def _maxima() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for section, model in sections():
        if section not in PIPELINE:
            continue
        for name, info in model.model_fields.items():
            for meta in info.metadata:
                if isinstance(meta, Le):
                    out.setdefault(section, {})[name] = meta.le  # type: ignore[assignment]
                elif isinstance(meta, Lt):
                    out.setdefault(section, {})[name] = meta.lt - 1  # type: ignore[operator]
    return out


@pytest.mark.slow
def test_the_pipeline_runs_with_every_numeric_setting_at_its_maximum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    maxima = _maxima()
    assert maxima["detect"]["window_s"] == 7 * 86400 and "buffer_mib" in maxima["deliver"]
    for section, keys in maxima.items():
        for name, value in keys.items():
            monkeypatch.setenv(f"COURTSIDE_{section.upper()}__{name.upper()}", str(value))
    cfg = load_settings(home=tmp_path / "home")
    assert cfg.detect.window_s == 7 * 86400 and cfg.batch.duckdb_threads == 256
    report = run_demo(cfg, posts=400, days=1, seed=5)  # any failing stage raises
    steps = {s["step"]: s for s in report.steps}
    assert steps["deliver"]["delivered"] > 350 and steps["nightly"]["daily"]
    assert report.zones["raw"]["records"] > 0 and report.top_players
    for alert in report.alerts:  # a week-long window still renders as a real date
        assert str(alert["window_end"]).startswith("20")
