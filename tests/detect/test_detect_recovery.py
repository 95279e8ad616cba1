"""Crashes at each step of a checkpoint, deterministically (in-process fault injection)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from detect_helpers import MINUTE, T0, alerts_on, append, core, lake_docs, roster, tweet

from courtside.config import Settings, load_settings
from courtside.detect.embedded import EmbeddedDetector
from courtside.home import init_home, open_stream


class Crash(BaseException):
    """Stands in for kill -9: nothing after it runs (not even except-Exception blocks)."""


def records() -> list[bytes]:
    def window(w: int) -> list[bytes]:
        return [tweet(f"a{k}", ["Bo Beta"], T0 + w * MINUTE + 1_000 * (k + 1)) for k in range(2)]

    out = [r for w in range(7) for r in window(w)]
    # Watermark to 6:05 (window 5 fired, within lateness), then a post for window 5: an
    # update; after window 7, a post for window 0 (cleared long ago): late.
    out.append(tweet("c0", ["Anna Alpha"], T0 + 6 * MINUTE + 25_000))
    out.append(tweet("a2", ["Bo Beta"], T0 + 5 * MINUTE + 9_000))
    out += window(7)
    out.append(tweet("a3", ["Bo Beta"], T0 + 10))
    return out


def run(settings: Settings) -> None:
    det = EmbeddedDetector(settings, players=roster())
    det.run(once=True)


def reference(tmp_path: Path, recs: list[bytes]) -> Settings:
    ref = load_settings(home=tmp_path / "reference")
    init_home(ref)
    append(ref, "tweets", recs)
    run(ref)
    return ref


def crash_in(settings: Settings, patch: Callable[[EmbeddedDetector], None]) -> None:
    det = EmbeddedDetector(settings, players=roster())
    patch(det)
    with pytest.raises(Crash):
        det.run(once=True)
    det.backend.close()
    det.store.close()


def _after_save(det: EmbeddedDetector) -> None:
    real = det.store.save

    def save(ckpt_id: int, body: dict) -> None:  # type: ignore[type-arg]
        real(ckpt_id, body)
        if ckpt_id == 2:
            raise Crash

    det.store.save = save  # type: ignore[method-assign]


def _before_save(det: EmbeddedDetector) -> None:
    real = det.store.save

    def save(ckpt_id: int, body: dict) -> None:  # type: ignore[type-arg]
        if ckpt_id == 3:  # its side-output files are staged, the checkpoint is not saved
            raise Crash
        real(ckpt_id, body)

    det.store.save = save  # type: ignore[method-assign]


def _after_alerts_before_commit(det: EmbeddedDetector) -> None:
    real = det.backend.append_many

    def append_many(stream: str, recs: list[bytes]) -> list[int]:
        seqs = real(stream, recs)
        if stream == "alerts":
            raise Crash
        return seqs

    det.backend.append_many = append_many  # type: ignore[method-assign]


@pytest.mark.parametrize(
    "patch",
    [_before_save, _after_save, _after_alerts_before_commit],
    ids=["before-checkpoint", "after-checkpoint-before-publish", "after-alerts-before-commit"],
)
def test_crash_at_each_checkpoint_step_changes_nothing(
    tmp_path: Path, settings: Settings, patch: Callable[[EmbeddedDetector], None]
) -> None:
    recs = records()
    ref = reference(tmp_path, recs)
    append(settings, "tweets", recs)
    # Small epochs so the crash lands mid-stream.
    cfg = settings.model_copy(
        update={"detect": settings.detect.model_copy(update={"checkpoint_records": 5})}
    )
    crash_in(cfg, patch)
    run(cfg)
    got, want = alerts_on(cfg), alerts_on(ref)
    assert any(a["version"] == 2 for a in want)
    assert [core(a) for a in got] == [core(a) for a in want]
    assert len(lake_docs(cfg.lake, "flink-late-events")) == 1
    for zone in ("flink-all-tweets", "flink-late-events"):
        assert sorted(map(str, lake_docs(cfg.lake, zone))) == sorted(
            map(str, lake_docs(ref.lake, zone))
        )
        assert not list((cfg.lake / zone).rglob(".*"))
    with open_stream(cfg) as backend:
        assert backend.committed("tweets", "detect") == len(recs)
