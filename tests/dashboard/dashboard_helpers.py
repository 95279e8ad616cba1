"""A small home with known data for the dashboard tests, written through public APIs."""

from __future__ import annotations

import contextlib
import json
import socket
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from courtside.config import Settings
from courtside.home import open_stream
from courtside.lake.layout import date_partition, object_name, write_atomic
from courtside.runs import RunRecorder
from courtside.warehouse.base import ROWS_SCHEMA
from courtside.warehouse.duckdb import DuckDBWarehouse

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
LINK = "[click me](javascript:window.__pwned=3)"
BARE_LINK = "javascript:window.__pwned=4"
HOSTILE = (SCRIPT, IMG, LINK, BARE_LINK)

DAYS = (date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3))
#: (player, totals per day of DAYS); a 0 means no row that day.
TOTALS: dict[str, tuple[int, int, int]] = {
    "LeBron James": (50, 60, 40),  # 150, the top player
    "Luka Doncic": (30, 20, 10),  # 60
    "Jayson Tatum": (5, 0, 15),  # 20, no row on May 2
    "Stephen Curry": (4, 4, 4),  # 12
    SCRIPT: (3, 0, 0),
    IMG: (2, 0, 0),
    LINK: (1, 0, 0),
    BARE_LINK: (1, 0, 0),
}


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def warehouse_rows() -> pa.Table:
    rows: dict[str, list[Any]] = {"year": [], "month": [], "day": [], "player": [], "total": []}
    for player, totals in TOTALS.items():
        for day, total in zip(DAYS, totals, strict=True):
            if total:
                rows["year"].append(day.year)
                rows["month"].append(day.month)
                rows["day"].append(day.day)
                rows["player"].append(player)
                rows["total"].append(total)
    return pa.table(rows, schema=ROWS_SCHEMA)


def write_warehouse(settings: Settings) -> Path:
    """Load :data:`TOTALS` into the home's DuckDB warehouse the way ``courtside load``
    does."""
    path = settings.home.resolve() / "warehouse.duckdb"
    DuckDBWarehouse(path).load(warehouse_rows(), list(DAYS), "replace-days")
    return path


def alert(
    team: str, player: str, total: int, players: list[str], start: str, **extra: Any
) -> bytes:
    doc = {
        "alert_id": f"{team}|{player}|{start}",
        "version": 1,
        "update": False,
        "team": team,
        "tamperingPlayer": player,
        "total": total,
        "players": players,
        "window_start": start,
        "window_end": start.replace(":00Z", ":59Z"),
    }
    doc.update(extra)
    return json.dumps(doc).encode()  # the standard library writes integers of any size


def write_alerts(settings: Settings) -> None:
    with open_stream(settings) as backend:
        backend.append_many(
            "alerts",
            [
                alert("Boston Celtics", "LeBron James", 2, ["Jayson Tatum"],
                      "2024-05-01T12:00:00Z"),
                alert(SCRIPT, IMG, 3, [LINK, BARE_LINK], "2024-05-01T12:01:00Z"),
                # An update of the first alert (same id, version 2): shown once, total 4.
                alert("Boston Celtics", "LeBron James", 4, ["Jaylen Brown", "Jayson Tatum"],
                      "2024-05-01T12:00:00Z", version=2, update=True),
                b"not json at all",
            ],
        )  # fmt: skip


#: Alert records with values that once broke the page (issue #10.4), and the field named.
BAD_ALERTS: tuple[tuple[bytes, str], ...] = (
    (alert("Miami Heat", "Luka Doncic", 2, ["Jimmy Butler"], "2024-05-02T10:00:00Z",
           version=10**30), "version"),
    (alert("Miami Heat", "Luka Doncic", "3", ["Jimmy Butler"],  # type: ignore[arg-type]
           "2024-05-02T10:01:00Z"), "total"),
)  # fmt: skip


def write_bad_alerts(settings: Settings) -> None:
    with open_stream(settings) as backend:
        backend.append_many("alerts", [record for record, _ in BAD_ALERTS])


def write_streams(settings: Settings) -> None:
    """Ten records on ``tweets``; group ``deliver`` committed 7 (lag 3)."""
    with open_stream(settings) as backend:
        seqs = backend.append_many("tweets", [b'{"n": %d}' % i for i in range(10)])
        consumer = backend.consumer("tweets", "deliver")
        consumer.poll(7)
        consumer.commit(seqs[6])


def write_runs(settings: Settings) -> None:
    recorder = RunRecorder(settings)
    with recorder.run("job", "dedupe", {"engine": "duckdb"}) as run:
        run.count("rows_out", 42)
    try:
        with recorder.run("load", "warehouse"):
            raise RuntimeError(f"boom {SCRIPT}")
    except RuntimeError:
        pass


def delivered(post_id: str, day: date, location: str | None, **post: Any) -> bytes:
    user: dict[str, Any] = {"id": "u" + post_id, "username": "fan" + post_id}
    if location is not None:
        user["location"] = location
    doc = {
        "id": post_id,
        "text": f"post {post_id}",
        "author_id": "u" + post_id,
        "created_at": f"{day.isoformat()}T12:00:00.000Z",
        # A mentioned user first: the author is found by id, not by position.
        "users": [{"id": "other", "location": "Tokyo, Japan"}, user],
        "year": f"{day.year:04d}",
        "month": f"{day.month:02d}",
        "day": f"{day.day:02d}",
    }
    doc.update(post)
    return orjson.dumps(doc) + b"\n"


#: (post id, day, location): 3 US, 2 FR, 1 ES, 2 unknown, on the three days.
POSTS: tuple[tuple[str, date, str | None], ...] = (
    ("1", DAYS[0], "Los Angeles, CA"),
    ("2", DAYS[0], "Brooklyn, NY"),
    ("3", DAYS[1], "Boston, MA"),
    ("4", DAYS[1], "Paris, France"),
    ("5", DAYS[2], "🇫🇷"),
    ("6", DAYS[2], "Madrid, España"),
    ("7", DAYS[2], None),
    ("8", DAYS[2], SCRIPT),
)


def write_raw(settings: Settings) -> None:
    by_day: dict[date, list[bytes]] = {}
    for post_id, day, location in POSTS:
        by_day.setdefault(day, []).append(delivered(post_id, day, location))
    # At-least-once delivery: post 1 delivered twice, in another file.
    by_day[DAYS[0]].append(b"this line is not JSON\n")
    for day, lines in by_day.items():
        directory = settings.lake / "raw" / date_partition(day.year, day.month, day.day)
        write_atomic(directory / object_name("test", ".json"), lines)
    again = settings.lake / "raw" / date_partition(2024, 5, 1)
    write_atomic(
        again / object_name("again", ".json"), [delivered("1", DAYS[0], "Los Angeles, CA")]
    )


def write_errors(settings: Settings) -> None:
    directory = settings.lake / "errors" / "year=2024/month=05/day=01/error=processing-failed"
    docs = [
        {
            "errorCode": "NotJson",
            "errorMessage": f"record is not JSON {IMG}",
            "arrivalTimestamp": 1714564800000 + i,
            "rawData": "",
        }
        for i in range(2)
    ] + [{"errorCode": "BadCreatedAt", "errorMessage": LINK, "arrivalTimestamp": 1714564900000}]
    write_atomic(directory / object_name("test", ".json"), [orjson.dumps(d) + b"\n" for d in docs])


def build_home(settings: Settings) -> None:
    """Everything at once: warehouse, alerts, streams, runs, raw posts, errors."""
    write_warehouse(settings)
    write_alerts(settings)
    write_bad_alerts(settings)
    write_streams(settings)
    write_runs(settings)
    write_raw(settings)
    write_errors(settings)
