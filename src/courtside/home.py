"""The home folder: lake, stream log, state and configuration in one place."""

from __future__ import annotations

from pathlib import Path

from courtside.config import CONFIG_FILE_NAME, Settings
from courtside.errors import ConfigError
from courtside.lake.layout import ZONES
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
    dirs = [settings.home, settings.state_dir, settings.lake]
    dirs += [settings.lake / zone for zone in ZONES]
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


def open_stream(settings: Settings) -> LocalStream:
    """Open the configured stream backend (the local SQLite log)."""
    return LocalStream(settings.stream_path, settings.stream)
