"""Configuration of the tampering detector (the original's Flink application)."""

from __future__ import annotations

from pydantic import Field

from courtside._model import Section


class DetectSettings(Section):
    """Event-time settings; defaults are the original application's."""

    window_s: float = Field(default=60.0, gt=0)
    lateness_s: float = Field(default=30.0, ge=0)
    out_of_orderness_s: float = Field(default=20.0, ge=0)
    idleness_s: float = Field(default=90.0, gt=0)
    min_count: int = Field(default=2, ge=1)
