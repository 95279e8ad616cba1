"""Reconnect back-off schedules (pure arithmetic: the caller sleeps and measures time, so
tests can inject a fake sleeper and clocks and check the exact delays without waiting).

X documents its streaming reconnect strategy as: once an established connection drops,
reconnect immediately; if that reconnect fails, back off by error type:

* TCP/IP (network) errors: linearly, +250 ms per attempt, at most 16 s;
* HTTP errors: exponentially, from 5 s, doubling, at most 320 s;
* HTTP 429: exponentially, from 1 minute, doubling each attempt. ``x-rate-limit-reset``
  can only lengthen a wait (a reset due sooner than the schedule is ignored), and the
  doubling stops at a configurable cap since X documents none.

"Immediately" is granted once per healthy connection: a connection that ends within
``stable_after_s`` of opening, whatever it delivered, counts as a failed reconnect and
the next attempt backs off. Only a connection that stayed up that long resets the
schedules and earns the next immediate reconnect. Without this rule a server that
accepts, sends a byte and closes is hammered hundreds of times a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

STABLE_AFTER_S = 30.0
"""A connection that lived this long was healthy (X keep-alives come every 20 s)."""

RESET_HEADER_MAX_S = 3600.0
"""Longest wait taken from ``x-rate-limit-reset``; a later reset is not believed."""


@dataclass
class Schedule:
    """Delays that grow per attempt: ``first_s * n`` (linear) or ``first_s * 2**(n-1)``
    (exponential), never above ``max_s``."""

    first_s: float
    max_s: float
    linear: bool = False
    attempts: int = 0

    def next(self) -> float:
        """The delay before the next attempt (counts one attempt)."""
        self.attempts += 1
        if self.linear:
            delay = self.first_s * self.attempts
        else:
            delay = self.first_s * 2 ** min(self.attempts - 1, 62)
        return min(delay, self.max_s)

    def reset(self) -> None:
        """Start over (after a healthy connection)."""
        self.attempts = 0


class _ImmediateOnce:
    """The "reconnect at once only once" rule shared by the collectors."""

    def __init__(self, stable_after_s: float) -> None:
        self.stable_after_s = stable_after_s
        self._immediate_ready = True

    def _schedules(self) -> tuple[Schedule, ...]:
        raise NotImplementedError

    def reset(self) -> None:
        """A healthy connection: every schedule starts anew, and the next drop of an
        established connection is retried at once."""
        for schedule in self._schedules():
            schedule.reset()
        self._immediate_ready = True

    def _after_drop(self, lived_s: float, schedule: Schedule) -> float:
        if lived_s >= self.stable_after_s:
            self.reset()
        if self._immediate_ready:
            self._immediate_ready = False
            return 0.0
        return schedule.next()


class XBackoff(_ImmediateOnce):
    """X's documented reconnect schedules, one per error class.

    Args:
        rate_limit_max_s: Cap of the 429 doubling.
        stable_after_s: Lifetime that makes a connection healthy.
    """

    def __init__(
        self, rate_limit_max_s: float = 960.0, stable_after_s: float = STABLE_AFTER_S
    ) -> None:
        super().__init__(stable_after_s)
        self.network_errors = Schedule(0.25, 16.0, linear=True)
        self.http_errors = Schedule(5.0, 320.0)
        self.rate_limits = Schedule(60.0, max(60.0, rate_limit_max_s))

    def _schedules(self) -> tuple[Schedule, ...]:
        return (self.network_errors, self.http_errors, self.rate_limits)

    def dropped(self, lived_s: float) -> float:
        """Delay after an established (HTTP 200) connection ended after ``lived_s``
        seconds: closed by the server, broken, or stalled. At once the first time after
        a healthy connection, else as a network error."""
        return self._after_drop(lived_s, self.network_errors)

    def network(self) -> float:
        """Delay after a TCP/IP error (refused, reset, timed out, closed early)."""
        return self.network_errors.next()

    def http(self) -> float:
        """Delay after an HTTP error status other than 429 (e.g. 500, 503)."""
        return self.http_errors.next()

    def rate_limited(self, reset_epoch_s: float | None, now_epoch_s: float) -> float:
        """Delay after HTTP 429: the doubling schedule from 60 s, lengthened (never
        shortened) to reach ``x-rate-limit-reset`` (epoch seconds) when that is later.
        A reset more than :data:`RESET_HEADER_MAX_S` away is capped there."""
        delay = self.rate_limits.next()
        if reset_epoch_s is not None and math.isfinite(reset_epoch_s):
            until_reset_s = min(reset_epoch_s - now_epoch_s, RESET_HEADER_MAX_S)
            delay = max(delay, until_reset_s)
        return delay


class JetstreamBackoff(_ImmediateOnce):
    """Bluesky Jetstream reconnects: at once after a healthy connection drops, else
    exponential from 1 s (doubling, at most ``max_s``) for every kind of failure.

    Args:
        max_s: Cap of the doubling.
        stable_after_s: Lifetime that makes a connection healthy.
    """

    def __init__(self, max_s: float, stable_after_s: float = STABLE_AFTER_S) -> None:
        super().__init__(stable_after_s)
        self.schedule = Schedule(1.0, max_s)

    def _schedules(self) -> tuple[Schedule, ...]:
        return (self.schedule,)

    def dropped(self, lived_s: float) -> float:
        """Delay after an open WebSocket closed or broke after ``lived_s`` seconds."""
        return self._after_drop(lived_s, self.schedule)

    def failed(self) -> float:
        """Delay after a connection attempt failed (refused, bad handshake, timeout)."""
        return self.schedule.next()
