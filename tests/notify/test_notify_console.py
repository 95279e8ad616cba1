"""The notifier loop on the console channel: once per channel, restarts, bad alerts."""

from __future__ import annotations

import io
from pathlib import Path

from notify_helpers import alert, committed, put

from cli_runner_helpers import Courtside
from courtside.config import Settings
from courtside.home import open_stream
from courtside.notify.channels import ConsoleChannel
from courtside.notify.service import Notifier


def run(settings: Settings) -> tuple[str, Notifier]:
    out = io.StringIO()
    notifier = Notifier(settings, ConsoleChannel(out))
    notifier.run(once=True)
    return out.getvalue(), notifier


def test_each_alert_once_updates_marked_repeats_and_bad_ones_skipped(settings: Settings) -> None:
    first, second = alert(window=0), alert(window=1, player="Kemba Walker")
    put(
        settings,
        first,
        second,
        first,
        b"{not json",
        {"alert_id": "x"},
        alert(window=0, total=3, version=2),
        first,
    )
    text, notifier = run(settings)
    lines = text.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("[NBA Tampering Detect] NBA team Los Angeles Lakers sent 2")
    assert "Kemba Walker" in lines[1]
    assert lines[2].startswith("[NBA Tampering Detect (update 2)] Update 2 of alert")
    report = notifier.report
    assert (report.read, report.sent, report.updates, report.repeats, report.bad) == (7, 2, 1, 2, 2)
    assert report.errors_by_code == {"NotJson": 1, "BadAlert": 1}
    assert committed(settings, "console") == 7

    # A restart delivers nothing again, even when the group is replayed from scratch.
    with open_stream(settings) as b:
        b.reset_group("alerts", "notify-console", 0)
    text, notifier = run(settings)
    assert text == ""
    assert notifier.report.repeats == 5
    put(settings, alert(window=2))
    text, _ = run(settings)
    assert text.count("\n") == 1 and "2020-03-01T00:02:00.000Z" in text


def test_cli_notify_console_once(courtside: Courtside, home: Path, settings: Settings) -> None:
    put(settings, alert())
    proc = courtside("notify", "--channel", "console", "--once", home=home, timeout_s=60)
    out = proc.stdout.decode()
    assert "[NBA Tampering Detect] NBA team Los Angeles Lakers sent 2 posts" in out
    assert "sent 1" in out
