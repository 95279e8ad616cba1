"""Helpers for detector tests: a small roster, hand-made tweets, reading outputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from courtside.config import Settings
from courtside.home import open_stream
from courtside.records import iso_utc
from courtside.reference.players import PlayersTable
from courtside.stream.local import LocalStream

# Three teams of four; "Luka Dončić" checks accent-insensitive name lookups.
ROSTER_CSV = """account,name,team
a0,Anna Alpha,Team A
a1,Abe Alpha,Team A
a2,Ada Alpha,Team A
a3,Al Alpha,Team A
b0,Bea Beta,Team B
b1,Ben Beta,Team B
b2,Bo Beta,Team B
b3,Luka Dončić,Team B
c0,Cy Gamma,Team C
c1,Cal Gamma,Team C
c2,Cat Gamma,Team C
c3,Cid Gamma,Team C
"""

MINUTE = 60_000
T0 = 1_583_020_800_000  # 2020-03-01T00:00:00Z, a window boundary


def roster() -> PlayersTable:
    return PlayersTable.from_csv_text(ROSTER_CSV)


def write_roster(home: Path) -> None:
    """Install the small roster as the home's players table (for subprocess runs)."""
    path = home / "reference" / "players.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ROSTER_CSV, encoding="utf-8")


_counter = [0]


def tweet_doc(
    author: str,
    targets: list[str],
    event_ms: int | None,
    *,
    legacy: bool = False,
    created_at: Any = "default",
    post_id: str | None = None,
) -> dict[str, Any]:
    """A record in the X API v2 shape: ``author`` (account) mentions ``targets`` (names)."""
    _counter[0] += 1
    post: dict[str, Any] = {
        "id": post_id or f"p{_counter[0]}",
        "text": "hello " + " ".join(targets),
        "author_id": "u-" + author,
        "lang": "en",
        "context_annotations": [
            {"domain": {"id": "11", "name": "Sport"}, "entity": {"id": "1", "name": "Basketball"}}
        ]
        + [
            {"domain": {"id": "60", "name": "Athlete"}, "entity": {"id": "2", "name": name}}
            for name in targets
        ],
    }
    if created_at == "default":
        assert event_ms is not None
        post["created_at"] = iso_utc(event_ms)
    elif created_at is not None:
        post["created_at"] = created_at
    record: dict[str, Any] = {
        "data": [post] if legacy else post,
        "includes": {"users": [{"id": "u-" + author, "username": author, "name": author}]},
        "matching_rules": [{"id": "1", "tag": "nba"}],
    }
    if legacy and event_ms is not None:
        record["event_time"] = event_ms
    return record


def tweet(author: str, targets: list[str], event_ms: int | None, **kw: Any) -> bytes:
    return orjson.dumps(tweet_doc(author, targets, event_ms, **kw))


def append(
    settings: Settings, stream: str, records: list[bytes], clock: Callable[[], float] | None = None
) -> None:
    """Append ``records`` to the home's stream, stamped by ``clock`` (default: wall clock)."""
    if clock is None:
        backend = open_stream(settings)
    else:
        backend = LocalStream(settings.stream_path, settings.stream, clock=clock)
    with backend:
        backend.append_many(stream, records)


def alerts_on(settings: Settings, detector: str | None = None) -> list[dict[str, Any]]:
    with open_stream(settings) as backend:
        docs = [orjson.loads(r.data) for r in backend.read("alerts", 0, 1_000_000)]
    return [d for d in docs if detector is None or d.get("detector") == detector]


def core(alert: dict[str, Any]) -> tuple[Any, ...]:
    """An alert without the engine's bookkeeping fields, comparable across engines."""
    return (
        alert["alert_id"],
        alert["version"],
        alert["team"],
        alert["tamperingPlayer"],
        alert["total"],
        tuple(alert["players"]),
        alert["window_start"],
        alert["window_end"],
    )


def lake_docs(lake: Path, zone: str) -> list[dict[str, Any]]:
    docs = []
    for path in sorted((lake / zone).rglob("*.json")):
        assert not path.name.startswith(".")
        docs += [orjson.loads(line) for line in path.read_bytes().splitlines()]
    return docs
