"""Typed, validated configuration.

Settings come from, highest priority first: keyword arguments (the CLI's flags),
``COURTSIDE_*`` environment variables (nested keys with ``__``, e.g.
``COURTSIDE_DELIVER__BUFFER_MIB=8``), the TOML file (``--config``, ``COURTSIDE_CONFIG``
or ``<home>/courtside.toml``), then defaults. Everything is validated once, at load time;
a bad value raises :class:`~courtside.errors.ConfigError` naming the key and the value.
Secrets are ``SecretStr`` and never print.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from courtside.batch.config import BatchSettings
from courtside.catalog.config import CatalogSettings
from courtside.collect.config import BlueskySettings, XSettings
from courtside.deliver.config import DeliverSettings
from courtside.detect.config import DetectSettings
from courtside.errors import ConfigError
from courtside.notify.config import NotifySettings
from courtside.stream.config import StreamSettings
from courtside.supervisor import UpSettings
from courtside.warehouse.config import WarehouseSettings

DEFAULT_HOME = Path("courtside-home")
CONFIG_FILE_NAME = "courtside.toml"

__all__ = ["Settings", "load_settings", "DEFAULT_HOME"]


class Settings(BaseSettings):
    """All of courtside's configuration. Paths are resolved against ``home``."""

    model_config = SettingsConfigDict(
        env_prefix="COURTSIDE_",
        env_nested_delimiter="__",
        frozen=True,
        extra="forbid",
    )

    home: Path = DEFAULT_HOME
    lake_root: Path | None = Field(
        default=None, description="Data lake directory (default <home>/lake)."
    )
    stream: StreamSettings = StreamSettings()
    deliver: DeliverSettings = DeliverSettings()
    x: XSettings = XSettings()
    bluesky: BlueskySettings = BlueskySettings()
    detect: DetectSettings = DetectSettings()
    notify: NotifySettings = NotifySettings()
    warehouse: WarehouseSettings = WarehouseSettings()
    up: UpSettings = UpSettings()
    batch: BatchSettings = BatchSettings()
    catalog: CatalogSettings = CatalogSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment and TOML are merged by load_settings (env wins over the file).
        return (init_settings,)

    # -- derived paths -------------------------------------------------------------------
    @property
    def lake(self) -> Path:
        """The data lake root."""
        return (self.lake_root or self.home / "lake").resolve()

    @property
    def stream_path(self) -> Path:
        """The durable local stream file."""
        return (self.home / "streams.db").resolve()

    @property
    def state_dir(self) -> Path:
        """Folder for checkpoints, bookmarks, run records and local tables."""
        return (self.home / "state").resolve()


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc


def _env_for(nested: str) -> dict[str, Any]:
    """Environment overrides, so that env beats the TOML file for nested keys too."""
    prefix = "COURTSIDE_"
    out: dict[str, Any] = {}
    for name, value in os.environ.items():
        if not name.startswith(prefix) or name in ("COURTSIDE_CONFIG",):
            continue
        parts = name[len(prefix) :].lower().split(nested)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[parts[-1]] = value
    return out


def load_settings(
    home: Path | str | None = None,
    config_file: Path | str | None = None,
    **overrides: Any,
) -> Settings:
    """Load and validate the configuration.

    Args:
        home: The home folder (overrides ``COURTSIDE_HOME``; default ``./courtside-home``).
        config_file: A TOML file (default ``COURTSIDE_CONFIG`` or ``<home>/courtside.toml``
            when it exists).
        **overrides: Top-level keys that win over every other source.

    Raises:
        ConfigError: naming the first bad key and its value.
    """
    env = _env_for("__")
    home_path = Path(home) if home is not None else Path(env.get("home", DEFAULT_HOME))
    data: dict[str, Any] = {}
    file_path: Path | None
    if config_file is not None:
        file_path = Path(config_file)
    elif os.environ.get("COURTSIDE_CONFIG"):
        file_path = Path(os.environ["COURTSIDE_CONFIG"])
    else:
        candidate = home_path / CONFIG_FILE_NAME
        file_path = candidate if candidate.is_file() else None
    if file_path is not None:
        if not file_path.is_file():
            raise ConfigError(f"config file {file_path} does not exist", key="config")
        data = _read_toml(file_path)
    data = _deep_merge(data, env)
    data = _deep_merge(data, {k: v for k, v in overrides.items() if v is not None})
    data["home"] = home_path
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        bad = err.get("input")
        shown = "<secret>" if any(s in key for s in ("token", "password")) else repr(bad)
        raise ConfigError(f"invalid config {key} = {shown}: {err['msg']}", key=key) from None
