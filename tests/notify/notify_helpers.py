"""Helpers for notifier tests: alert documents on the alerts stream."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from courtside.config import Settings, load_settings
from courtside.detect.logic import build_alert
from courtside.home import open_stream

T0 = 1_583_020_800_000


def alert(
    team: str = "Los Angeles Lakers",
    player: str = "Jayson Tatum",
    *,
    window: int = 0,
    total: int = 2,
    players: tuple[str, ...] = ("Anthony Davis", "LeBron James"),
    version: int = 1,
) -> dict[str, Any]:
    doc = build_alert(team, player, T0 + window * 60_000, 60_000, total, players, version)
    doc["detector"] = "detect"
    return doc


def put(settings: Settings, *docs: dict[str, Any] | bytes) -> None:
    with open_stream(settings) as backend:
        backend.append_many(
            "alerts", [d if isinstance(d, bytes) else orjson.dumps(d) for d in docs]
        )


def with_notify(home: Path, **notify: Any) -> Settings:
    return load_settings(home=home, notify=notify)


def committed(settings: Settings, channel: str) -> int:
    with open_stream(settings) as backend:
        return backend.committed("alerts", f"notify-{channel}")
