"""The synthetic source: the data generator, run continuously in (roughly) real time.

It generates chunks of records whose event times start at the current wall-clock time
and are spread at ``rate_per_s``, and emits them at that rate, so a detector downstream
sees a live-looking stream. With ``rate_per_s=0`` it emits as fast as possible. The
generator's malformed records are never asked for here: use ``courtside generate`` to
feed broken input to the stream on purpose.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from courtside.collect.base import Output, Stopper
from courtside.errors import ConfigError, RecordError
from courtside.generate import Generator, GeneratorConfig
from courtside.records import loads
from courtside.reference.players import PlayersTable

_CHUNK = 1000


class SyntheticCollector:
    """Runs the generator until stopped (or until ``output`` is full).

    Args:
        players: The roster to write about.
        rate_per_s: Records per second (0: as fast as possible).
        seed: Seed of the first chunk (chunk ``k`` uses ``seed + k``).
        duplicate_rate: Share of re-delivered records.
        tampering_per_chunk: Tampering scenarios per 1,000 records.
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
        tampering_per_chunk: int = 0,
        legacy: bool = False,
        sleep: Callable[[float], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if rate_per_s < 0:
            raise ConfigError(f"--rate must be >= 0, got {rate_per_s}")
        if not 0 <= duplicate_rate <= 1:
            raise ConfigError(f"--duplicates must be between 0 and 1, got {duplicate_rate}")
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
        while not stopper.requested and not output.full:
            span_s = _CHUNK / self.rate_per_s if self.rate_per_s else 60.0
            config = GeneratorConfig(
                seed=self.seed + chunk,
                count=_CHUNK,
                start=self._wall(),
                span_s=span_s,
                duplicate_rate=self.duplicate_rate,
                tampering=self.tampering_per_chunk,
                legacy=self.legacy,
            )
            chunk += 1
            output.report.count("chunks")
            for raw in Generator(config, self.players):
                try:
                    output.post(loads(raw))
                except RecordError as exc:  # the generator never breaks records here
                    output.reject(exc.code, str(exc), raw)
                emitted += 1
                if self.rate_per_s:
                    delay = started + emitted / self.rate_per_s - self._clock()
                    if delay > 0:
                        output.sink.flush_before_wait(delay)
                        if self._sleep is not None:
                            self._sleep(delay)
                        else:
                            stopper.wait(delay)
                output.sink.maybe_flush()
                if stopper.requested or output.full:
                    return
