"""A fake clock for the ``clock=`` parameters of the stream, the detector and the
collectors: tests advance it instead of sleeping."""

from __future__ import annotations


class FakeClock:
    """A clock for ``clock=`` parameters: starts at 2020-03-01T00:00:00Z, never moves on
    its own. ``advance(s)`` moves it forward."""

    def __init__(self, start_s: float = 1_583_020_800.0) -> None:
        self.now_s = start_s

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self.now_s += seconds
