"""The embedded event-time core: keyed tumbling windows with watermarks and lateness.

No I/O here: :class:`WindowOperator` takes evaluated items one by one and collects what
it emits (alerts and late items) in lists the caller drains. It follows Flink's
``WindowOperator`` with an ``EventTimeTrigger`` literally, so the embedded engine and the
Flink job agree:

* The watermark is the largest event time seen minus the out-of-orderness minus 1 ms,
  advanced after every record (:meth:`WindowOperator.advance`).
* A window ``[start, end)`` fires when the watermark reaches ``end - 1``.
* A record is late, and goes to the late output, when ``end - 1 + lateness <= watermark``
  for its window; then the window's state is gone too (cleared at that same point).
* A record for a window that has fired but is not late yet makes it fire again at once.
* A firing emits an alert when the window holds ``min_count`` or more cross-team posts
  and its count differs from the last alert it emitted; the alert's ``version`` counts the
  window's alerts, so a re-firing is an update with the same alert id.

State is per window start, then per key ``(team, destination player)``: the count of
cross-team posts and the distinct source players. It is bounded by the keys active in the
last ``window + lateness + out-of-orderness`` of event time.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from courtside.detect.logic import Evaluated, build_alert

MIN_WATERMARK = -(2**63)

Key = tuple[str, str]


@dataclass(slots=True)
class WindowState:
    """Accumulated contents of one window of one key."""

    total: int = 0
    players: set[str] = field(default_factory=set)
    emitted_total: int = 0
    version: int = 0


class WindowOperator:
    """Keyed, epoch-aligned tumbling event-time windows with allowed lateness.

    Args:
        window_ms: Window size.
        lateness_ms: Allowed lateness.
        out_of_orderness_ms: Watermark bound.
        min_count: Cross-team posts needed for an alert.
    """

    def __init__(
        self, window_ms: int, lateness_ms: int, out_of_orderness_ms: int, min_count: int
    ) -> None:
        if window_ms <= 0:
            raise ValueError(f"window_ms must be > 0, got {window_ms}")
        self.window_ms = window_ms
        self.lateness_ms = lateness_ms
        self.out_of_orderness_ms = out_of_orderness_ms
        self.min_count = min_count
        self.windows: dict[int, dict[Key, WindowState]] = {}
        self.max_event_ms: int | None = None
        self.watermark = MIN_WATERMARK
        self._unfired: list[int] = []  # heap of window starts whose end - 1 > watermark
        self._open: list[int] = []  # heap of window starts still holding state
        self.alerts: list[dict[str, Any]] = []
        self.late: list[Evaluated] = []
        self.fired_windows = 0
        self.cleared_windows = 0

    # -- per record ------------------------------------------------------------------------
    def process(self, item: Evaluated) -> bool:
        """Add one item to its window, or to the late output.

        Returns:
            False when the item was late (its window can no longer fire).
        """
        size = self.window_ms
        ts = item.event_ms
        start = ts - ts % size
        last_ms = start + size - 1
        if last_ms + self.lateness_ms <= self.watermark:
            self.late.append(item)
            return False
        keyed = self.windows.get(start)
        if keyed is None:
            keyed = self.windows[start] = {}
            heapq.heappush(self._open, start)
            if last_ms > self.watermark:
                heapq.heappush(self._unfired, start)
        key = (item.team, item.target)
        state = keyed.get(key)
        if state is None:
            state = keyed[key] = WindowState()
        if item.team != item.target_team:
            state.total += 1
            state.players.add(item.player)
        if last_ms <= self.watermark:
            # The window has fired already: fire again with the record included.
            self._fire(start, key, state)
        return True

    def advance(self, event_ms: int) -> None:
        """Account for a record's event time and advance the watermark after it."""
        if self.max_event_ms is None or event_ms > self.max_event_ms:
            self.max_event_ms = event_ms
            self.set_watermark(event_ms - self.out_of_orderness_ms - 1)

    # -- time ------------------------------------------------------------------------------
    def set_watermark(self, watermark: int) -> None:
        """Move the watermark forward (never back), firing and clearing what is due."""
        if watermark <= self.watermark:
            return
        self.watermark = watermark
        size = self.window_ms
        while self._unfired and self._unfired[0] + size - 1 <= watermark:
            start = heapq.heappop(self._unfired)
            keyed = self.windows.get(start)
            if keyed is None:
                continue
            self.fired_windows += 1
            for key in sorted(keyed):
                self._fire(start, key, keyed[key])
        limit = watermark - self.lateness_ms
        while self._open and self._open[0] + size - 1 <= limit:
            start = heapq.heappop(self._open)
            if self.windows.pop(start, None) is not None:
                self.cleared_windows += 1

    def flush(self) -> None:
        """End of input (``--once``): fire every window that has not fired, as a bounded
        Flink job does, without moving the watermark. The state is kept, so when the input
        goes on later a window only emits again if its count changed (as an update)."""
        size = self.window_ms
        for start in sorted(self.windows):
            if start + size - 1 > self.watermark:
                keyed = self.windows[start]
                for key in sorted(keyed):
                    self._fire(start, key, keyed[key])

    def _fire(self, start: int, key: Key, state: WindowState) -> None:
        if state.total < self.min_count or state.total == state.emitted_total:
            return
        state.version += 1
        state.emitted_total = state.total
        self.alerts.append(
            build_alert(
                key[0], key[1], start, self.window_ms, state.total, state.players, state.version
            )
        )

    # -- inspection and checkpoints --------------------------------------------------------
    @property
    def open_windows(self) -> int:
        """Number of (window, key) states held."""
        return sum(len(keyed) for keyed in self.windows.values())

    def snapshot(self) -> dict[str, Any]:
        """The operator's state as plain JSON-able data."""
        return {
            "max_event_ms": self.max_event_ms,
            "watermark": self.watermark,
            "fired_windows": self.fired_windows,
            "cleared_windows": self.cleared_windows,
            "windows": [
                [start, key[0], key[1], st.total, sorted(st.players), st.emitted_total, st.version]
                for start, keyed in sorted(self.windows.items())
                for key, st in sorted(keyed.items())
            ],
        }

    def restore(self, snap: dict[str, Any]) -> None:
        """Replace the state with a :meth:`snapshot`."""
        self.max_event_ms = snap["max_event_ms"]
        self.watermark = int(snap["watermark"])
        self.fired_windows = int(snap.get("fired_windows", 0))
        self.cleared_windows = int(snap.get("cleared_windows", 0))
        self.windows = {}
        for start, team, target, total, players, emitted, version in snap["windows"]:
            self.windows.setdefault(int(start), {})[(team, target)] = WindowState(
                int(total), set(players), int(emitted), int(version)
            )
        self._open = sorted(self.windows)
        self._unfired = [s for s in self._open if s + self.window_ms - 1 > self.watermark]
        self.alerts, self.late = [], []
