"""Errors of the enrichment stage.

Bad posts never raise: a text that cannot be scored gets the label ``unscored`` with a
reason (see :data:`courtside.enrich.UNSCORED_REASONS`). These errors are about the
caller's setup: a missing optional dependency or a table the step cannot read.
"""

from __future__ import annotations

from courtside.errors import CourtsideError, TerminalError


class EnrichError(CourtsideError):
    """An enrichment problem (the root of this stage's errors)."""


class EnrichDependencyError(EnrichError, TerminalError):
    """A package of the ``enrich`` extra is not installed.

    Attributes:
        package: The missing distribution's name.
    """

    def __init__(self, package: str) -> None:
        super().__init__(
            f"{package} is not installed: install courtside's enrich extra "
            "(pip install 'courtside[enrich]')"
        )
        self.package = package


class EnrichTableError(EnrichError, TerminalError):
    """A table given to ``enrich_batch`` lacks the ``text`` column or has a column name
    the step would overwrite.

    Attributes:
        column: The column at fault.
    """

    def __init__(self, message: str, *, column: str) -> None:
        super().__init__(message)
        self.column = column
