"""Computing a profile with DuckDB over a catalog table (the DataBrew profile job).

Two scans of the table (or of one day of it), each a single aggregate query over every
column, so the cost stays close to DuckDB's own ``SUMMARIZE``:

1. counts, nulls, approximate distinct counts (HyperLogLog), min, max, mean, standard
   deviation, string/list/map lengths, and the candidate top values (``approx_top_k``);
2. equal-width histograms of numbers and of lengths (bin edges from pass 1), and the
   exact counts of the candidate top values.

Structs (and binary or unknown types) are only counted: their fields are columns of their
own in SQL (``users[1].name``), not here. Lists and maps are profiled by their length.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from courtside.profile.model import Bin, ColumnProfile
from courtside.sqltext import sql_ident, sql_literal

__all__ = ["ColumnSpec", "column_kind", "day_filter", "profile_relation"]

_NUMBER = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT"
    r"|FLOAT|DOUBLE|REAL|DECIMAL\(\d+,\s*\d+\))$"
)
_INTEGER = re.compile(r"^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$")
_TEMPORAL = re.compile(r"^(DATE|TIME|TIMESTAMP.*|TIME WITH TIME ZONE)$")
_TOP_K = 5


@dataclass(frozen=True)
class ColumnSpec:
    """A column to profile: its name and DuckDB type."""

    name: str
    type: str

    @property
    def kind(self) -> str:
        """What kind of profile the column gets (see :func:`column_kind`)."""
        return column_kind(self.type)


def column_kind(duckdb_type: str) -> str:
    """``number``, ``string``, ``boolean``, ``temporal``, ``list``, ``map``, ``struct`` or
    ``other`` for a DuckDB type name."""
    t = duckdb_type.upper().strip()
    if _NUMBER.match(t):
        return "number"
    if t == "VARCHAR":
        return "string"
    if t == "BOOLEAN":
        return "boolean"
    if _TEMPORAL.match(t):
        return "temporal"
    if t.endswith("]"):
        return "list"
    if t.startswith("MAP("):
        return "map"
    if t.startswith("STRUCT("):
        return "struct"
    return "other"


def day_filter(columns: Sequence[ColumnSpec], day: date) -> str:
    """A ``WHERE`` condition selecting ``day`` by the ``year``, ``month``, ``day`` columns
    (text columns compare zero-padded text, so partition pruning still applies).

    Raises:
        KeyError: naming the first of the three columns that is missing.
    """
    types = {c.name: c.type.upper() for c in columns}
    parts = []
    for name, value, width in (("year", day.year, 4), ("month", day.month, 2), ("day", day.day, 2)):
        if name not in types:
            raise KeyError(name)
        if types[name] == "VARCHAR":
            parts.append(f"{sql_ident(name)} = {sql_literal(f'{value:0{width}d}')}")
        else:
            parts.append(f"{sql_ident(name)} = {value}")
    return " AND ".join(parts)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _float(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value) if isinstance(value, int | float | Decimal) else None
    return number if number is not None and math.isfinite(number) else None


def _first_pass(specs: Sequence[ColumnSpec]) -> list[str]:
    exprs = ["count(*)"]
    for i, spec in enumerate(specs):
        q, kind = sql_ident(spec.name), spec.kind
        exprs.append(f"count({q}) AS c{i}_n")
        if kind in ("number", "string", "boolean", "temporal"):
            exprs += [
                f"approx_count_distinct({q}) AS c{i}_d",
                f"CAST(min({q}) AS VARCHAR) AS c{i}_min",
                f"CAST(max({q}) AS VARCHAR) AS c{i}_max",
                f"approx_top_k({q}, {_TOP_K}) AS c{i}_top",
            ]
        if kind == "number":
            exprs += [
                f"min(CAST({q} AS DOUBLE)) AS c{i}_lo",
                f"max(CAST({q} AS DOUBLE)) AS c{i}_hi",
                f"avg(CAST({q} AS DOUBLE)) AS c{i}_mean",
                f"stddev_samp(CAST({q} AS DOUBLE)) AS c{i}_sd",
            ]
        length = _length_expr(q, kind)
        if length:
            exprs += [
                f"min({length}) AS c{i}_lmin",
                f"max({length}) AS c{i}_lmax",
                f"avg({length}) AS c{i}_lmean",
            ]
    return exprs


def _length_expr(q: str, kind: str) -> str | None:
    if kind == "string":
        return f"length({q})"
    if kind == "list":
        return f"len({q})"
    if kind == "map":
        return f"cardinality({q})"
    return None


def _bins(lo: float, hi: float, bins: int, integral: bool) -> tuple[float, float, int]:
    """``(start, width, count)`` of equal-width bins covering ``[lo, hi]``."""
    if integral and hi - lo + 1 <= bins:
        return lo, 1.0, int(hi - lo + 1)
    if hi == lo:
        return lo, 1.0, 1
    return lo, (hi - lo) / bins, bins


def _hist_expr(value: str, start: float, width: float, count: int) -> str:
    index = f"CAST(floor(({value} - {start!r}) / {width!r}) AS BIGINT)"
    # greatest/least skip NULLs (greatest(NULL, 0) is 0), so nulls are filtered out first.
    clamped = f"least(greatest({index}, 0), {count - 1})"
    return f"histogram({clamped}) FILTER (WHERE {value} IS NOT NULL)"


def _hist(result: Any, start: float, width: float, count: int) -> list[Bin]:
    found = dict(result or {})
    return [
        Bin(start + k * width, start + (k + 1) * width, int(found.get(k, 0))) for k in range(count)
    ]


def profile_relation(
    con: Any, relation: str, specs: Sequence[ColumnSpec], *, bins: int = 10
) -> tuple[int, list[ColumnProfile]]:
    """Profile every column of ``relation`` (a view or sub-select) on connection ``con``.

    Returns:
        ``(rows, column profiles)``.
    """
    row = con.execute(f"SELECT {', '.join(_first_pass(specs))} FROM {relation}").fetchone()
    names = ["rows", *_aliases(specs)]
    stats = dict(zip(names, row, strict=True))
    rows = int(stats["rows"])
    profiles: list[ColumnProfile] = []
    top_exprs: list[str] = []
    hist_exprs: list[str] = []
    params: list[Any] = []
    plans: list[tuple[int, str, tuple[float, float, int]]] = []
    top_plans: list[tuple[int, list[Any]]] = []
    for i, spec in enumerate(specs):
        kind = spec.kind
        count = int(stats[f"c{i}_n"])
        col = ColumnProfile(spec.name, spec.type, kind, position=i, count=count, nulls=rows - count)
        if kind in ("struct", "other"):
            col.profiled = False
            col.note = f"{kind} column: only counted"
        if kind in ("number", "string", "boolean", "temporal"):
            col.distinct_approx = int(stats[f"c{i}_d"]) if count else 0
            col.min, col.max = stats[f"c{i}_min"], stats[f"c{i}_max"]
            candidates = [v for v in (stats[f"c{i}_top"] or []) if v is not None]
            if candidates and count:
                top_plans.append((i, candidates))
                q = sql_ident(spec.name)
                for value in candidates:
                    top_exprs.append(f"count(*) FILTER (WHERE {q} = ?)")
                    params.append(value)
        if kind == "number":
            col.mean, col.stddev = _float(stats[f"c{i}_mean"]), _float(stats[f"c{i}_sd"])
            lo, hi = _float(stats[f"c{i}_lo"]), _float(stats[f"c{i}_hi"])
            if lo is not None and hi is not None:
                plan = _bins(lo, hi, bins, bool(_INTEGER.match(spec.type.upper())))
                hist_exprs.append(_hist_expr(f"CAST({sql_ident(spec.name)} AS DOUBLE)", *plan))
                plans.append((i, "value", plan))
        if f"c{i}_lmin" in stats and stats[f"c{i}_lmin"] is not None:
            col.min_length, col.max_length = int(stats[f"c{i}_lmin"]), int(stats[f"c{i}_lmax"])
            col.mean_length = _float(stats[f"c{i}_lmean"])
            plan = _bins(float(col.min_length), float(col.max_length), bins, True)
            expr = _length_expr(sql_ident(spec.name), kind)
            hist_exprs.append(_hist_expr(f"CAST({expr} AS DOUBLE)", *plan))
            plans.append((i, "length", plan))
        profiles.append(col)
    # Parameters bind the top-value candidates, so their expressions come first.
    second = top_exprs + hist_exprs
    if second:
        values = con.execute(f"SELECT {', '.join(second)} FROM {relation}", params).fetchone()
        it = iter(values)
        for i, candidates in top_plans:
            counted = [(_text(v), int(next(it))) for v in candidates]
            counted.sort(key=lambda pair: (-pair[1], pair[0] or ""))
            profiles[i].top_values = [(v or "", n) for v, n in counted if n > 0]
        for i, which, plan in plans:
            histogram = _hist(next(it), *plan)
            if which == "value":
                profiles[i].value_histogram = histogram
            else:
                profiles[i].length_histogram = histogram
    return rows, profiles


def _aliases(specs: Sequence[ColumnSpec]) -> list[str]:
    out = []
    for expr in _first_pass(specs)[1:]:
        out.append(expr.rsplit(" AS ", 1)[1])
    return out
