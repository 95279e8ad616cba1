"""The synthetic source: the data generator, run continuously in (roughly) real time.

It generates chunks of records whose event times start at the current wall-clock time
(or where the previous chunk ended, if that is later) and are spread at ``rate_per_s``,
and emits them at that rate, so a detector downstream sees a live-looking stream. With
``rate_per_s=0`` it emits as fast as possible, each chunk covering 60 s of event time.

By default a small share of the posts are tampering bursts (3 per 1,000 records,
:data:`~courtside.collect.config.DEFAULT_TAMPERING_PER_CHUNK`: 2-4 players of one team
addressing a player of another team within one minute), so ``courtside up`` shows the
whole system working, alerts included: at 20 posts/s a burst every ~17 s, the first
alert about a minute and a half after the start. The generator's malformed records are
never asked for here: use ``courtside generate`` to feed broken input to the stream on
purpose.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from courtside.collect.base import Output, Stopper
from courtside.collect.config import DEFAULT_TAMPERING_PER_CHUNK
from courtside.errors import ConfigError, RecordError
from courtside.generate import Generator, GeneratorConfig
from courtside.records import loads
from courtside.reference.players import PlayersTable

_CHUNK = 1000
_FLAT_OUT_SPAN_S = 60.0


class SyntheticCollector:
    """Runs the generator until stopped (or until ``output`` is full).

    Args:
        players: The roster to write about.
        rate_per_s: Records per second (0: as fast as possible).
        seed: Seed of the first chunk (chunk ``k`` uses ``seed + k``).
        duplicate_rate: Share of re-delivered records.
        tampering_per_chunk: Tampering bursts per 1,000 records (0: none).
        legacy: Emit the original client's legacy shape.
        sleep: Called with pacing delays (default: an interruptible wait).
        clock: Monotonic clock (injectable).
        wall: Current wall-clock time (aware UTC) for event times (injectable).
    """

    name = "synthetic"

    def __init__(
        self,
        players: PlayersTable,
        *,
        rate_per_s: float = 10.0,
        seed: int = 42,
        duplicate_rate: float = 0.0,
        tampering_per_chunk: int = DEFAULT_TAMPERING_PER_CHUNK,
        legacy: bool = False,
        sleep: Callable[[float], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if rate_per_s < 0:
            raise ConfigError(f"--rate must be >= 0, got {rate_per_s}")
        if not 0 <= duplicate_rate <= 1:
            raise ConfigError(f"--duplicates must be between 0 and 1, got {duplicate_rate}")
        if not 0 <= tampering_per_chunk <= _CHUNK:
            raise ConfigError(
                f"--tampering must be between 0 and {_CHUNK}, got {tampering_per_chunk}"
            )
        self.players = players
        self.rate_per_s = rate_per_s
        self.seed = seed
        self.duplicate_rate = duplicate_rate
        self.tampering_per_chunk = tampering_per_chunk
        self.legacy = legacy
        self._sleep = sleep
        self._clock = clock
        self._wall = wall

    def run(self, output: Output, stopper: Stopper) -> None:
        """Generate and emit until stopped or ``output`` is full."""
        started = self._clock()
        emitted = 0
        chunk = 0
        next_start: datetime | None = None
        while not stopper.requested and not output.full:
            span_s = _CHUNK / self.rate_per_s if self.rate_per_s else _FLAT_OUT_SPAN_S
            start = self._wall()
            if next_start is not None and next_start > start:
                start = next_start  # event time never goes back from one chunk to the next
            next_start = start + timedelta(seconds=span_s)
            config = GeneratorConfig(
                seed=self.seed + chunk,
                count=_CHUNK,
                start=start,
                span_s=span_s,
                duplicate_rate=self.duplicate_rate,
                tampering=self.tampering_per_chunk,
                legacy=self.legacy,
            )
            chunk += 1
            for raw in Generator(config, self.players):
                try:
                    output.post(loads(raw))
                except RecordError as exc:  # the generator never breaks records here
                    output.reject(exc.code, str(exc), raw)
                emitted += 1
                if self.rate_per_s:
                    delay = started + emitted / self.rate_per_s - self._clock()
                    if delay > 0:
                        output.sink.pace(delay, stopper, self._sleep)
                output.sink.maybe_flush()
                if stopper.requested or output.full:
                    return
