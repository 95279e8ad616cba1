"""Quoting values and names into SQL text, for the places where a bound parameter cannot
be used (DDL, file lists of table functions, generated scripts).

Every engine has its own rules: standard SQL doubles single quotes; Spark SQL also treats
a backslash as an escape inside a string literal.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["Dialect", "sql_ident", "sql_literal"]

Dialect = Literal["duckdb", "postgres", "redshift", "spark"]


def sql_literal(text: str, dialect: Dialect = "duckdb") -> str:
    """``text`` as a string literal of ``dialect``.

    Raises:
        ValueError: when ``text`` holds a NUL character (no engine stores one in a literal).
    """
    if "\x00" in text:
        raise ValueError("a SQL string literal cannot hold a NUL character")
    if dialect == "spark":
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + text.replace("'", "''") + "'"


def sql_ident(name: str, dialect: Dialect = "duckdb") -> str:
    """``name`` as a quoted identifier of ``dialect`` (backticks on Spark, double quotes
    elsewhere).

    Raises:
        ValueError: when ``name`` is empty or holds a NUL character.
    """
    if not name or "\x00" in name:
        raise ValueError(f"invalid SQL identifier {name!r}")
    if dialect == "spark":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'
