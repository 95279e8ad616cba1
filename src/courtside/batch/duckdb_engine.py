"""The DuckDB runner of the de-duplication job (the embedded default).

Memory is bounded: ``memory_limit`` is set and DuckDB spills to ``temp_directory``.
Raw files are read strictly with the declared post schema in one query. When DuckDB
rejects a file (truncated JSON, invalid UTF-8, a value of the wrong type, not an object)
its error names the file; the file goes to the job's splitter, which returns its readable
rows, and the query runs again with those instead. When a second file fails, every file
is checked on its own once, so that all bad files are split before the next attempt. A
file that vanished since the listing is set aside as missing.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from courtside._duckdb import connect as duckdb_connect
from courtside.batch.dedupe_sql import (
    POST_COLUMNS,
    TEXT_IS_STRING,
    dedupe_query,
    duckdb_raw_columns,
    duckdb_raw_select,
    duckdb_type,
    existing_text_is_string,
)
from courtside.batch.engine import DedupePlan, EngineResult, Splitter, split_in_place
from courtside.batch.errors import BatchError
from courtside.sqltext import sql_literal

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = ["DuckDBEngine"]

log = logging.getLogger(__name__)
_FILE_IN_ERROR = re.compile(r'(?:in file|pattern|file|File) "([^"]+)"')


def _list(paths: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(sql_literal(p) for p in paths) + "]"


_COLUMNS = (
    "{"
    + ", ".join(f"{sql_literal(n)}: {sql_literal(duckdb_type(t))}" for n, t in POST_COLUMNS)
    + "}"
)
_SELECT = ", ".join(f'"{n}"' for n, _ in POST_COLUMNS)
_RAW_COLUMNS = (
    "{"
    + ", ".join(f"{sql_literal(n)}: {sql_literal(t)}" for n, t in duckdb_raw_columns().items())
    + "}"
)


_HIVE = (
    "hive_partitioning = true,"
    " hive_types = {'year': 'VARCHAR', 'month': 'VARCHAR', 'day': 'VARCHAR'}"
)


def read_raw_sql(files: tuple[str, ...] | list[str]) -> str:
    """The strict reader of raw files: post columns, partition values from the paths and
    the delivery order (``WITH ORDINALITY`` numbers rows in file-list order, then line
    order, and the files are listed oldest name first)."""
    return (
        f"SELECT {duckdb_raw_select()}, year, month, day, 0 AS _seq1, ordinality AS _seq2"
        f" FROM read_json({_list(files)}, format = 'newline_delimited', columns = {_RAW_COLUMNS},"
        f" maximum_object_size = 16777216, {_HIVE}) WITH ORDINALITY"
    )


def _set_aside(
    culprit: str,
    reason: str,
    files: list[str],
    origin: dict[str, str],
    split: Splitter | None,
    result: EngineResult,
) -> None:
    """Replace a failing file by its readable rows, or leave it out and report it."""
    original = origin.get(culprit, culprit)
    if not Path(culprit).exists():
        log.warning("raw file %s vanished before it was read", original)
        result.missing_files.append(original)
        files.remove(culprit)
        return
    if split is None or culprit in origin:
        log.warning("bad raw file %s: %s", original, reason)
        result.bad_files[original] = reason
        files.remove(culprit)
        return
    split_in_place(files, culprit, reason, split, origin)


#: Rows per Arrow batch handed to the enrichment (bounds the Python-side memory).
ENRICH_BATCH_ROWS = 65_536


def _enriched_reader(batches: pa.RecordBatchReader) -> pa.RecordBatchReader:
    """``batches`` with the enrichment columns appended, as a lazy reader."""
    import pyarrow as pa

    from courtside.enrich.api import default_enricher
    from courtside.enrich.arrow import enrich_record_batches, enriched_schema

    enricher = default_enricher()
    schema = enriched_schema(batches.schema)
    return pa.RecordBatchReader.from_batches(schema, enrich_record_batches(batches, enricher))


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

        self.temp_dir.mkdir(parents=True, exist_ok=True)
        conn = duckdb_connect(":memory:")
        conn.execute(f"SET memory_limit = '{int(self.memory_limit_mib)}MB'")
        conn.execute(f"SET temp_directory = {sql_literal(str(self.temp_dir))}")
        conn.execute("SET preserve_insertion_order = false")
        if self.threads:
            conn.execute(f"SET threads = {int(self.threads)}")
        return conn

    def run(self, plan: DedupePlan, split: Splitter | None = None) -> EngineResult:
        """Write the de-duplicated partitions of ``plan`` under ``plan.staging``."""
        import duckdb

        result = EngineResult()
        files = list(plan.new_files)
        origin: dict[str, str] = {}  # a splitter's file -> the raw file it stands for
        conn = self._connect()
        try:
            attempt = 0
            while files:
                attempt += 1
                try:
                    self._write(conn, plan, files)
                    return result
                except duckdb.Error as exc:
                    culprits = self._culprits(conn, exc, files, check_all=attempt > 1)
                    if not culprits:
                        raise BatchError(f"DuckDB de-duplication failed: {exc}") from exc
                    for culprit, reason in culprits.items():
                        _set_aside(culprit, reason, files, origin, split, result)
                    shutil.rmtree(plan.staging, ignore_errors=True)
                    Path(plan.staging).mkdir(parents=True, exist_ok=True)
            return result
        finally:
            conn.close()

    def _write(self, conn: duckdb.DuckDBPyConnection, plan: DedupePlan, files: list[str]) -> None:
        conn.execute(f"CREATE OR REPLACE TEMP VIEW new_rows AS {read_raw_sql(files)}")
        if plan.existing_files:
            conn.execute(
                f"CREATE OR REPLACE TEMP VIEW existing_rows AS SELECT {_SELECT}, year, month, day,"
                f" {existing_text_is_string(plan.format == 'json')}"
                f" FROM {self._reader(plan.existing_files, plan.format, reason=True)}"
            )
        if plan.other_files:
            conn.execute(
                "CREATE OR REPLACE TEMP VIEW existing_ids AS SELECT id"
                f" FROM {self._reader(plan.other_files, plan.format, ids_only=True)}"
            )
        query = dedupe_query(
            existing=bool(plan.existing_files),
            existing_ids=bool(plan.other_files),
            text_is_string=plan.enrich,
        )
        fmt = "PARQUET, COMPRESSION snappy" if plan.format == "parquet" else "JSON"
        copy_options = (
            f" TO {sql_literal(plan.staging)} (FORMAT {fmt}, PARTITION_BY (year, month, day),"
            " OVERWRITE_OR_IGNORE true, FILENAME_PATTERN 'part-{i}')"
        )
        if not plan.enrich:
            conn.execute(f"COPY ({query}){copy_options}")
            return
        # The de-duplicated rows are materialised first, so that a bad raw file fails
        # here, in DuckDB, with its name (see _culprits); then they stream as Arrow
        # batches through the enrichment into a second cursor's COPY.
        conn.execute(f"CREATE OR REPLACE TABLE deduped AS {query}")
        try:
            todo, carried = "deduped", ""
            if self._carry_enrichment(conn, plan):
                # A kept existing row is the same post as when it was enriched: its
                # columns are carried over, and only the other rows are enriched.
                todo = "deduped_todo"
                carried = " UNION ALL BY NAME SELECT * FROM deduped_carried"
            reader = conn.cursor()
            writer = conn.cursor()
            try:
                batches = reader.sql(f"SELECT * FROM {todo}").to_arrow_reader(ENRICH_BATCH_ROWS)
                writer.register("enriched", _enriched_reader(batches))
                writer.execute(f"COPY (SELECT * FROM enriched{carried}){copy_options}")
            finally:
                writer.close()
                reader.close()
        finally:
            for name in ("deduped", "deduped_todo", "deduped_carried", "existing_enrichment"):
                conn.execute(f"DROP TABLE IF EXISTS {name}")

    def _carry_enrichment(self, conn: duckdb.DuckDBPyConnection, plan: DedupePlan) -> bool:
        """Split ``deduped`` into rows whose enrichment the existing Parquet files hold
        (``deduped_carried``, with those columns) and the rest (``deduped_todo``); False
        (nothing split) when there are none. ``--reset-bookmark`` plans no existing files,
        so a rebuild enriches every row again."""
        from courtside.enrich.arrow import ENRICH_COLUMNS

        if plan.format != "parquet" or not plan.existing_files:
            return False
        source = self._reader(plan.existing_files, plan.format)
        names = {row[0] for row in conn.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
        if not set(ENRICH_COLUMNS) <= names:
            return False
        cols = ", ".join(f'"{c}"' for c in ENRICH_COLUMNS)
        conn.execute(
            f"CREATE OR REPLACE TABLE existing_enrichment AS SELECT id, {cols} FROM {source}"
            " WHERE sentiment_label IS NOT NULL"
        )
        conn.execute(
            f"CREATE OR REPLACE TABLE deduped_carried AS SELECT d.* EXCLUDE ({TEXT_IS_STRING}),"
            f" {', '.join(f'e.{c}' for c in ENRICH_COLUMNS)}"
            " FROM deduped AS d JOIN existing_enrichment AS e USING (id)"
        )
        conn.execute(
            "CREATE OR REPLACE TABLE deduped_todo AS SELECT * FROM deduped AS d"
            " WHERE NOT EXISTS (SELECT 1 FROM existing_enrichment AS e WHERE e.id = d.id)"
        )
        return True

    @staticmethod
    def _reader(
        files: tuple[str, ...], fmt: str, *, ids_only: bool = False, reason: bool = False
    ) -> str:
        if fmt == "parquet":
            return f"read_parquet({_list(files)}, union_by_name = true, {_HIVE})"
        columns = "{'id': 'VARCHAR'}" if ids_only else _COLUMNS
        if reason:  # sentiment_reason too (see existing_text_is_string)
            columns = columns[:-1] + ", 'sentiment_reason': 'VARCHAR'}"
        return (
            f"read_json({_list(files)}, format = 'newline_delimited', columns = {columns},"
            f" maximum_object_size = 16777216, {_HIVE})"
        )

    @staticmethod
    def _culprits(
        conn: duckdb.DuckDBPyConnection, exc: Exception, files: list[str], *, check_all: bool
    ) -> dict[str, str]:
        """The raw files that made DuckDB fail, with the reason: the one named in the
        error, else (or with ``check_all``) every file that fails when read on its own."""
        import duckdb

        message = str(exc)
        reason = message.splitlines()[0][:500]
        gone = {f: "vanished" for f in files if not Path(f).exists()}
        if gone:
            return gone
        if not check_all:
            for match in _FILE_IN_ERROR.finditer(message):
                if match.group(1) in files:
                    return {match.group(1): reason}
        if "Out of Memory" in message or "No space left" in message:
            return {}
        found: dict[str, str] = {}
        for f in files:
            try:
                # to_json of the whole row: every column is read, none is pruned.
                conn.execute(f"SELECT count(to_json(r)) FROM ({read_raw_sql([f])}) AS r").fetchall()
            except duckdb.Error as err:
                found[f] = str(err).splitlines()[0][:500]
        return found

    def close(self) -> None:
        """Nothing to release: each run opens and closes its own connection."""
