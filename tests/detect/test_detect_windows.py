"""The embedded event-time core, deterministically: boundaries, watermark, lateness."""

from __future__ import annotations

from collections import defaultdict

from detect_helpers import MINUTE, T0
from hypothesis import given, settings
from hypothesis import strategies as st

from courtside.detect.logic import Evaluated, alert_id
from courtside.detect.runtime import WindowOperator
from courtside.records import iso_utc

OOO = 20_000
LATE = 30_000


def op(min_count: int = 2, window_ms: int = MINUTE) -> WindowOperator:
    return WindowOperator(window_ms, LATE, OOO, min_count)


def item(
    ts: int,
    player: str = "Anna Alpha",
    team: str = "Team A",
    target: str = "Bo Beta",
    target_team: str = "Team B",
) -> Evaluated:
    return Evaluated(f"{player}@{ts}", ts, team, player, player.lower(), target, target_team)


def feed(o: WindowOperator, *items: Evaluated) -> list[bool]:
    out = []
    for it in items:
        out.append(o.process(it))
        o.advance(it.event_ms)
    return out


def test_watermark_is_max_event_time_minus_bound_minus_one_ms() -> None:
    o = op()
    feed(o, item(T0 + 50_000))
    assert o.watermark == T0 + 50_000 - OOO - 1
    feed(o, item(T0 + 10_000))  # older record: the watermark never goes back
    assert o.watermark == T0 + 50_000 - OOO - 1


def test_window_boundaries_first_and_last_millisecond() -> None:
    o = op()
    feed(
        o,
        item(T0, "Anna Alpha"),
        item(T0 + MINUTE - 1, "Abe Alpha"),
        item(T0 + MINUTE, "Ada Alpha"),
    )
    assert sorted(o.windows) == [T0, T0 + MINUTE]
    assert o.windows[T0][("Team A", "Bo Beta")].total == 2
    assert o.windows[T0 + MINUTE][("Team A", "Bo Beta")].total == 1


def test_window_fires_when_watermark_reaches_end_minus_one() -> None:
    o = op()
    feed(o, item(T0 + 1_000, "Anna Alpha"), item(T0 + 2_000, "Abe Alpha"))
    # The watermark reaches end - 1 = T0 + 59_999 at max event time T0 + 80_000.
    feed(o, item(T0 + MINUTE + OOO - 1, "Cy Gamma", "Team C", "Al Alpha", "Team A"))
    assert o.alerts == []
    feed(o, item(T0 + MINUTE + OOO, "Cy Gamma", "Team C", "Al Alpha", "Team A"))
    assert o.watermark == T0 + MINUTE - 1
    assert len(o.alerts) == 1
    alert = o.alerts[0]
    assert alert["alert_id"] == alert_id("Team A", "Bo Beta", T0)
    assert (alert["total"], alert["players"], alert["version"]) == (
        2,
        ["Abe Alpha", "Anna Alpha"],
        1,
    )


def test_allowed_lateness_refires_as_an_update_then_late_output() -> None:
    o = op()
    feed(o, item(T0 + 1_000, "Anna Alpha"), item(T0 + 2_000, "Abe Alpha"))
    feed(o, item(T0 + MINUTE + OOO + 5_000, "Cy Gamma", "Team C", "Al Alpha", "Team A"))
    assert [a["version"] for a in o.alerts] == [1]
    # Fired, not yet past end - 1 + lateness: the record makes the window fire again.
    assert feed(o, item(T0 + 3_000, "Ada Alpha")) == [True]
    assert [a["version"] for a in o.alerts] == [1, 2]
    update = o.alerts[1]
    assert update["alert_id"] == o.alerts[0]["alert_id"]
    assert update["total"] == 3 and update["update"] is True
    assert update["players"] == ["Abe Alpha", "Ada Alpha", "Anna Alpha"]
    # Watermark exactly at end - 1 + lateness: the window is late and its state cleared.
    feed(o, item(T0 + MINUTE - 1 + LATE + OOO + 1, "Cy Gamma", "Team C", "Al Alpha", "Team A"))
    assert o.watermark == T0 + MINUTE - 1 + LATE
    assert T0 not in o.windows
    assert feed(o, item(T0 + 4_000, "Al Alpha")) == [False]
    assert [i.player for i in o.late] == ["Al Alpha"]
    assert len(o.alerts) == 2  # no third firing
    assert T0 not in o.windows  # a late record does not resurrect the window


def test_late_record_makes_a_quiet_window_alert_for_the_first_time() -> None:
    o = op()
    feed(o, item(T0 + 1_000, "Anna Alpha"))
    feed(o, item(T0 + MINUTE + OOO, "Cy Gamma", "Team C", "Al Alpha", "Team A"))
    assert o.alerts == []  # fired with one post: below the minimum
    feed(o, item(T0 + 9_000, "Abe Alpha"))
    assert [(a["version"], a["total"]) for a in o.alerts] == [(1, 2)]


def test_record_for_a_window_first_seen_during_its_lateness_fires_at_once() -> None:
    o = op(min_count=1)
    feed(o, item(T0 + MINUTE + OOO + 10_000, "Cy Gamma", "Team C", "Al Alpha", "Team A"))
    feed(o, item(T0 + 5_000, "Anna Alpha"))
    assert [(a["tamperingPlayer"], a["total"]) for a in o.alerts] == [("Bo Beta", 1)]


def test_same_team_posts_never_alert() -> None:
    o = op(min_count=1)
    feed(o, *(item(T0 + i, "Anna Alpha", "Team B", "Bo Beta", "Team B") for i in range(5)))
    o.flush()
    assert o.alerts == []


def test_flush_fires_open_windows_once_and_later_firing_does_not_repeat() -> None:
    o = op()
    feed(o, item(T0 + 1_000, "Anna Alpha"), item(T0 + 2_000, "Abe Alpha"))
    o.flush()
    assert [a["version"] for a in o.alerts] == [1]
    o.alerts.clear()
    feed(o, item(T0 + 5 * MINUTE, "Cy Gamma", "Team C", "Al Alpha", "Team A"))
    assert o.alerts == []  # fired for real now, nothing new to say
    o2 = op()
    feed(o2, item(T0 + 1_000, "Anna Alpha"), item(T0 + 2_000, "Abe Alpha"))
    o2.flush()
    feed(
        o2,
        item(T0 + 3_000, "Ada Alpha"),
        item(T0 + 5 * MINUTE, "Cy Gamma", "Team C", "Al Alpha", "Team A"),
    )
    assert [(a["version"], a["total"]) for a in o2.alerts] == [(1, 2), (2, 3)]


def test_state_is_cleared_and_stays_bounded_over_many_windows() -> None:
    o = op()
    peak = 0
    for i in range(0, 200 * MINUTE, 5_000):
        for k in range(3):
            feed(o, item(T0 + i, f"P{k}", "Team A", f"Target {i // MINUTE % 7}"))
        peak = max(peak, len(o.windows))
    # window + lateness + out-of-orderness span at most 3 windows' worth of state.
    assert peak <= 3
    assert o.cleared_windows >= 195


def test_snapshot_restore_continues_identically() -> None:
    events = [item(T0 + (i * 7_919) % (6 * MINUTE), f"P{i % 4}") for i in range(60)]
    a = op()
    feed(a, *events)
    b = op()
    feed(b, *events[:30])
    snap = b.snapshot()
    c = op()
    c.restore(snap)
    c.alerts = list(b.alerts)
    c.late = list(b.late)
    feed(c, *events[30:])
    assert c.alerts == a.alerts and c.late == a.late
    assert c.snapshot() == a.snapshot()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10 * MINUTE), st.integers(0, 3), st.integers(0, 2)),
        min_size=1,
        max_size=80,
    ),
    st.data(),
)
def test_within_the_bound_every_window_fires_exactly_once_with_all_its_posts(
    raw: list[tuple[int, int, int]], data: st.DataObject
) -> None:
    # Sort by time, then move records by less than the out-of-orderness bound.
    raw.sort()
    ts = [t for t, _, _ in raw]
    shuffled = sorted(
        range(len(raw)),
        key=lambda i: ts[i] + data.draw(st.integers(0, OOO - 1), label=f"jitter{i}"),
    )
    events = []
    high = -1
    for i in shuffled:
        t, p, target = raw[i]
        if t < high - OOO:
            continue  # outside the bound for this order; keep the property exact
        high = max(high, t)
        events.append(item(T0 + t, f"P{p}", "Team A", f"Target {target}"))
    o = op()
    feed(o, *events)
    o.flush()
    expected: dict[tuple[str, int], set[str]] = defaultdict(set)
    totals: dict[tuple[str, int], int] = defaultdict(int)
    for e in events:
        key = (e.target, e.event_ms - e.event_ms % MINUTE)
        totals[key] += 1
        expected[key].add(e.player)
    want = sorted(
        (k[0], iso_utc(k[1]), totals[k], tuple(sorted(expected[k])))
        for k in totals
        if totals[k] >= 2
    )
    got = sorted(
        (a["tamperingPlayer"], a["window_start"], a["total"], tuple(a["players"])) for a in o.alerts
    )
    assert got == want
    assert o.late == []
    assert all(a["version"] == 1 for a in o.alerts)
