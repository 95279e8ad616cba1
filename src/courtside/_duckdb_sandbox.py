"""Read-only DuckDB sessions for the SQL shells (``courtside sql``, ``warehouse query``).

The contract is enforced by DuckDB itself, not by inspecting SQL text:

* **files**: ``enable_external_access = false`` with ``allowed_directories`` set to the
  folders the session may read (the lake's tables; nothing for the warehouse file):
  ``read_text('/etc/passwd')``, ``COPY ... TO '/any/path'``, ``ATTACH``, ``EXPORT
  DATABASE``, ``INSTALL`` and ``LOAD`` of extensions, a ``glob('/*')``, are refused;
* **settings**: ``lock_configuration = true`` after that, so ``SET
  enable_external_access = true`` (or any ``SET``/``RESET``/``PRAGMA`` that changes a
  setting) fails;
* **statements**: DuckDB's own parser (``extract_statements``) must find exactly one
  statement, of type ``SELECT`` (which includes ``SHOW``, ``DESCRIBE``, ``SUMMARIZE``,
  ``FROM t`` and ``VALUES``) or an ``EXPLAIN`` of one: ``COPY`` into the lake, ``CREATE``,
  ``INSERT``, ``CALL``, ``PRAGMA``, ``SET`` and multi-statement strings are refused before
  anything runs.

``--write`` on the commands skips all of this (and says so in their help).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from courtside.errors import TerminalError

if TYPE_CHECKING:
    import duckdb

__all__ = ["ReadOnlyStatementError", "check_read_only", "lock_down"]

_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?", re.IGNORECASE)
_HINT = "add --write to run it"


class ReadOnlyStatementError(TerminalError):
    """A statement the read-only mode does not run (a write, several statements, ...)."""


def lock_down(conn: duckdb.DuckDBPyConnection, readable: Iterable[Path | str] = ()) -> None:
    """Restrict ``conn`` for good: no file access outside ``readable`` folders, no
    extension installs or loads, and a locked configuration (cannot be undone)."""
    # Both spellings of each folder: DuckDB compares the paths as written (with symlinks).
    # A URL (s3://bucket/prefix, read through a registered file system) stays as written.
    folders = sorted(
        {
            str(f).rstrip("/") + "/"
            for p in readable
            for f in ((p,) if "://" in str(p) else (Path(p).absolute(), Path(p).resolve()))
        }
    )
    conn.execute("SET autoinstall_known_extensions = false")
    conn.execute("SET autoload_known_extensions = false")
    conn.execute("SET allowed_directories = ?", [folders])
    conn.execute("SET enable_external_access = false")
    conn.execute("SET lock_configuration = true")


def check_read_only(conn: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Raise unless ``sql`` is exactly one query (``SELECT``-like, or its ``EXPLAIN``).

    Raises:
        ReadOnlyStatementError: naming what was refused.
        duckdb.ParserException: when ``sql`` does not parse.
    """
    statements = conn.extract_statements(sql)
    if len(statements) != 1:
        raise ReadOnlyStatementError(
            f"read-only mode runs exactly one statement, got {len(statements)}; "
            + ("write a query" if not statements else _HINT)
        )
    import duckdb

    statement = statements[0]
    kind = statement.type
    if kind == duckdb.StatementType.EXPLAIN:
        inner, found = _EXPLAIN.subn("", statement.query, count=1)
        if found:
            check_read_only(conn, inner)
            return
    elif kind == duckdb.StatementType.SELECT:
        return
    name = str(kind).rsplit(".", 1)[-1]
    raise ReadOnlyStatementError(
        f"read-only mode runs queries only (SELECT, SHOW, DESCRIBE, SUMMARIZE, EXPLAIN), "
        f"not {name}; {_HINT}"
    )
