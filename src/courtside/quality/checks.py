"""Each check as SQL over a catalog table, the same text for DuckDB and Spark SQL.

A check gets the table's relation (``"db"."table"``), an optional condition selecting
one day (by the ``year``, ``month``, ``day`` columns), and returns a
:class:`~courtside.quality.report.CheckResult` with the failing count and a few failing
rows. Only ``CAST``, ``count``, ``max``, ``GROUP BY`` and comparisons are used, which both
engines share; identifiers and literals are quoted for the engine's dialect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from courtside.catalog.store import Table
from courtside.quality.config import (
    AcceptedValues,
    Freshness,
    NotNull,
    Range,
    RowCount,
    RowCountChange,
    Unique,
)
from courtside.quality.engine import QueryEngine
from courtside.quality.report import FAILED, PASSED, WARNED, CheckResult
from courtside.sqltext import sql_ident, sql_literal

__all__ = ["CheckContext", "evaluate", "latest_day"]

_DATE_KEYS = ("year", "month", "day")
_MAX_TEXT = 120


@dataclass
class CheckContext:
    """What every check of one table needs.

    Attributes:
        engine: Where the SQL runs.
        table: The catalog table.
        relation: Its ``FROM`` name on the engine.
        day: The day checked (None: the whole table).
        latest: The table's newest day (for day-level checks run without a day).
        examples: Failing rows to keep.
        now: The time freshness is measured against (aware UTC).
    """

    engine: QueryEngine
    table: Table
    relation: str
    day: date | None
    latest: date | None
    examples: int
    now: datetime

    @property
    def types(self) -> dict[str, str]:
        """Column name -> Hive type (partition keys included)."""
        return {c.name: c.type for c in (*self.table.columns, *self.table.partition_keys)}

    def q(self, name: str) -> str:
        """A quoted identifier."""
        return sql_ident(name, self.engine.dialect)

    def lit(self, value: Any) -> str:
        """A literal: numbers as they are, everything else as quoted text."""
        if isinstance(value, bool):
            return sql_literal("true" if value else "false", self.engine.dialect)
        if isinstance(value, int | float):
            return repr(int(value) if float(value).is_integer() else float(value))
        return sql_literal(str(value), self.engine.dialect)

    def day_condition(self, day: date | None) -> str:
        """``WHERE``-ready condition for ``day`` (``1 = 1`` for the whole table)."""
        if day is None:
            return "1 = 1"
        parts = []
        for name, value, width in zip(
            _DATE_KEYS, (day.year, day.month, day.day), (4, 2, 2), strict=True
        ):
            if self.types.get(name, "string") == "string":
                parts.append(f"{self.q(name)} = {self.lit(f'{value:0{width}d}')}")
            else:
                parts.append(f"{self.q(name)} = {value}")
        return " AND ".join(parts)

    def scalar(self, sql: str) -> Any:
        """The first value of the first row of a query."""
        _, rows = self.engine.query(sql)
        return rows[0][0] if rows else None

    def rows(self, sql: str) -> list[dict[str, Any]]:
        """Rows of a query as dicts with shortened values."""
        names, rows = self.engine.query(sql)
        return [{n: _short(v) for n, v in zip(names, row, strict=True)} for row in rows]

    def context_columns(self, column: str | None) -> str:
        """The columns shown with a failing row: an id and the date, then the column."""
        names = [c for c in ("id", *_DATE_KEYS) if c in self.types and c != column]
        if "id" not in self.types:  # what the row is about: its first other column
            names += [c.name for c in self.table.columns if c.name not in (*_DATE_KEYS, column)][:1]
        if not names:
            names = [c.name for c in self.table.columns[:3] if c.name != column]
        if column:
            names.append(column)
        return ", ".join(self.q(n) for n in names)


def _short(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def latest_day(engine: QueryEngine, table: Table, relation: str) -> date | None:
    """The newest ``year``/``month``/``day`` of a table (None: no rows or no date columns)."""
    names = {c.name for c in (*table.columns, *table.partition_keys)}
    if not all(k in names for k in _DATE_KEYS):
        return None
    y, m, d = (sql_ident(k, engine.dialect) for k in _DATE_KEYS)
    _, rows = engine.query(
        f"SELECT max(CAST({y} AS INT) * 10000 + CAST({m} AS INT) * 100 + CAST({d} AS INT))"
        f" FROM {relation}"
    )
    value = rows[0][0] if rows else None
    if value is None:
        return None
    number = int(value)
    try:
        return date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None


def _result(ctx: CheckContext, check: Any, failing: int, message: str, **extra: Any) -> CheckResult:
    status = PASSED if failing == 0 else (FAILED if check.severity == "error" else WARNED)
    return CheckResult(
        table=ctx.table.qualified_name,
        day=extra.pop("day", ctx.day),
        check=check.label(),
        kind=check.check,
        severity=check.severity,
        status=status,
        failing=failing,
        message=message,
        **extra,
    )


def _row_check(
    ctx: CheckContext, check: Any, bad: str, what: str, *, with_examples: bool = True
) -> CheckResult:
    where = f"{ctx.day_condition(ctx.day)} AND ({bad})"
    total = int(
        ctx.scalar(f"SELECT count(*) FROM {ctx.relation} WHERE {ctx.day_condition(ctx.day)}")
    )
    failing = int(ctx.scalar(f"SELECT count(*) FROM {ctx.relation} WHERE {where}"))
    examples = []
    if failing and ctx.examples and with_examples:
        cols = ctx.context_columns(getattr(check, "column", None))
        examples = ctx.rows(f"SELECT {cols} FROM {ctx.relation} WHERE {where} LIMIT {ctx.examples}")
    message = f"{failing} of {total} rows {what}" if failing else f"all {total} rows pass"
    return _result(ctx, check, failing, message, rows=total, examples=examples)


def _not_null(ctx: CheckContext, check: NotNull) -> CheckResult:
    return _row_check(ctx, check, f"{ctx.q(check.column)} IS NULL", f"have no {check.column}")


def _accepted(ctx: CheckContext, check: AcceptedValues) -> CheckResult:
    col = ctx.q(check.column)
    values = ", ".join(sql_literal(_text(v), ctx.engine.dialect) for v in check.values)
    bad = f"{col} IS NOT NULL AND CAST({col} AS STRING) NOT IN ({values})"
    what = f"have a {check.column} outside the accepted values"
    result = _row_check(ctx, check, bad, what, with_examples=False)
    if result.failing and ctx.examples:
        result.examples = ctx.rows(
            f"SELECT CAST({col} AS STRING) AS {col}, count(*) AS {ctx.q('rows')}"
            f" FROM {ctx.relation} WHERE {ctx.day_condition(ctx.day)} AND ({bad})"
            f" GROUP BY CAST({col} AS STRING) ORDER BY 2 DESC, 1 LIMIT {ctx.examples}"
        )
    return result


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _range(ctx: CheckContext, check: Range) -> CheckResult:
    col = ctx.q(check.column)
    parts = []
    if check.min is not None:
        parts.append(f"{col} < {ctx.lit(check.min)}")
    if check.max is not None:
        parts.append(f"{col} > {ctx.lit(check.max)}")
    bounds = f"[{_bound(check.min)}, {_bound(check.max)}]"
    bad = f"{col} IS NOT NULL AND ({' OR '.join(parts)})"
    return _row_check(ctx, check, bad, f"have a {check.column} outside {bounds}")


def _bound(value: float | str | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else repr(value)


def _unique(ctx: CheckContext, check: Unique) -> CheckResult:
    col, n = ctx.q(check.column), ctx.q("rows")
    dups = (
        f"SELECT {col}, count(*) AS {n} FROM {ctx.relation}"
        f" WHERE {ctx.day_condition(ctx.day)} AND {col} IS NOT NULL"
        f" GROUP BY {col} HAVING count(*) > 1"
    )
    _, rows = ctx.engine.query(f"SELECT count(*), sum({n}) FROM ({dups}) d")
    values, involved = int(rows[0][0] or 0), int(rows[0][1] or 0)
    examples = []
    if values and ctx.examples:
        examples = ctx.rows(f"{dups} ORDER BY {n} DESC, {col} LIMIT {ctx.examples}")
    message = (
        f"{values} values of {check.column} appear more than once ({involved} rows)"
        if values
        else f"every {check.column} is unique"
    )
    return _result(ctx, check, values, message, examples=examples)


def _count_day(ctx: CheckContext, day: date | None) -> int:
    return int(ctx.scalar(f"SELECT count(*) FROM {ctx.relation} WHERE {ctx.day_condition(day)}"))


def _row_count(ctx: CheckContext, check: RowCount) -> CheckResult:
    day = ctx.day or ctx.latest
    rows = _count_day(ctx, day)
    too_few, too_many = rows < check.min, check.max is not None and rows > check.max
    limit = f"at least {check.min}" + (f" and at most {check.max}" if check.max is not None else "")
    message = f"{rows} rows, expected {limit}"
    failing = 1 if too_few or too_many else 0
    examples = [{"rows": rows}] if failing else []
    return _result(ctx, check, failing, message, rows=rows, day=day, examples=examples)


def _row_count_change(ctx: CheckContext, check: RowCountChange) -> CheckResult:
    day = ctx.day or ctx.latest
    if day is None:
        return _result(
            ctx, check, 0, "no rows with a date yet: nothing to compare", rows=0, day=None
        )
    rows = _count_day(ctx, day)
    before = day - timedelta(days=1)
    previous = _count_day(ctx, before)
    if previous == 0:
        message = f"{rows} rows; {before.isoformat()} has no rows, so there is no baseline"
        return _result(ctx, check, 0, message, rows=rows, day=day)
    change = (rows - previous) / previous * 100
    failing = 1 if abs(change) > check.max_change_pct else 0
    message = (
        f"{rows} rows vs {previous} on {before.isoformat()} ({change:+.1f}%,"
        f" bound ±{check.max_change_pct:g}%)"
    )
    examples = (
        [
            {
                "day": day.isoformat(),
                "rows": rows,
                "previous_day": before.isoformat(),
                "previous_rows": previous,
            }
        ]
        if failing
        else []
    )
    return _result(ctx, check, failing, message, rows=rows, day=day, examples=examples)


def _freshness(ctx: CheckContext, check: Freshness) -> CheckResult:
    if check.column:
        newest_value = ctx.scalar(
            f"SELECT max(CAST({ctx.q(check.column)} AS TIMESTAMP)) FROM {ctx.relation}"
        )
        newest = _aware(newest_value)
        what = f"newest {check.column}"
    else:
        latest = latest_day(ctx.engine, ctx.table, ctx.relation)
        newest = (
            datetime(latest.year, latest.month, latest.day, tzinfo=UTC) + timedelta(days=1)
            if latest
            else None
        )
        what = "end of the newest day"
    if newest is None:
        return _result(ctx, check, 1, f"no data: the table has no {what}", day=None)
    age_h = max(0.0, (ctx.now - newest).total_seconds() / 3600)
    failing = 1 if age_h > check.max_age_h else 0
    message = f"{what} is {newest.isoformat()}, {age_h:.1f} h old (limit {check.max_age_h:g} h)"
    examples = [{"newest": newest.isoformat(), "age_h": round(age_h, 2)}] if failing else []
    return _result(ctx, check, failing, message, day=None, examples=examples)


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_EVALUATORS: dict[str, Callable[[CheckContext, Any], CheckResult]] = {
    "not_null": _not_null,
    "unique": _unique,
    "accepted_values": _accepted,
    "range": _range,
    "row_count": _row_count,
    "row_count_change": _row_count_change,
    "freshness": _freshness,
}


def evaluate(ctx: CheckContext, check: Any) -> CheckResult:
    """Run one configured check."""
    return _EVALUATORS[check.check](ctx, check)
