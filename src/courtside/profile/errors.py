"""Errors of the profile job."""

from __future__ import annotations

from courtside.errors import TerminalError

__all__ = ["ProfileError"]


class ProfileError(TerminalError):
    """A table that cannot be profiled (unknown, no date columns for ``--date``)."""
