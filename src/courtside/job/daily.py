"""The daily job: the original Step Functions state machine, run on DuckDB or Spark.

Every execution goes through the same states, each recorded with its status, time and
duration in the run record (kind ``job``, name ``daily``; ``courtside job history`` and
``courtside runs`` show them)::

    StartEngine -> GetTable -> [CreateTable] -> RunQuery
      -> GetSentimentTable -> [CreateSentimentTable] -> RunSentimentQuery
      -> StopEngine -> Succeed
    any failure ---------------------------------------------> StopEngine -> Fail

``GetTable`` looks the output table up in the catalog (and checks that the input
``tweets`` table is there); ``CreateTable`` runs the create-table HiveQL when it is
missing; ``RunQuery`` runs the query HiveQL for the day, replacing that day's partition
of ``players_total_tweets/`` (published with :func:`courtside.lake.tables.publish`: the
objects, then a commit marker; no renames) and registering it in the catalog. The job
reads and writes the lake only through :attr:`courtside.places.Places.lake`, so it runs
the same on a folder lake and on S3 (the lake is checked before anything runs: a missing
bucket is one line naming the deploy step). The three ``*Sentiment*``
states do the same with the second query, ``players_daily_sentiment.hql`` (its table,
then the day's per-player sentiment into ``players_daily_sentiment/``). When the
catalog's ``tweets`` table has no enrichment columns (enrichment off, or a crawl under
the ``log`` policy that kept the old schema), ``RunSentimentQuery`` is ``skipped`` with
the reason; the original's query and counts are never affected. In a range, the engine is
kept running between successful days (like an EMR cluster kept alive between steps) and
stopped after the last one; a failure always stops it and ends the range.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from courtside.batch.state import job_lock
from courtside.catalog.errors import NoSuchTableError
from courtside.catalog.store import Catalog, Partition, Table
from courtside.config import Settings
from courtside.job.engines import DailyEngine, make_engine
from courtside.job.errors import DailyJobError, JobError, MissingInputError, QueryFileError
from courtside.job.hql import (
    CREATE_TABLE_FILE,
    QUERY_FILE,
    load_query,
    parse_create_table,
    parse_insert_overwrite,
    render,
    split_statements,
)
from courtside.job.output import OUTPUT_ZONE, SENTIMENT_ZONE, day_key
from courtside.job.params import DailyParams, check_location
from courtside.lake.base import Lake
from courtside.lake.tables import day_files
from courtside.runs import FAILED, SKIPPED, SUCCEEDED, Run, RunRecord, RunRecorder, scrub

__all__ = [
    "FAIL",
    "STATES",
    "SUCCEED",
    "DailyBatch",
    "DailyResult",
    "history",
    "run_day",
    "run_days",
]

START_ENGINE, GET_TABLE, CREATE_TABLE, RUN_QUERY = (
    "StartEngine",
    "GetTable",
    "CreateTable",
    "RunQuery",
)
STOP_ENGINE, SUCCEED, FAIL = "StopEngine", "Succeed", "Fail"
GET_SENTIMENT_TABLE, CREATE_SENTIMENT_TABLE, RUN_SENTIMENT_QUERY = (
    "GetSentimentTable",
    "CreateSentimentTable",
    "RunSentimentQuery",
)
STATES = (
    START_ENGINE,
    GET_TABLE,
    CREATE_TABLE,
    RUN_QUERY,
    GET_SENTIMENT_TABLE,
    CREATE_SENTIMENT_TABLE,
    RUN_SENTIMENT_QUERY,
    STOP_ENGINE,
    SUCCEED,
    FAIL,
)
JOB_KIND, JOB_NAME = "job", "daily"
OUTPUT_TABLE, INPUT_TABLE = "players_total_tweets", "tweets"
SENTIMENT_TABLE = "players_daily_sentiment"
SENTIMENT_FILE = "players_daily_sentiment.hql"
#: Columns of the input the sentiment query reads besides the original's.
SENTIMENT_INPUTS = ("sentiment_label", "sentiment_score")


@dataclass(frozen=True)
class DailyResult:
    """The outcome of one execution.

    Attributes:
        day: The day computed.
        run_id: The execution's run record.
        status: ``succeeded`` or ``failed``.
        engine: ``duckdb`` or ``spark``.
        rows: Output rows (players) written for the day.
        created_table: True when this execution created the output table.
        sentiment_rows: Rows written to ``players_daily_sentiment/`` for the day (None
            when the sentiment query was skipped).
        note: A remark for the user (e.g. why there are zero rows).
        error: The failure, when it failed.
        failed_state: The state that failed.
    """

    day: date
    run_id: str
    status: str
    engine: str
    rows: int = 0
    created_table: bool = False
    note: str | None = None
    error: str | None = None
    failed_state: str | None = None
    sentiment_rows: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        out = dict(self.__dict__)
        out["day"] = self.day.isoformat()
        return out


@dataclass
class DailyBatch:
    """The executions of a range: results in order, and the days a failure left unrun."""

    results: list[DailyResult] = field(default_factory=list)
    not_run: list[date] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every day succeeded."""
        return not self.not_run and all(r.status == SUCCEEDED for r in self.results)

    @property
    def rows(self) -> int:
        """Output rows over all days."""
        return sum(r.rows for r in self.results)


class _Machine:
    """Records each state of one execution as a transition (status, duration)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.current = START_ENGINE

    @contextmanager
    def state(self, name: str) -> Iterator[dict[str, Any]]:
        self.current = name
        info: dict[str, Any] = {}
        started = time.perf_counter()
        try:
            yield info
        except BaseException as exc:
            elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
            error = scrub(f"{type(exc).__name__}: {exc}")[:500]
            self.run.transition(name, FAILED, duration_ms=elapsed_ms, error=error, **info)
            raise
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        self.run.transition(name, SUCCEEDED, duration_ms=elapsed_ms, **info)


def _input_table(catalog: Catalog, database: str) -> Table:
    try:
        return catalog.get_table(database, INPUT_TABLE)
    except NoSuchTableError:
        raise MissingInputError(f"{database}.{INPUT_TABLE}") from None


def _missing_sentiment_inputs(source: Table) -> list[str]:
    names = {c.name for c in source.columns}
    return [c for c in SENTIMENT_INPUTS if c not in names]


def _same_location(stored: str, expected: str) -> bool:
    if "://" in stored or "://" in expected:
        return stored.rstrip("/") == expected.rstrip("/")
    return Path(stored).resolve() == Path(expected)


def _output_table(catalog: Catalog, params: DailyParams) -> Table | None:
    try:
        table = catalog.get_table(params.database, params.table)
    except NoSuchTableError:
        return None
    keys = tuple(k.name for k in table.partition_keys)
    if (
        not _same_location(table.location, params.location)
        or table.format != "json"
        or keys != ("year", "month", "day")
    ):
        raise JobError(
            f"catalog table {table.qualified_name} is not the daily job's output (location "
            f"{table.location}, format {table.format}, partitions {', '.join(keys) or 'none'});"
            f" expected {params.location}, json, year/month/day: drop it with the catalog "
            "commands or fix it"
        )
    return table


def _one_statement(file: str, values: dict[str, str]) -> str:
    statements = split_statements(render(load_query(file), values))
    if len(statements) != 1:
        raise QueryFileError(f"{file} must hold exactly one statement, found {len(statements)}")
    return statements[0]


def _two_statements(file: str, values: dict[str, str]) -> tuple[str, str]:
    """The ``CREATE EXTERNAL TABLE`` and the ``INSERT OVERWRITE`` of a query file that
    keeps both (``players_daily_sentiment.hql``)."""
    statements = split_statements(render(load_query(file), values))
    if len(statements) != 2:
        raise QueryFileError(f"{file} must hold exactly two statements, found {len(statements)}")
    return statements[0], statements[1]


def _run_sentiment(
    machine: _Machine,
    eng: DailyEngine,
    catalog: Catalog,
    source: Table,
    params: DailyParams,
    lake: Lake,
    day: date,
) -> int | None:
    """The second query's three states; the rows written, None when skipped."""
    with machine.state(GET_SENTIMENT_TABLE) as info:
        table = _output_table(catalog, params)
        info["found"] = table is not None
        ddl, query = _two_statements(SENTIMENT_FILE, params.values())
    if table is None:
        with machine.state(CREATE_SENTIMENT_TABLE):
            table, _ = catalog.get_or_create_table(parse_create_table(ddl))
    missing = _missing_sentiment_inputs(source)
    if missing:
        reason = (
            f"{source.qualified_name} has no {', '.join(missing)} column: enable [batch] enrich"
            " and crawl tweets/ with the update policy (courtside etl workflow --policy update)"
        )
        machine.run.transition(RUN_SENTIMENT_QUERY, SKIPPED, duration_ms=0.0, reason=reason)
        machine.run.detail("sentiment_skipped", reason)
        return None
    with machine.state(RUN_SENTIMENT_QUERY) as info:
        insert = parse_insert_overwrite(query)
        if (insert.database, insert.table) != (params.database, params.table):
            raise QueryFileError(f"{SENTIMENT_FILE} must write {params.database}.{params.table}")
        rows = eng.run_insert(insert, [source, table], lake, day, SENTIMENT_ZONE)
        values = (f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}")
        catalog.add_partitions(
            params.database,
            params.table,
            [Partition(values, lake.engine_url(day_key(day, SENTIMENT_ZONE)))],
        )
        info["rows"] = rows
    return rows


def _has_input(table: Table, lake: Lake, day: date) -> bool:
    if not _same_location(table.location, lake.engine_url(INPUT_TABLE)):
        return True  # not the lake's tweets/: the note cannot tell
    return bool(day_files(lake, INPUT_TABLE, day, day))


def run_day(
    settings: Settings,
    day: date,
    *,
    engine: str | DailyEngine = "duckdb",
    recorder: RunRecorder | None = None,
    parent: Run | str | None = None,
    catalog: Catalog | None = None,
    keep_engine: bool = False,
    lock_wait_s: float | None = None,
) -> DailyResult:
    """Run one execution of the state machine for ``day``.

    Args:
        settings: The home folder.
        day: The day to compute (a real date; see :mod:`courtside.job.params`).
        engine: ``duckdb``, ``spark`` or a started or unstarted engine.
        recorder: Where the execution is recorded (default: the home's run records).
        parent: The enclosing run (the nightly pipeline's step).
        catalog: The catalog (default: the home's).
        keep_engine: Leave the engine running after a success (the next day of a range
            reuses it); a failure always stops it.
        lock_wait_s: How long to wait for another execution of the same day to finish
            (default ``batch.lock_wait_s``: refuse at once). Executions of one day never
            overlap: each holds the day's lock (``state/daily-YYYY-MM-DD.lock``).

    Raises:
        LakeError: the lake cannot be used (a missing bucket: names the deploy step).
        DailyJobError: the execution ended in ``Fail`` (its run record has the states).
        JobBusyError: another execution of the same day holds its lock.
    """
    catalog = catalog or Catalog.open(settings)
    database = settings.catalog.database
    lake = settings.places.lake
    lake.check()
    params = DailyParams(
        day, database, OUTPUT_TABLE, INPUT_TABLE, check_location(lake.engine_url(OUTPUT_ZONE))
    )
    sentiment_params = DailyParams(
        day,
        database,
        SENTIMENT_TABLE,
        INPUT_TABLE,
        check_location(lake.engine_url(SENTIMENT_ZONE)),
    )
    eng = _engine(settings, engine)
    recorder = recorder or RunRecorder(settings)
    run_params = {
        "date": day.isoformat(),
        "engine": eng.name,
        "database": database,
        "table": OUTPUT_TABLE,
    }
    if lock_wait_s is None:
        lock_wait_s = settings.batch.lock_wait_s
    with (
        job_lock(settings, f"{JOB_NAME}-{day.isoformat()}", lock_wait_s),
        recorder.run(JOB_KIND, JOB_NAME, run_params, parent=parent) as run,
    ):
        machine = _Machine(run)
        created, rows, sentiment_rows = False, 0, None
        try:
            with machine.state(START_ENGINE) as info:
                info["reused"] = not eng.start()
            with machine.state(GET_TABLE) as info:
                source = _input_table(catalog, database)
                table = _output_table(catalog, params)
                info["found"] = table is not None
            if table is None:
                with machine.state(CREATE_TABLE):
                    ddl = _one_statement(CREATE_TABLE_FILE, params.values())
                    table, created = catalog.get_or_create_table(parse_create_table(ddl))
            with machine.state(RUN_QUERY) as info:
                insert = parse_insert_overwrite(_one_statement(QUERY_FILE, params.values()))
                if (insert.database, insert.table) != (database, OUTPUT_TABLE):
                    raise QueryFileError(f"{QUERY_FILE} must write {database}.{OUTPUT_TABLE}")
                rows = eng.run_insert(insert, [source, table], lake, day)
                values = (f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}")
                catalog.add_partitions(
                    database,
                    OUTPUT_TABLE,
                    [Partition(values, lake.engine_url(day_key(day, OUTPUT_ZONE)))],
                )
                info["rows"] = rows
            sentiment_rows = _run_sentiment(
                machine, eng, catalog, source, sentiment_params, lake, day
            )
            with machine.state(STOP_ENGINE) as info:
                if keep_engine:
                    info["kept_running"] = True
                else:
                    eng.stop()
        except Exception as exc:
            failed = machine.current
            if failed != STOP_ENGINE:
                try:
                    with machine.state(STOP_ENGINE):
                        eng.stop()
                except Exception:  # noqa: S110 - recorded as a failed StopEngine already
                    pass
            run.transition(FAIL, FAILED, cause=failed)
            raise DailyJobError(day.isoformat(), failed, run.id, exc) from exc
        run.transition(SUCCEED)
        run.set_count("rows", rows)
        if sentiment_rows is not None:
            run.set_count("sentiment_rows", sentiment_rows)
        note = None
        if rows == 0:
            if _has_input(source, lake, day):
                note = f"no posts with an Athlete annotation on {day}: zero rows"
            else:
                note = f"no data in {INPUT_TABLE}/ for {day}: zero rows"
            run.detail("note", note)
    return DailyResult(
        day, run.id, SUCCEEDED, eng.name, rows, created, note, sentiment_rows=sentiment_rows
    )


def _engine(settings: Settings, engine: str | DailyEngine) -> DailyEngine:
    if not isinstance(engine, str):
        return engine
    return make_engine(engine, settings.places, settings.batch, settings.spark)


def run_days(
    settings: Settings,
    days: Sequence[date],
    *,
    engine: str | DailyEngine = "duckdb",
    recorder: RunRecorder | None = None,
    parent: Run | str | None = None,
    catalog: Catalog | None = None,
) -> DailyBatch:
    """Run one execution per day, oldest first, with one engine kept running between
    successful days. The first failure stops the engine and the range.

    Returns:
        The results, and the days left unrun after a failure.

    Raises:
        LakeError: the lake cannot be used (a missing bucket: names the deploy step).
        EngineStartError: for an unknown engine name.
    """
    catalog = catalog or Catalog.open(settings)
    recorder = recorder or RunRecorder(settings)
    settings.places.lake.check()
    eng = _engine(settings, engine)
    ordered = sorted(set(days))
    batch = DailyBatch()
    try:
        for i, day in enumerate(ordered):
            try:
                result = run_day(
                    settings,
                    day,
                    engine=eng,
                    recorder=recorder,
                    parent=parent,
                    catalog=catalog,
                    keep_engine=i < len(ordered) - 1,
                )
            except DailyJobError as exc:
                batch.results.append(
                    DailyResult(
                        day,
                        exc.run_id,
                        FAILED,
                        eng.name,
                        error=str(exc.cause),
                        failed_state=exc.state,
                    )
                )
                batch.not_run = ordered[i + 1 :]
                break
            batch.results.append(result)
    finally:
        eng.stop()
    return batch


def history(
    settings: Settings, *, limit: int = 20, day: date | None = None, status: str | None = None
) -> list[RunRecord]:
    """The latest executions of the daily job, newest first (optionally of one day)."""
    records = RunRecorder(settings).list(
        kind=JOB_KIND, name=JOB_NAME, status=status, limit=limit if day is None else 100_000
    )
    if day is not None:
        records = [r for r in records if r.params.get("date") == day.isoformat()][:limit]
    return records
