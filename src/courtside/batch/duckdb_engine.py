"""The DuckDB runner of the de-duplication job (the embedded default).

Memory is bounded: ``memory_limit`` is set and DuckDB spills to ``temp_directory``.
Raw files are read strictly with the declared post schema; when DuckDB rejects a file
(truncated JSON, invalid UTF-8, a value of the wrong type, not an object) the error
names it, the file is set aside as bad and the query runs again without it. A file that
vanished since the listing is set aside as missing the same way.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from courtside.batch.dedupe_sql import POST_COLUMNS, dedupe_query, duckdb_type
from courtside.batch.engine import DedupePlan, EngineResult
from courtside.batch.errors import BatchError

if TYPE_CHECKING:
    import duckdb

__all__ = ["DuckDBEngine"]

log = logging.getLogger(__name__)
_FILE_IN_ERROR = re.compile(r'(?:in file|pattern|file|File) "([^"]+)"')


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(paths: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(_lit(p) for p in paths) + "]"


_COLUMNS = "{" + ", ".join(f"{_lit(n)}: {_lit(duckdb_type(t))}" for n, t in POST_COLUMNS) + "}"
_SELECT = ", ".join(f'"{n}"' for n, _ in POST_COLUMNS)


_HIVE = (
    "hive_partitioning = true,"
    " hive_types = {'year': 'VARCHAR', 'month': 'VARCHAR', 'day': 'VARCHAR'}"
)


def read_raw_sql(files: tuple[str, ...] | list[str]) -> str:
    """The strict reader of raw files: post columns, partition values from the paths and
    the delivery order (``WITH ORDINALITY`` numbers rows in file-list order, then line
    order, and the files are listed oldest name first)."""
    return (
        f"SELECT {_SELECT}, year, month, day, 0 AS _seq1, ordinality AS _seq2 FROM read_json("
        f"{_list(files)}, format = 'newline_delimited', columns = {_COLUMNS},"
        f" maximum_object_size = 16777216, {_HIVE}) WITH ORDINALITY"
    )


class DuckDBEngine:
    """Runs the job in an in-process DuckDB with a memory limit and spilling."""

    name = "duckdb"

    def __init__(
        self, *, memory_limit_mib: int = 1024, threads: int | None = None, temp_dir: Path
    ) -> None:
        self.memory_limit_mib = memory_limit_mib
        self.threads = threads
        self.temp_dir = temp_dir

    def _connect(self) -> duckdb.DuckDBPyConnection:
        import duckdb

        self.temp_dir.mkdir(parents=True, exist_ok=True)
        conn = duckdb.connect(":memory:")
        conn.execute(f"SET memory_limit = '{int(self.memory_limit_mib)}MB'")
        conn.execute(f"SET temp_directory = {_lit(str(self.temp_dir))}")
        conn.execute("SET preserve_insertion_order = false")
        if self.threads:
            conn.execute(f"SET threads = {int(self.threads)}")
        return conn

    def run(self, plan: DedupePlan) -> EngineResult:
        """Write the de-duplicated partitions of ``plan`` under ``plan.staging``."""
        import duckdb

        result = EngineResult()
        files = list(plan.new_files)
        conn = self._connect()
        try:
            while files:
                try:
                    self._write(conn, plan, files)
                    return result
                except duckdb.Error as exc:
                    culprit = self._culprit(conn, exc, files)
                    if culprit is None:
                        raise BatchError(f"DuckDB de-duplication failed: {exc}") from exc
                    files.remove(culprit)
                    if Path(culprit).exists():
                        reason = str(exc).splitlines()[0][:500]
                        log.warning("bad raw file %s: %s", culprit, reason)
                        result.bad_files[culprit] = reason
                    else:
                        log.warning("raw file %s vanished before it was read", culprit)
                        result.missing_files.append(culprit)
                    shutil.rmtree(plan.staging, ignore_errors=True)
                    Path(plan.staging).mkdir(parents=True, exist_ok=True)
            return result
        finally:
            conn.close()

    def _write(self, conn: duckdb.DuckDBPyConnection, plan: DedupePlan, files: list[str]) -> None:
        conn.execute(f"CREATE OR REPLACE TEMP VIEW new_rows AS {read_raw_sql(files)}")
        if plan.existing_files:
            conn.execute(
                f"CREATE OR REPLACE TEMP VIEW existing_rows AS SELECT {_SELECT}, year, month, day"
                f" FROM {self._reader(plan.existing_files, plan.format)}"
            )
        if plan.other_files:
            conn.execute(
                "CREATE OR REPLACE TEMP VIEW existing_ids AS SELECT id"
                f" FROM {self._reader(plan.other_files, plan.format, ids_only=True)}"
            )
        query = dedupe_query(
            existing=bool(plan.existing_files), existing_ids=bool(plan.other_files)
        )
        fmt = "PARQUET, COMPRESSION snappy" if plan.format == "parquet" else "JSON"
        conn.execute(
            f"COPY ({query}) TO {_lit(plan.staging)} (FORMAT {fmt},"
            " PARTITION_BY (year, month, day), OVERWRITE_OR_IGNORE true,"
            " FILENAME_PATTERN 'part-{i}')"
        )

    @staticmethod
    def _reader(files: tuple[str, ...], fmt: str, *, ids_only: bool = False) -> str:
        if fmt == "parquet":
            return f"read_parquet({_list(files)}, union_by_name = true, {_HIVE})"
        columns = "{'id': 'VARCHAR'}" if ids_only else _COLUMNS
        return (
            f"read_json({_list(files)}, format = 'newline_delimited', columns = {columns},"
            f" maximum_object_size = 16777216, {_HIVE})"
        )

    @staticmethod
    def _culprit(conn: duckdb.DuckDBPyConnection, exc: Exception, files: list[str]) -> str | None:
        """The raw file that made DuckDB fail: named in the error, or found by reading
        each file on its own."""
        import duckdb

        message = str(exc)
        by_name = {f: f for f in files}
        for match in _FILE_IN_ERROR.finditer(message):
            if match.group(1) in by_name:
                return match.group(1)
        for f in files:
            if not Path(f).exists():
                return f
        if "Out of Memory" in message or "No space left" in message:
            return None
        for f in files:
            try:
                conn.execute(f"SELECT count(*) FROM ({read_raw_sql([f])})").fetchall()
            except duckdb.Error:
                return f
        return None

    def close(self) -> None:
        """Nothing to release: each run opens and closes its own connection."""
