"""Counts of one detector run, shared by both engines."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

log = logging.getLogger("courtside.detect")

_LOUD_PER_CODE = 5
# Normal traffic that is not about players: counted as skipped, not as bad input.
SKIP_CODES = frozenset({"UnknownAuthor", "NoAthlete", "UnknownDestination", "NoAuthor"})


@dataclass
class DetectReport:
    """What a detector run saw and did.

    Attributes:
        engine: ``embedded`` or ``flink``.
        tweets: Tweet records read.
        control_events: Control events applied.
        evaluated: Evaluated items (post, destination) that passed the control filter.
        allowed_skipped: Posts skipped because their team is allowed.
        unknown_destinations: Athlete annotations naming no known player (posts with at
            least one known destination are still evaluated).
        alerts: Alerts emitted (first firing of a window).
        updates: Alerts emitted again with a higher version (re-firing).
        late: Items later than the allowed lateness (late-events side output).
        skipped_by_reason: Posts skipped because they are not about known players
            (``UnknownAuthor``, ``NoAuthor``, ``NoAthlete``, ``UnknownDestination``).
        errors_by_code: Bad records by reason (unreadable tweets, bad event times, bad
            control events, ``InternalError`` for an unexpected failure on one record);
            the embedded engine also writes each to ``detect-errors/``.
        watermark: The watermark at the end (ISO-8601 UTC), if any.
        open_windows: (window, key) states held at the end.
        checkpoints: Checkpoints taken.
        tweets_seq: Last tweets sequence number processed.
        control_seq: Last control sequence number processed.
    """

    engine: str = "embedded"
    tweets: int = 0
    control_events: int = 0
    evaluated: int = 0
    allowed_skipped: int = 0
    unknown_destinations: int = 0
    alerts: int = 0
    updates: int = 0
    late: int = 0
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    errors_by_code: dict[str, int] = field(default_factory=dict)
    watermark: str | None = None
    open_windows: int = 0
    checkpoints: int = 0
    tweets_seq: int = 0
    control_seq: int = 0

    @property
    def errors(self) -> int:
        """Bad records of every kind."""
        return sum(self.errors_by_code.values())

    @property
    def skipped(self) -> int:
        """Posts skipped as not about known players."""
        return sum(self.skipped_by_reason.values())

    def error(self, code: str, message: object, where: str, seq: int | None = None) -> None:
        """Count a skipped or bad record and log it (the first few of each kind loudly:
        bad input as a warning, skipped posts at INFO). ``message`` is formatted with
        ``str`` only when logged."""
        counts = self.skipped_by_reason if code in SKIP_CODES else self.errors_by_code
        n = counts.get(code, 0) + 1
        counts[code] = n
        if n <= _LOUD_PER_CODE:
            level = logging.INFO if code in SKIP_CODES else logging.WARNING
        elif log.isEnabledFor(logging.DEBUG):
            level = logging.DEBUG
        else:
            return
        place = where if seq is None else f"{where} seq {seq}"
        log.log(level, "skipped %s (%s): %s", place, code, message)

    def count_alert(self, alert: dict[str, Any]) -> None:
        """Count an emitted alert (first or update)."""
        if int(alert.get("version", 1)) > 1:
            self.updates += 1
        else:
            self.alerts += 1

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-able data."""
        out = asdict(self)
        out["errors"] = self.errors
        out["skipped"] = self.skipped
        return out
