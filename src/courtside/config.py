"""Typed, validated configuration.

Settings come from, highest priority first: keyword arguments (the CLI's flags),
``COURTSIDE_*`` environment variables (nested keys with ``__``, e.g.
``COURTSIDE_DELIVER__BUFFER_MIB=8``), the TOML file (``--config``, ``COURTSIDE_CONFIG``
or ``<home>/courtside.toml``), then defaults. List keys take a JSON list or
comma-separated values from the environment (``COURTSIDE_NOTIFY__MAIL_TO=a@x.org,b@x.org``);
``"none"`` unsets an optional key (``retention_hours = "none"``: keep forever).
Everything is validated once, at load time; a bad value raises
:class:`~courtside.errors.ConfigError` naming the key and the value, in one line.
Secrets are ``SecretStr`` and never print.
"""

from __future__ import annotations

import json
import os
import tomllib
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from courtside._model import LakeLocation, LocalPath, check_location
from courtside.aws.config import AwsSettings
from courtside.batch.config import BatchSettings
from courtside.catalog.config import CatalogSettings
from courtside.collect.config import BlueskySettings, XSettings
from courtside.deliver.config import DeliverSettings
from courtside.detect.config import DetectSettings
from courtside.engines.config import SparkSettings
from courtside.errors import ConfigError
from courtside.notify.config import NotifySettings
from courtside.places import Places
from courtside.quality.config import QualitySettings
from courtside.stream.config import StreamSettings
from courtside.up_config import UpSettings
from courtside.warehouse.config import WarehouseSettings

DEFAULT_HOME = Path("courtside-home")
CONFIG_FILE_NAME = "courtside.toml"
ENV_PREFIX = "COURTSIDE_"
ENV_DELIMITER = "__"

Source = Literal["default", "file", "env", "flag"]

__all__ = ["DEFAULT_HOME", "LoadedSettings", "Settings", "load_settings", "load_with_sources"]


class Settings(BaseModel):
    """All of courtside's configuration. Paths are resolved against ``home``.

    Attributes:
        home: The home folder: lake, stream log, state and ``courtside.toml``
            (``--home`` or ``COURTSIDE_HOME``).
        lake_root: The data lake's location (default ``<home>/lake``): a local folder or
            ``s3://bucket/prefix`` (reached with ``[aws]``).
    """

    # A plain model: load_with_sources reads the environment (COURTSIDE_*, ``__`` between
    # section and key) and the TOML file itself, to know where each value came from.
    # (pydantic-settings only added start-up time: importing it pulls in asyncio.)
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    home: LocalPath = DEFAULT_HOME
    lake_root: LakeLocation | None = Field(
        default=None,
        description="Data lake location: a folder or s3://bucket/prefix (default <home>/lake).",
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
    spark: SparkSettings = SparkSettings()
    catalog: CatalogSettings = CatalogSettings()
    quality: QualitySettings = QualitySettings()
    aws: AwsSettings = AwsSettings()

    # -- derived paths -------------------------------------------------------------------
    @property
    def lake_url(self) -> str:
        """The data lake's location: an absolute local folder or ``s3://bucket/prefix``."""
        if isinstance(self.lake_root, str):
            return self.lake_root
        return str((self.lake_root or self.home / "lake").expanduser().resolve())

    @property
    def lake(self) -> Path:
        """The data lake as a local folder (for tools and tests that look at its files;
        every stage reaches the lake through :attr:`places` ``.lake``, on a folder or S3).

        Raises:
            ConfigError: when the lake is not a local folder.
        """
        url = self.lake_url
        if "://" in url:
            raise ConfigError(
                f"lake_root = {url} is not a local folder (the stages read it through the "
                "lake seam; this path is for local tools only)",
                key="lake_root",
            )
        return Path(url)

    @property
    def stream_path(self) -> Path:
        """The durable local stream file."""
        return (self.home / "streams.db").resolve()

    @property
    def state_dir(self) -> Path:
        """Folder for checkpoints, bookmarks, run records and local tables."""
        return (self.home / "state").resolve()

    @property
    def places(self) -> Places:
        """Where things are, for the modules below the CLI (see docs/architecture.md)."""
        return Places(
            self.home.resolve(),
            self.lake_url,
            self.state_dir,
            str(self.stream_path),
            self.aws,
            self.catalog.backend,
        )


class LoadedSettings:
    """Settings together with where each key's value came from.

    Attributes:
        settings: The validated settings.
        sources: Dotted key (``deliver.buffer_mib``) -> ``file``, ``env`` or ``flag``;
            keys not listed have their default.
        env_names: Dotted key -> the environment variable that set it.
        config_file: The TOML file that was read, if any.
    """

    def __init__(
        self,
        settings: Settings,
        sources: dict[str, Source],
        env_names: dict[str, str],
        config_file: Path | None,
    ) -> None:
        self.settings = settings
        self.sources = sources
        self.env_names = env_names
        self.config_file = config_file

    def source(self, key: str) -> Source:
        """Where ``key``'s value came from (``default`` when nothing set it)."""
        return self.sources.get(key, "default")


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc


def field_annotation(key: str) -> Any:
    """The type annotation of a dotted key (``notify.mail_to``), or None if unknown."""
    model: type[BaseModel] = Settings
    parts = key.split(".")
    for i, part in enumerate(parts):
        info = model.model_fields.get(part)
        if info is None:
            return None
        annotation = info.annotation
        if i == len(parts) - 1:
            return annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return None


def _union_args(annotation: Any) -> tuple[Any, ...]:
    if get_origin(annotation) in (Union, types.UnionType):
        return get_args(annotation)
    return (annotation,)


def is_list_type(annotation: Any) -> bool:
    """Whether a field takes a list (``list[str]``, ``list[str] | None``)."""
    return any(get_origin(a) is list for a in _union_args(annotation))


def is_optional_type(annotation: Any) -> bool:
    """Whether a field may be unset (``None``)."""
    return any(a is type(None) for a in _union_args(annotation))


def _unset_nones(data: dict[str, Any], prefix: str = "") -> None:
    """``"none"`` unsets an optional key: TOML and the environment have no null."""
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            _unset_nones(value, dotted + ".")
        elif (
            isinstance(value, str)
            and value.strip().lower() == "none"
            and is_optional_type(field_annotation(dotted))
        ):
            data[key] = None


def is_secret_type(annotation: Any) -> bool:
    """Whether a field holds a secret (``SecretStr``)."""
    return any(a is SecretStr for a in _union_args(annotation))


def _env_list(value: str, name: str) -> Any:
    """A list from an environment value: a JSON list, or comma-separated values."""
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ConfigError(
                f"invalid environment variable {name}: not a JSON list ({exc})", key=name
            ) from None
    return [part.strip() for part in text.split(",") if part.strip()]


def _read_env() -> tuple[dict[str, Any], dict[str, str]]:
    """Environment overrides as a nested dict (env beats the TOML file for nested keys
    too), and the variable behind each dotted key."""
    out: dict[str, Any] = {}
    names: dict[str, str] = {}
    for name, value in sorted(os.environ.items()):
        if not name.startswith(ENV_PREFIX) or name == "COURTSIDE_CONFIG":
            continue
        parts = name[len(ENV_PREFIX) :].lower().split(ENV_DELIMITER)
        dotted = ".".join(parts)
        if is_list_type(field_annotation(dotted)):
            value = _env_list(value, name)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[parts[-1]] = value
            names[dotted] = name
    return out, names


def _shown(key: str, value: Any) -> str:
    if is_secret_type(field_annotation(key)) or any(s in key for s in ("token", "password")):
        return "<secret>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _one_line(message: str) -> str:
    message = message.removeprefix("Value error, ")
    return " ".join(message.split())


# Keys that moved to another section: an old file or variable still sets the new key,
# unless the new key is set too.
_MOVED = {
    ("batch", "spark_master"): ("spark", "master"),
    ("batch", "spark_driver_memory"): ("spark", "driver_memory"),
}


def _move_keys(data: dict[str, Any], sources: dict[str, Source]) -> None:
    for (old_section, old_key), (section, key) in _MOVED.items():
        old = data.get(old_section)
        if not isinstance(old, dict) or old_key not in old:
            continue
        value = old.pop(old_key)
        source = sources.pop(f"{old_section}.{old_key}", "file")
        new = data.setdefault(section, {})
        if isinstance(new, dict) and key not in new:
            new[key] = value
            sources[f"{section}.{key}"] = source


def _check_folders(settings: Settings) -> None:
    """A home or lake that exists but is not a folder stops every command at once."""
    lake = settings.lake_root if isinstance(settings.lake_root, Path) else None
    for key, path in (("home", settings.home), ("lake_root", lake)):
        if path is not None and path.exists() and not path.is_dir():
            raise ConfigError(f"{key} {path} is not a folder", key=key)


def load_with_sources(
    home: Path | str | None = None,
    config_file: Path | str | None = None,
    **overrides: Any,
) -> LoadedSettings:
    """Load and validate the configuration, remembering where each value came from.

    Args:
        home: The home folder (overrides ``COURTSIDE_HOME``; default ``./courtside-home``).
        config_file: A TOML file (default ``COURTSIDE_CONFIG`` or ``<home>/courtside.toml``
            when it exists).
        **overrides: Top-level keys that win over every other source (the CLI's flags).

    Raises:
        ConfigError: naming the first bad key and its value, in one line.
    """
    env, env_names = _read_env()
    sources: dict[str, Source] = {}
    if home is not None:
        sources["home"] = "flag"
    home_value: Any = home if home is not None else env.get("home", DEFAULT_HOME)
    try:
        home_path = Path(check_location(home_value))
    except ValueError as exc:
        raise ConfigError(
            f"invalid config home = {_shown('home', home_value)}: {_one_line(str(exc))}",
            key="home",
        ) from None
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
        sources.update(dict.fromkeys(_flatten(data), "file"))
    sources.update(dict.fromkeys(_flatten(env), "env"))
    given = {k: v for k, v in overrides.items() if v is not None}
    sources.update(dict.fromkeys(_flatten(given), "flag"))
    data = _deep_merge(_deep_merge(data, env), given)
    _move_keys(data, sources)
    _unset_nones(data)
    data["home"] = home_path
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        shown = _shown(key, err.get("input"))
        raise ConfigError(
            f"invalid config {key} = {shown}: {_one_line(err['msg'])}", key=key
        ) from None
    _check_folders(settings)
    return LoadedSettings(settings, sources, env_names, file_path)


def load_settings(
    home: Path | str | None = None,
    config_file: Path | str | None = None,
    **overrides: Any,
) -> Settings:
    """Load and validate the configuration: :func:`load_with_sources` (same arguments,
    same errors) without the record of where each value came from."""
    return load_with_sources(home, config_file, **overrides).settings
