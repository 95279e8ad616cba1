"""Shared base for configuration sections."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A frozen configuration section that rejects unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")
