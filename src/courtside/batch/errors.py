"""Errors of the batch jobs."""

from __future__ import annotations

from courtside.errors import TerminalError, TransientError


class BatchError(TerminalError):
    """A batch job failed (bad input that cannot be quarantined, an engine failure)."""


class JobBusyError(TransientError):
    """Another run of the same job holds its lock; try again when it is done.

    Attributes:
        job: The job's name.
        holder: What the lock file says about the holder (pid, start time), if anything.
    """

    def __init__(self, job: str, holder: str) -> None:
        super().__init__(f"another {job} run is in progress ({holder or 'unknown holder'})")
        self.job = job
        self.holder = holder
