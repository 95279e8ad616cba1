"""Reconnect back-off schedules (pure arithmetic: the caller sleeps, so tests can inject
a fake sleeper and clock and check the exact delays without waiting).

X documents its streaming reconnect strategy as: reconnect immediately once an
established connection drops; if that fails, back off by error type:

* TCP/IP (network) errors: linearly, +250 ms per attempt, at most 16 s;
* HTTP errors: exponentially, from 5 s, doubling, at most 320 s;
* HTTP 429: exponentially, from 1 minute, doubling (we honour ``x-rate-limit-reset``
  when the response carries it, and cap the doubling at a configurable maximum since
  X documents none).
"""

from __future__ import annotations

from dataclasses import dataclass


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
        """Start over (after a successful connection)."""
        self.attempts = 0


class XBackoff:
    """X's documented reconnect schedules, one per error class."""

    def __init__(self, rate_limit_max_s: float = 960.0) -> None:
        self.network_errors = Schedule(0.25, 16.0, linear=True)
        self.http_errors = Schedule(5.0, 320.0)
        self.rate_limits = Schedule(60.0, max(60.0, rate_limit_max_s))

    def reset(self) -> None:
        """A connection was established: the next failure starts every schedule anew."""
        for schedule in (self.network_errors, self.http_errors, self.rate_limits):
            schedule.reset()

    def network(self) -> float:
        """Delay after a TCP/IP error (refused, reset, timed out, closed early)."""
        return self.network_errors.next()

    def http(self) -> float:
        """Delay after an HTTP error status other than 429 (e.g. 500, 503)."""
        return self.http_errors.next()

    def rate_limited(self, reset_epoch_s: float | None, now_epoch_s: float) -> float:
        """Delay after HTTP 429: until ``x-rate-limit-reset`` (epoch seconds) when given
        and in the future, else the doubling schedule from 60 s."""
        delay = self.rate_limits.next()
        if reset_epoch_s is not None and reset_epoch_s > now_epoch_s:
            return max(1.0, reset_epoch_s - now_epoch_s)
        return delay
