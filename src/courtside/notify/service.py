"""The notifier (the original's Lambda + SNS email): a consumer group on ``alerts``.

Each channel has its own consumer group (``<group>-<channel>``) and its own *sent book*
(``<state_dir>/notify-<channel>.db``) remembering every ``(alert_id, version)`` it
delivered. For each alert the notifier

1. skips it when the book already has this version or a newer one (repeats that
   at-least-once delivery or a detector restart produce),
2. sends it, 3. writes it into the book, 4. commits the stream position.

So an alert is delivered once per channel across restarts; only a crash between 2 and 3
can repeat one message. When the channel is down (:class:`ChannelDownError`: 5xx,
timeout, refused login) the notifier stops *at* that alert without committing it: with
``once`` it returns (the report says so), otherwise it waits ``retry_pause_s`` and tries
the same alert again. A malformed alert or one the channel rejects for good is counted,
logged and passed over.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from courtside._sqlite import set_wal
from courtside.config import Settings
from courtside.errors import RecordError
from courtside.home import open_stream
from courtside.notify.channels import (
    AlertRejectedError,
    Channel,
    ChannelDownError,
    make_channel,
)
from courtside.notify.message import notification
from courtside.records import loads
from courtside.service import ServiceLoop
from courtside.stream.base import Record

log = logging.getLogger(__name__)

ALERTS = "alerts"
_POLL = 100

__all__ = ["NotifyReport", "Notifier", "SentBook", "run_notifier"]


@dataclass
class NotifyReport:
    """Counts of one notifier run."""

    channel: str
    read: int = 0
    sent: int = 0
    updates: int = 0
    repeats: int = 0
    bad: int = 0
    rejected: int = 0
    down: int = 0
    last_error: str | None = None
    committed_seq: int = 0
    errors_by_code: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-able data."""
        return asdict(self)


class SentBook:
    """Which ``(alert_id, version)`` a channel delivered (SQLite, one file per channel)."""

    def __init__(self, settings: Settings, channel: str) -> None:
        path = settings.state_dir / f"notify-{channel}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
        set_wal(self._db)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS sent (alert_id TEXT NOT NULL, version INTEGER NOT NULL, "
            "status TEXT NOT NULL, at_ms INTEGER NOT NULL, PRIMARY KEY (alert_id, version))"
        )

    def newest(self, alert_id: str) -> int:
        """The highest version recorded for ``alert_id`` (0 when none)."""
        row = self._db.execute(
            "SELECT max(version) FROM sent WHERE alert_id = ?", (alert_id,)
        ).fetchone()
        return int(row[0] or 0)

    def record(self, alert_id: str, version: int, status: str) -> None:
        """Durably record a delivered (or rejected) version."""
        self._db.execute(
            "INSERT OR REPLACE INTO sent(alert_id, version, status, at_ms) VALUES (?, ?, ?, ?)",
            (alert_id, version, status, time.time_ns() // 1_000_000),
        )

    def count(self, status: str = "sent") -> int:
        """How many versions have ``status``."""
        return int(
            self._db.execute("SELECT count(*) FROM sent WHERE status = ?", (status,)).fetchone()[0]
        )

    def close(self) -> None:
        """Close the file."""
        self._db.close()


class Notifier(ServiceLoop):
    """Delivers the ``alerts`` stream to one channel.

    Args:
        settings: Loaded settings (``settings.notify``).
        channel: The channel name, or a ready :class:`Channel` (tests, custom channels).
    """

    def __init__(self, settings: Settings, channel: str | Channel) -> None:
        super().__init__()
        self.cfg = settings.notify
        self.channel = (
            channel
            if isinstance(channel, Channel)
            else make_channel(channel, self.cfg, settings.aws)
        )
        name = self.channel.name
        self.backend = open_stream(settings)
        self.consumer = self.backend.consumer(ALERTS, f"{self.cfg.group}-{name}")
        self.book = SentBook(settings, name)
        self.report = NotifyReport(channel=name, committed_seq=self.consumer.committed)
        self._once = False

    def _bad(self, code: str, message: str, seq: int) -> None:
        self.report.bad += 1
        self.report.errors_by_code[code] = self.report.errors_by_code.get(code, 0) + 1
        log.warning("skipped alert seq %d (%s): %s", seq, code, message)

    def handle(self, rec: Record) -> bool:
        """Deliver one alert record. Returns False when the channel is down (the record
        is then neither delivered nor committed)."""
        self.report.read += 1
        try:
            note = notification(loads(rec.data))
        except RecordError as exc:
            self._bad(exc.code, str(exc), rec.seq)
            return True
        if self.book.newest(note.alert_id) >= note.version:
            self.report.repeats += 1
            return True
        try:
            self.channel.send(note)
        except ChannelDownError as exc:
            self.report.down += 1
            self.report.last_error = str(exc)
            log.error("%s channel is down: %s", self.channel.name, exc)
            return False
        except AlertRejectedError as exc:
            self.report.rejected += 1
            self.report.last_error = str(exc)
            log.error("%s channel rejected alert %s: %s", self.channel.name, note.alert_id, exc)
            self.book.record(note.alert_id, note.version, "rejected")
            return True
        self.book.record(note.alert_id, note.version, "sent")
        if note.is_update:
            self.report.updates += 1
        else:
            self.report.sent += 1
        return True

    def poll_once(self, timeout_s: float) -> int:
        records = self.consumer.poll(_POLL, timeout_s)
        for rec in records:
            if self.stopping:
                self.consumer.seek(rec.seq - 1)
                break
            if not self.handle(rec):
                self.consumer.seek(rec.seq - 1)  # try this alert again
                if self._once:
                    self.stop()
                else:
                    self.pause(self.cfg.retry_pause_s)
                break
            self.consumer.commit(rec.seq)
        return len(records)

    def make_durable(self, *, final: bool) -> None:
        # Each alert is committed as soon as it is delivered and in the sent book.
        self.report.committed_seq = self.consumer.committed

    def run(
        self, *, once: bool = False, poll_timeout_s: float = 1.0, handle_signals: bool = False
    ) -> NotifyReport:
        """Deliver until the stream is drained (``once``) or :meth:`stop` is called (or
        SIGINT/SIGTERM arrives, with ``handle_signals``)."""
        self._once = once
        self.serve(once=once, handle_signals=handle_signals, poll_timeout_s=poll_timeout_s)
        return self.report

    def close(self) -> None:
        """Release the channel, the stream and the sent book."""
        self.channel.close()
        self.book.close()
        self.backend.close()


def run_notifier(
    settings: Settings, channel: str, *, once: bool = False, handle_signals: bool = False
) -> NotifyReport:
    """Run the notifier for one channel (see the module docstring).

    Args:
        settings: Loaded settings.
        channel: ``console``, ``email`` or ``webhook``.
        once: Deliver what is on the stream and return (also when the channel is down).
        handle_signals: Stop cleanly on SIGINT/SIGTERM.
    """
    return Notifier(settings, channel).run(once=once, handle_signals=handle_signals)
