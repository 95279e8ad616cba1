"""Errors of the daily job."""

from __future__ import annotations

from courtside.errors import CourtsideError, TerminalError


class JobError(CourtsideError):
    """A daily-job problem (the root of this stage's errors)."""


class ParameterError(JobError, TerminalError):
    """A job parameter is invalid (not a real date, not a safe identifier or path)."""


class QueryFileError(JobError, TerminalError):
    """A HiveQL file is missing, uses an unknown parameter or an unsupported construct."""


class MissingInputError(JobError, TerminalError):
    """The job's input table is not in the catalog.

    Attributes:
        table: The qualified name of the missing table.
    """

    def __init__(self, table: str) -> None:
        super().__init__(
            f"the input table {table} is not in the catalog: run `courtside etl workflow` "
            "first (it de-duplicates raw/ into tweets/ and crawls them into the catalog)"
        )
        self.table = table


class EngineStartError(JobError):
    """The engine could not start (Java missing, Spark failed to launch, ...)."""


class DailyJobError(JobError, TerminalError):
    """An execution of the daily job ended in the ``Fail`` state.

    Attributes:
        day: The day (``YYYY-MM-DD``).
        state: The state that failed.
        run_id: The execution's run id.
    """

    def __init__(self, day: str, state: str, run_id: str, cause: BaseException) -> None:
        super().__init__(f"daily job for {day} failed in state {state}: {cause} (run {run_id})")
        self.day = day
        self.state = state
        self.run_id = run_id
        self.cause = cause
