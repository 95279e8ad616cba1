"""The Spark runner of the de-duplication job, also a standalone PySpark script.

Inside courtside (``courtside etl dedupe --engine spark``) :class:`SparkEngine` runs the
job on a session from :func:`courtside.engines.spark.spark_session` (the ``[spark]``
section: ``local[*]`` by default, or a cluster's master; the whole courtside job, with
bookmarks and row isolation, can also be submitted with :mod:`courtside.engines.submit`).
On a cluster without courtside installed, submit this file with the engine-neutral SQL,
the engine contract and the session factory next to it::

    spark-submit --py-files dedupe_sql.py,engine.py,../engines/spark.py spark_dedupe.py \\
        --input s3a://bucket/raw --output s3a://bucket/tweets [--format parquet]

Standalone, the script processes every raw file under ``--input``, rewrites the output
partitions those files touch (ids already in other partitions win) and swaps each
partition in with Hadoop FileSystem renames (atomic on HDFS and local disks; on S3 a
rename is a copy, so use a committer-backed store for strict atomicity). Lines Spark
cannot read as posts are left out one by one (counted and logged), never whole files.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

try:
    from courtside.batch.dedupe_sql import (
        PARTITION_KEYS,
        PARTITION_REGEX,
        POST_COLUMNS,
        TEXT_IS_STRING,
        dedupe_query,
        existing_text_is_string,
        spark_raw_text_columns,
        spark_schema_ddl,
    )
    from courtside.batch.engine import EngineResult, split_in_place
    from courtside.engines.spark import spark_session, submitted
except ImportError:  # running under spark-submit without courtside installed
    from dedupe_sql import (  # type: ignore[no-redef]
        PARTITION_KEYS,
        PARTITION_REGEX,
        POST_COLUMNS,
        TEXT_IS_STRING,
        dedupe_query,
        existing_text_is_string,
        spark_raw_text_columns,
        spark_schema_ddl,
    )
    from engine import EngineResult, split_in_place  # type: ignore[no-redef]

    from spark import spark_session, submitted  # type: ignore[no-redef]

if TYPE_CHECKING:
    from courtside.engines.config import SparkSettings

log = logging.getLogger(__name__)
_CORRUPT = "_corrupt_record"


def _with_partition(df: Any) -> Any:
    """``year``, ``month``, ``day`` from each row's file path (``_file``)."""
    from pyspark.sql import functions as F

    for i, key in enumerate(PARTITION_KEYS, start=1):
        df = df.withColumn(key, F.regexp_extract("_file", PARTITION_REGEX, i))
    return df


class SparkEngine:
    """Runs the job on Spark. Lines Spark's ``PERMISSIVE`` mode marks as corrupt are found
    in one pass; their files go to the job's splitter (``split``) and its files are read
    instead. Without a splitter (the standalone script) the corrupt lines are left out
    row by row. Vanished files are skipped."""

    name = "spark"

    def __init__(
        self,
        spark: Any = None,
        *,
        settings: SparkSettings | None = None,
        home: str | Path | None = None,
    ):
        """Run on ``spark``, or on a session from the ``[spark]`` ``settings`` (its local
        files under ``home``) that :meth:`close` stops unless it was already running or
        ``spark-submit`` owns it."""
        from pyspark.sql import SparkSession

        self._owned = spark is None and SparkSession.getActiveSession() is None
        self._owned = self._owned and not submitted()
        self.spark = spark or spark_session(settings, app="courtside-dedupe", home=home)

    def _read(self, files: list[str]) -> Any:
        """Raw rows of ``files`` with their file, partition values, delivery order and
        the corrupt-record column."""
        from pyspark.sql import functions as F

        # Spark 4 reads text as a variant, to tell a JSON string from the rest.
        variant = int(self.spark.version.split(".")[0]) >= 4
        raw = (
            self.spark.read.schema(f"{spark_schema_ddl(raw_text=variant)}, `{_CORRUPT}` string")
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", _CORRUPT)
            # NaN and Infinity are not JSON: refused like every other engine does.
            .option("allowNonNumericNumbers", "false")
            .json(files)
            .withColumn("_file", F.col("_metadata.file_path"))
            # Delivery order: file name (names sort by time), path, then line (the ids
            # increase with the line inside a file).
            .withColumn("_seq1", F.concat(F.regexp_extract("_file", "[^/]+$", 0), F.col("_file")))
            .withColumn("_seq2", F.monotonically_increasing_id())
        )
        for name, expr in spark_raw_text_columns() if variant else []:
            raw = raw.withColumn(name, F.expr(expr))
        if not variant:
            raw = raw.withColumn(TEXT_IS_STRING, F.lit(None).cast("boolean"))
        return _with_partition(raw)

    def _corrupt(self, raw: Any, files: list[str]) -> dict[str, str]:
        """Files of ``raw`` holding a corrupt line, with the first such line."""
        from pyspark.sql import functions as F

        # Keep every column: Spark parses only the columns a query needs, and a value of
        # the wrong type in a column it skips would not mark the line as corrupt.
        bad_rows = raw.where(F.col(_CORRUPT).isNotNull()).dropDuplicates(["_file"])
        by_uri = {_as_uri(f): f for f in files}
        by_uri.update({unquote(_as_uri(f)): f for f in files})
        return {
            by_uri.get(r["_file"], by_uri.get(unquote(r["_file"]), r["_file"])): (
                f"invalid JSON line: {(r[_CORRUPT] or '')[:200]!r}"
            )
            for r in bad_rows.collect()
        }

    def run(self, plan: Any, split: Any = None) -> EngineResult:
        """Write the de-duplicated partitions of ``plan`` under ``plan.staging``.

        ``plan`` is a :class:`courtside.batch.engine.DedupePlan` (or anything with its
        attributes) and ``split`` a :data:`courtside.batch.engine.Splitter`.
        """
        from pyspark.sql import functions as F

        spark = self.spark
        spark.conf.set("spark.sql.files.ignoreMissingFiles", "true")
        files = list(plan.new_files)
        raw = self._read(files)
        bad = self._corrupt(raw, files)
        result = EngineResult()
        if bad and split is not None:
            origin: dict[str, str] = {}
            for path, reason in bad.items():
                split_in_place(files, path, reason, split, origin)
            # The readable rows of a split file must read cleanly; if not, the file is bad.
            still = self._corrupt(self._read(list(origin)), list(origin)) if origin else {}
            for replacement, reason in still.items():
                log.warning("bad raw file %s: %s", origin[replacement], reason)
                result.bad_files[origin[replacement]] = reason
                files.remove(replacement)
            raw = self._read(files) if files else None
        elif bad:
            # Counting over every column, so that none is pruned (see _corrupt).
            every = F.to_json(F.struct(*[F.col(c) for c in raw.columns]))
            rejected = (
                raw.where(F.col(_CORRUPT).isNotNull())
                .groupBy("_file")
                .agg(F.count(every).alias("rows"))
                .collect()
            )
            result.rejected_rows = {r["_file"]: int(r["rows"]) for r in rejected}
            raw = raw.where(F.col(_CORRUPT).isNull())
        if raw is None:
            return result
        raw.drop(_CORRUPT).createOrReplaceTempView("new_rows")
        if plan.existing_files:
            self._existing(plan).createOrReplaceTempView("existing_rows")
        if plan.other_files:
            self._ids(plan).createOrReplaceTempView("existing_ids")
        query = dedupe_query(
            existing=bool(plan.existing_files),
            existing_ids=bool(plan.other_files),
            quote="`",
            text_is_string=bool(getattr(plan, "enrich", False)),
        )
        out = spark.sql(query)
        if getattr(plan, "enrich", False):
            from courtside.enrich.spark import spark_enrich

            out = spark_enrich(out)
        (
            out.write.mode("overwrite")
            .partitionBy("year", "month", "day")
            .format(plan.format)
            .option("compression", "snappy" if plan.format == "parquet" else "none")
            .save(_as_uri(plan.staging))
        )
        return result

    def _existing(self, plan: Any) -> Any:
        from pyspark.sql import functions as F

        cols = [name for name, _ in POST_COLUMNS]
        schema = f"{spark_schema_ddl()}, `sentiment_reason` string"
        df = self.spark.read.schema(schema).format(plan.format).load(list(plan.existing_files))
        flag = F.expr(existing_text_is_string(True))
        return _with_partition(df.select(*cols, flag, F.col("_metadata.file_path").alias("_file")))

    def _ids(self, plan: Any) -> Any:
        reader = self.spark.read.schema("`id` string").format(plan.format)
        return reader.load(list(plan.other_files)).select("id")

    def close(self) -> None:
        """Stop the session if this engine started it."""
        if self._owned:
            self.spark.stop()


def _as_uri(path: str) -> str:
    if "://" in path or path.startswith("file:"):
        return path if not path.startswith("file:///") else "file:" + path[len("file://") :]
    from pathlib import Path

    return "file:" + str(Path(path).resolve())


# -- standalone ----------------------------------------------------------------------------
def _fs(spark: Any, uri: str) -> tuple[Any, Any]:
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), jvm


def _glob(spark: Any, pattern: str) -> list[str]:
    fs, jvm = _fs(spark, pattern)
    statuses = fs.globStatus(jvm.org.apache.hadoop.fs.Path(pattern)) or []
    return sorted(
        (str(s.getPath().toString()) for s in statuses if s.isFile()),
        key=lambda p: (p.rsplit("/", 1)[-1], p),
    )


def _partition_of(uri: str) -> str:
    return "/".join(uri.rsplit("/", 4)[1:4])


def run_standalone(spark: Any, input_uri: str, output_uri: str, fmt: str) -> dict[str, int]:
    """Process every raw file under ``input_uri`` into ``output_uri`` (see module doc)."""
    from types import SimpleNamespace

    inp, out = input_uri.rstrip("/"), output_uri.rstrip("/")
    new_files = [
        f
        for f in _glob(spark, f"{inp}/year=*/month=*/day=*/*.json")
        if not f.rsplit("/", 1)[-1].startswith((".", "_"))
    ]
    touched = {_partition_of(f) for f in new_files}
    existing: list[str] = []
    other: list[str] = []
    for f in _glob(spark, f"{out}/year=*/month=*/day=*/*.{fmt}"):
        if f.rsplit("/", 1)[-1].startswith((".", "_")):
            continue
        (existing if _partition_of(f) in touched else other).append(f)
    staging = f"{out.rsplit('/', 1)[0]}/.courtside-staging/{secrets.token_hex(6)}"
    plan = SimpleNamespace(
        new_files=tuple(new_files),
        existing_files=tuple(existing),
        other_files=tuple(other),
        staging=staging,
        format=fmt,
    )
    result = SparkEngine(spark).run(plan)
    fs, jvm = _fs(spark, staging)
    Path = jvm.org.apache.hadoop.fs.Path
    swapped = 0
    for part in sorted(
        {_partition_of(f) for f in _glob(spark, f"{staging}/year=*/month=*/day=*/*")}
    ):
        staged, live = Path(f"{staging}/{part}"), Path(f"{out}/{part}")
        trash = Path(f"{staging}/.old-{swapped}")
        fs.mkdirs(live.getParent())
        if fs.exists(live) and not fs.rename(live, trash):
            raise RuntimeError(f"cannot move {live} aside")
        if not fs.rename(staged, live):
            raise RuntimeError(f"cannot move {staged} to {live}")
        swapped += 1
    fs.delete(Path(staging), True)
    for bad, count in result.rejected_rows.items():
        log.warning("left out %d corrupt line(s) of %s", count, bad)
    return {
        "files": len(new_files),
        "files_with_rejects": len(result.rejected_rows),
        "rows_rejected": sum(result.rejected_rows.values()),
        "partitions": swapped,
    }


def main(argv: list[str] | None = None) -> int:
    """``spark-submit spark_dedupe.py --input URI --output URI [--format parquet|json]``."""
    parser = argparse.ArgumentParser(description="courtside de-duplication job (PySpark)")
    parser.add_argument("--input", required=True, help="raw zone URI (year=/month=/day=/*.json)")
    parser.add_argument("--output", required=True, help="output table URI")
    parser.add_argument("--format", choices=("parquet", "json"), default="parquet")
    parser.add_argument("--master", default=None, help="default: spark-submit's, else local[*]")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # Under spark-submit its --master applies; run directly with python, local[*].
    spark = spark_session(app="courtside-dedupe", master=args.master)
    try:
        counts = run_standalone(spark, args.input, args.output, args.format)
    finally:
        spark.stop()
    print(counts)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
