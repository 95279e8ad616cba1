"""Row-by-row isolation of bad records in a raw file, the same for every engine.

An engine reads raw files whole and fast; when it finds a file it cannot read (a line that
is not JSON, a value of the wrong type for the post schema...), the job splits that file
here: each line is judged on its own, the readable rows are written to a *cleaned* file
the engine reads instead, and the others are returned as rejects with a reason, for the
lake's error zone. One bad record therefore costs one row, never the whole file.

Every line is judged the same way whatever the engine:

1. at most 16 MiB, UTF-8, one JSON value (Python's parser: the last of duplicate keys
   wins, as in Spark), no ``NaN``/``Infinity``, not nested too deeply, an object;
2. the post columns (:data:`~courtside.batch.dedupe_sql.POST_COLUMNS`) converted to
   their types by DuckDB's ``json_transform_strict``, the conversion DuckDB's reader
   applies to raw files (a number where a string is expected becomes its text; a value
   that cannot become a number, a string where an array or object is expected, an
   integer beyond 64 bits... make the row a reject).

The cleaned file holds the converted values as JSON (``to_json``), so both engines read
exactly the same values from it.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from courtside._duckdb import connect as duckdb_connect
from courtside.batch.dedupe_sql import POST_COLUMNS, _split_top
from courtside.batch.errors import BatchError
from courtside.batch.lakefiles import RawFile
from courtside.lake.base import Lake, join_key

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "MAX_ROW_BYTES",
    "REJECTED_PARTITION",
    "Reject",
    "RowSplitter",
    "SplitResult",
    "split_rows",
]

log = logging.getLogger(__name__)

#: The error-zone folder of rejected rows: ``errors/year=/month=/day=/<this>/``.
REJECTED_PARTITION = "error=dedupe-rejected"
#: The largest line the engines read (DuckDB's ``maximum_object_size``).
MAX_ROW_BYTES = 16 * 1024 * 1024
_REASONS_PER_FILE = 100  # rows whose DuckDB message is looked up one by one
_DUCK = {"string": "VARCHAR", "bigint": "BIGINT", "double": "DOUBLE", "boolean": "BOOLEAN"}


@dataclass(frozen=True)
class Reject:
    """One line of a raw file that is not a readable post.

    Attributes:
        line: Its 1-based line number in the raw file.
        code: The failure class (``NotUtf8``, ``NotJson``, ``TooDeeplyNested``,
            ``NumberOutOfRange``, ``NotObject``, ``RowTooLarge`` or ``WrongType``).
        reason: What is wrong, naming the column for ``WrongType``.
        raw: The line's original bytes (without the newline).
    """

    line: int
    code: str
    reason: str
    raw: bytes


@dataclass
class SplitResult:
    """The outcome of :func:`split_rows`.

    Attributes:
        kept: Rows written to the cleaned file.
        rejects: The other non-blank lines, in order.
        cleaned: The cleaned file, or ``None`` when no row was kept.
    """

    kept: int = 0
    rejects: list[Reject] = field(default_factory=list)
    cleaned: Path | None = None


def _fields(hive: str) -> list[tuple[str, str]]:
    return [(part.partition(":")[0], part.partition(":")[2]) for part in _split_top(hive[7:-1])]


def _structure(hive: str) -> Any:
    """The ``json_transform`` structure of a Hive type."""
    if hive.startswith("array<"):
        return [_structure(hive[6:-1])]
    if hive.startswith("struct<"):
        return {name: _structure(child) for name, child in _fields(hive)}
    return _DUCK[hive]


def _complete(value: Any, hive: str) -> Any:
    """``value`` with every struct field of ``hive`` present (``null`` when missing) and
    no unknown field: ``json_transform_strict`` refuses a missing key, the readers do not.
    A value of the wrong kind is left as it is, for the transform to refuse."""
    if hive.startswith("struct<") and isinstance(value, dict):
        return {name: _complete(value.get(name), child) for name, child in _fields(hive)}
    if hive.startswith("array<") and isinstance(value, list):
        child = hive[6:-1]
        return [_complete(item, child) for item in value]
    return value


# text stays JSON so the cleaned file keeps a non-string text's type (the readers tell).
_ROW_STRUCTURE = json.dumps(
    {name: "JSON" if name == "text" else _structure(hive) for name, hive in POST_COLUMNS}
)
_COLUMN_STRUCTURE = {name: json.dumps(_structure(hive)) for name, hive in POST_COLUMNS}


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _judge(line: bytes) -> tuple[str | None, str]:
    """``(None, canonical JSON)`` for a line that may be a post, else ``(code, reason)``."""
    if len(line) > MAX_ROW_BYTES:
        return "RowTooLarge", f"line of {len(line)} bytes exceeds {MAX_ROW_BYTES} bytes"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return "NotUtf8", f"line is not UTF-8: {exc.reason} at byte {exc.start}"
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        return "TooDeeplyNested", "line is nested too deeply to parse"
    except ValueError as exc:
        return "NotJson", f"line is not JSON: {str(exc)[:200]}"
    if not isinstance(value, dict):
        return "NotObject", f"line is a JSON {type(value).__name__}, not an object"
    row = {name: _complete(value.get(name), hive) for name, hive in POST_COLUMNS}
    try:
        return None, json.dumps(row, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return "NumberOutOfRange", "line holds a number beyond the range of a double"
    except RecursionError:
        return "TooDeeplyNested", "line is nested too deeply to write back"


def split_rows(source: Path, cleaned: Path, conn: duckdb.DuckDBPyConnection) -> SplitResult:
    """Split the raw file ``source`` into readable rows (written to ``cleaned``, in order)
    and rejects. Blank lines are neither.

    Raises:
        OSError: when ``source`` cannot be read at all.
    """
    data = source.read_bytes()
    result = SplitResult()
    candidates: list[tuple[int, bytes, str]] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        line = line.rstrip(b"\r")
        if not line.strip():
            continue
        code, text = _judge(line)
        if code is None:
            candidates.append((number, line, text))
        else:
            result.rejects.append(Reject(number, code, text, line))
    kept = _transform(candidates, conn, result)
    result.rejects.sort(key=lambda r: r.line)
    result.kept = len(kept)
    if kept:
        cleaned.parent.mkdir(parents=True, exist_ok=True)
        with open(cleaned, "wb") as fh:
            fh.write("".join(line + "\n" for line in kept).encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        result.cleaned = cleaned
    return result


def _transform(
    candidates: list[tuple[int, bytes, str]], conn: duckdb.DuckDBPyConnection, result: SplitResult
) -> list[str]:
    """Convert the candidate rows with DuckDB; rows it refuses become ``WrongType``
    rejects. Returns the converted rows (JSON), in order."""
    if not candidates:
        return []
    import pyarrow as pa

    table = pa.table({"n": range(len(candidates)), "j": [c[2] for c in candidates]})
    conn.register("_split_rows", table)
    try:
        rows = conn.execute(
            "SELECT n, to_json(try(json_transform_strict(j, ?))) FROM _split_rows ORDER BY n",
            [_ROW_STRUCTURE],
        ).fetchall()
        refused = [n for n, converted in rows if converted is None]
        columns = _refused_columns(conn, refused)
    finally:
        conn.unregister("_split_rows")
    for count, n in enumerate(refused):
        number, line, text = candidates[n]
        column = columns.get(n)
        reason = "the row does not fit the post schema"
        if column is not None:
            reason = f"column {column!r} does not fit the post schema"
            if count < _REASONS_PER_FILE:
                reason += _message(conn, text, column)
        result.rejects.append(Reject(number, "WrongType", reason, line))
    return [converted for _, converted in rows if converted is not None]


def _refused_columns(conn: duckdb.DuckDBPyConnection, refused: list[int]) -> dict[int, str]:
    """The first column of each refused row that does not convert to its type."""
    if not refused:
        return {}
    cases = " ".join(
        f"WHEN json_type(j, '$.{name}') <> 'NULL' AND"
        f" try(json_transform_strict(json_extract(j, '$.{name}'), '{_COLUMN_STRUCTURE[name]}'))"
        f" IS NULL THEN '{name}'"
        for name, _ in POST_COLUMNS
    )
    found = conn.execute(
        f"SELECT n, CASE {cases} END FROM _split_rows WHERE n IN (SELECT unnest(?))", [refused]
    ).fetchall()
    return {n: column for n, column in found if column is not None}


def _message(conn: duckdb.DuckDBPyConnection, text: str, column: str) -> str:
    """``: <DuckDB's message>`` for one column of one row (empty if it converts)."""
    import duckdb

    value = json.dumps(json.loads(text).get(column))
    try:
        conn.execute("SELECT json_transform_strict(?, ?)", [value, _COLUMN_STRUCTURE[column]])
    except duckdb.Error as exc:
        return ": " + str(exc).split(": ", 1)[-1][:200]
    return ""


class RowSplitter:
    """The de-duplication job's :data:`~courtside.batch.engine.Splitter`: splits a raw
    file an engine cannot read whole into its readable rows (under ``folder``, with the
    raw file's partition folders and name) and rejects, kept until the engine has finished
    and then written by :meth:`write_rejects`.

    Args:
        folder: Where the files of readable rows go (a staging folder of the run).
        new: The raw files of the run (the engine may only ask about these).
    """

    def __init__(self, folder: Path, new: list[RawFile]) -> None:
        self.folder = folder
        self.by_path = {str(f.path): f for f in new}
        self.results: dict[str, tuple[RawFile, SplitResult]] = {}
        self.unreadable: dict[str, str] = {}
        self.missing: list[str] = []
        self._conn: duckdb.DuckDBPyConnection | None = None

    def __call__(self, path: str, reason: str) -> str | None:
        raw = self.by_path.get(path)
        if raw is None:
            raise BatchError(f"engine asked to split an unknown file {path}")
        if self._conn is None:
            self._conn = duckdb_connect(":memory:")
        try:
            split = split_rows(raw.path, self.folder / raw.partition / raw.name, self._conn)
        except FileNotFoundError:
            self.missing.append(path)
            return None
        except OSError as exc:
            self.unreadable[path] = f"cannot read the file: {exc}"
            return None
        self.results[path] = (raw, split)
        first = split.rejects[0] if split.rejects else None
        log.info(
            "%s: %d row(s) kept, %d rejected%s (engine: %s)",
            raw.relative,
            split.kept,
            len(split.rejects),
            f", first at line {first.line}: {first.reason}" if first else "",
            reason,
        )
        return str(split.cleaned) if split.cleaned is not None else None

    def close(self) -> None:
        """Close the DuckDB connection used for the conversions."""
        if self._conn is not None:
            self._conn.close()

    def write_rejects(self, lake: Lake, *, skip: set[str], run_id: str) -> dict[str, Any]:
        """Write the rejected rows of every split file (except those in ``skip``, which
        are quarantined whole after all) to the error zone of ``lake``, one object per raw
        file named after it (``errors/<partition>/error=dedupe-rejected/<name>``), so a
        rerun rewrites the same object.

        Returns:
            Per raw file (relative path): ``rows``, ``codes`` (count per code),
            ``first`` (the first reason) and ``errors_file``.
        """
        now_ms = time.time_ns() // 1_000_000
        summary: dict[str, Any] = {}
        for path, (raw, split) in self.results.items():
            if path in skip or not split.rejects:
                continue
            target = join_key("errors", raw.partition, REJECTED_PARTITION, raw.name)
            docs = [
                orjson.dumps(
                    {
                        "errorCode": r.code,
                        "errorMessage": r.reason,
                        "rawFile": raw.relative,
                        "lineNumber": r.line,
                        "job": "dedupe",
                        "runId": run_id,
                        "attemptEndingTimestamp": now_ms,
                        "rawData": base64.b64encode(r.raw).decode("ascii"),
                    }
                )
                + b"\n"
                for r in split.rejects
            ]
            lake.put(target, docs)
            codes: dict[str, int] = {}
            for r in split.rejects:
                codes[r.code] = codes.get(r.code, 0) + 1
            first = split.rejects[0]
            summary[raw.relative] = {
                "rows": len(split.rejects),
                "codes": codes,
                "first": f"line {first.line}: {first.reason}"[:300],
                "errors_file": target,
            }
        return summary
