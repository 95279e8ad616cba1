"""The ``[quality]`` section: declarative data-quality checks per catalog table.

Example (``courtside.toml``)::

    [quality]
    examples = 5                      # failing rows shown per check

    [[quality.tables.tweets]]
    check = "not_null"
    column = "id"

    [[quality.tables.tweets]]
    check = "unique"
    column = "id"

    [[quality.tables.tweets]]
    check = "accepted_values"
    column = "lang"
    values = ["en", "es", "fr", "de", "pt", "it", "ja", "tl", "und"]
    severity = "warn"                 # reported, never fails the run

    [[quality.tables.players_total_tweets]]
    check = "range"
    column = "total"
    min = 1

    [[quality.tables.players_total_tweets]]
    check = "row_count_change"        # day over day
    max_change_pct = 50

    [[quality.tables.tweets]]
    check = "freshness"               # newest created_at within 36 h of now
    column = "created_at"
    max_age_h = 36

The section is :attr:`courtside.config.Settings.quality`. The nightly pipeline validates
the checks before any step and evaluates them after the workflow (every table but the
daily outputs) and after the daily job (its outputs), on each new day; ``courtside quality
check`` evaluates them on demand.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from courtside._model import Section
from courtside.errors import ConfigError

__all__ = [
    "AcceptedValues",
    "BaseCheck",
    "Check",
    "Freshness",
    "NotNull",
    "QualitySettings",
    "Range",
    "RowCount",
    "RowCountChange",
    "Unique",
    "load_quality_file",
]

_TABLE = re.compile(r"^([a-z_][a-z0-9_]{0,63}\.)?[a-z_][a-z0-9_]{0,63}$")
_COLUMN = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
Scalar = str | int | float | bool


class BaseCheck(Section):
    """Fields every check has.

    Attributes:
        name: A name for reports (default ``<check>:<column>``).
        severity: ``error`` fails the run (and stops the nightly pipeline); ``warn`` is
            only reported.
    """

    check: str
    name: str | None = Field(default=None, max_length=100)
    severity: Literal["error", "warn"] = "error"

    def columns(self) -> tuple[str, ...]:
        """The columns the check reads (validated against the catalog at start-up)."""
        column = getattr(self, "column", None)
        return (column,) if column else ()

    def label(self) -> str:
        """The check's name in reports."""
        if self.name:
            return self.name
        cols = ",".join(self.columns())
        return f"{self.check}:{cols}" if cols else self.check


class NotNull(BaseCheck):
    """Every row has a value in ``column``."""

    check: Literal["not_null"]
    column: str = Field(pattern=_COLUMN)


class Unique(BaseCheck):
    """No two rows share a value of ``column`` (nulls are ignored)."""

    check: Literal["unique"]
    column: str = Field(pattern=_COLUMN)


class AcceptedValues(BaseCheck):
    """Every non-null value of ``column`` is one of ``values`` (compared as text)."""

    check: Literal["accepted_values"]
    column: str = Field(pattern=_COLUMN)
    values: list[Scalar] = Field(min_length=1, max_length=10_000)


class Range(BaseCheck):
    """Every non-null value of ``column`` lies within ``[min, max]`` (either may be
    omitted; numbers, or text for text columns)."""

    check: Literal["range"]
    column: str = Field(pattern=_COLUMN)
    min: float | str | None = None
    max: float | str | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Range:
        if self.min is None and self.max is None:
            raise ValueError("a range check needs min, max or both")
        if self.min is not None and self.max is not None:
            if isinstance(self.min, str) != isinstance(self.max, str):
                raise ValueError("min and max must both be numbers or both be text")
            if self.min > self.max:  # type: ignore[operator]
                raise ValueError(f"min {self.min!r} is greater than max {self.max!r}")
        return self


class RowCount(BaseCheck):
    """The rows of the day (or table) number at least ``min`` (and at most ``max``)."""

    check: Literal["row_count"]
    min: int = Field(default=1, ge=0)
    max: int | None = Field(default=None, ge=0)


class RowCountChange(BaseCheck):
    """The day's rows differ from the previous day's by at most ``max_change_pct``
    percent (a previous day with no rows is no baseline: the check passes with a note)."""

    check: Literal["row_count_change"]
    max_change_pct: float = Field(gt=0)


class Freshness(BaseCheck):
    """The newest data is at most ``max_age_h`` hours old: the newest value of
    ``column`` (an event time) or, without ``column``, the end of the newest
    ``year``/``month``/``day`` partition."""

    check: Literal["freshness"]
    max_age_h: float = Field(gt=0)
    column: str | None = Field(default=None, pattern=_COLUMN)


Check = Annotated[
    NotNull | Unique | AcceptedValues | Range | RowCount | RowCountChange | Freshness,
    Field(discriminator="check"),
]


class QualitySettings(Section):
    """Data-quality checks, evaluated by the nightly pipeline on each new day (before the
    load) and by ``courtside quality check``.

    Attributes:
        tables: Checks per catalog table (``tweets`` or ``database.table``).
        examples: Failing rows kept per check in reports and run records.
    """

    tables: dict[str, list[Check]] = Field(default_factory=dict)
    examples: int = Field(default=5, ge=0, le=100)

    @field_validator("tables")
    @classmethod
    def _names(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for name in value:
            if not _TABLE.match(name):
                raise ValueError(f"invalid table name {name[:80]!r}: use table or database.table")
        return value


def load_quality_file(path: Path) -> QualitySettings:
    """Checks from a TOML file with a ``[quality]`` section (or the section's keys at the
    top level).

    Raises:
        ConfigError: naming the file, the key and what is wrong.
    """
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read checks file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"checks file {path} is not valid TOML: {exc}") from None
    section = data.get("quality", data)
    try:
        return QualitySettings.model_validate(section)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in ("quality", *err["loc"]))
        raise ConfigError(f"invalid config {key} in {path}: {err['msg']}", key=key) from None
