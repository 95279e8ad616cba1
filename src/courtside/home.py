"""The home folder: lake, stream log, state and configuration in one place."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import orjson

from courtside.config import CONFIG_FILE_NAME, Settings
from courtside.errors import ConfigError
from courtside.lake import Lake, date_partition, object_name
from courtside.lake.layout import ZONES
from courtside.stream.base import StreamBackend
from courtside.stream.local import LocalStream


def init_home(settings: Settings) -> list[Path]:
    """Create the home folder, lake zones, state folder, stream file, the players table
    (the default roster) and a commented config file listing every key. Idempotent:
    existing files are left alone.

    Returns:
        The paths that were created.

    Raises:
        ConfigError: when the home cannot be created or written (naming the path).
    """
    from courtside.config_reference import config_template
    from courtside.reference.players import PlayersTable, players_path, save_players

    created: list[Path] = []
    dirs = [settings.home, settings.state_dir]
    lake = settings.places.lake
    if lake.is_local:  # an object store has no folders to create
        root = Path(lake.engine_url())
        dirs += [root] + [root / zone for zone in ZONES]
    current = settings.home
    try:
        for current in dirs:
            if not current.exists():
                current.mkdir(parents=True)
                created.append(current)
        current = settings.home / CONFIG_FILE_NAME
        if not current.exists():
            current.write_text(config_template(), encoding="utf-8")
            created.append(current)
        current = players_path(settings.home)
        if not current.exists():
            save_players(settings.home, PlayersTable.default())
            created.append(current)
        current = settings.stream_path
        if not current.exists():
            open_stream(settings).close()
            created.append(current)
    except OSError as exc:
        raise ConfigError(
            f"cannot create {current} in home {settings.home}: {exc.strerror or exc}", key="home"
        ) from None
    return created


def open_stream(settings: Settings) -> StreamBackend:
    """Open the configured stream backend: the local SQLite log (default) or Kinesis Data
    Streams (``[stream] backend = "kinesis"``, reached with ``[aws]``)."""
    if settings.stream.backend == "kinesis":
        from courtside.stream.kinesis import KinesisStreams

        lake = settings.places.lake
        return KinesisStreams(
            settings.stream,
            settings.aws,
            on_oversize=lambda stream, records: divert_oversize(lake, stream, records),
        )
    return LocalStream(settings.stream_path, settings.stream)


def require_local_stream(settings: Settings, who: str) -> None:
    """Refuse a sharded stream backend for a stage whose checkpoints hold global stream
    positions (seek, read-after), which Kinesis does not have (the Flink detector's
    source; the embedded detector keeps :meth:`Consumer.snapshot` positions instead).

    Raises:
        ConfigError: naming the stage and the backend.
    """
    if settings.stream.backend != "local":
        raise ConfigError(
            f"{who} reads the local stream log only, not [stream] backend = "
            f"{settings.stream.backend!r} (planned)",
            key="stream.backend",
        )


def divert_oversize(lake: Lake, stream: str, records: list[bytes]) -> None:
    """Write records too large for the stream service to the lake's error zone, in the
    delivery error shape (code ``RecordTooLarge``), durably, before the rest is sent."""
    now = datetime.now(UTC)
    now_ms = int(now.timestamp() * 1000)
    docs = [
        orjson.dumps(
            {
                "attemptsMade": 1,
                "arrivalTimestamp": now_ms,
                "attemptEndingTimestamp": now_ms,
                "errorCode": "RecordTooLarge",
                "errorMessage": f"record of {len(data)} bytes is over the {stream} stream's "
                "1 MiB limit (Kinesis)",
                "stream": stream,
                "rawData": base64.b64encode(data).decode("ascii"),
            }
        )
        + b"\n"
        for data in records
    ]
    part = date_partition(now.year, now.month, now.day)
    key = f"errors/{part}/error=processing-failed/{object_name('courtside-producer', '.json')}"
    lake.put(key, docs)
