"""Start-up validation of the ``[quality]`` checks against the catalog.

Every configured table must be in the catalog and every column a check names must exist
with a type the check can use; otherwise :class:`QualityConfigError` lists the problems
before anything runs (not at 3 a.m. when the check is evaluated).
"""

from __future__ import annotations

from collections.abc import Iterable

from courtside.catalog.config import DEFAULT_DATABASE
from courtside.catalog.errors import NoSuchTableError
from courtside.catalog.store import Catalog, Table
from courtside.catalog.types import ArrayType, MapType, StructType, parse_type
from courtside.quality.config import BaseCheck, QualitySettings
from courtside.quality.errors import QualityConfigError

__all__ = ["resolve_tables", "validate_checks"]

_NUMERIC = {"bigint", "int", "smallint", "tinyint", "double", "float"}
_TIME_LIKE = {"string", "timestamp", "date"}


def _nested(hive: str) -> bool:
    return isinstance(parse_type(hive), ArrayType | StructType | MapType)


def _table_problems(name: str, table: Table, checks: Iterable[BaseCheck]) -> list[str]:
    types = {c.name: c.type for c in (*table.columns, *table.partition_keys)}
    shown = ", ".join(types) or "none"
    out = []
    for check in checks:
        label, kind = check.label(), check.check
        for column in check.columns():
            hive = types.get(column)
            if hive is None:
                out.append(
                    f"{name}: check {label}: column {column!r} does not exist (columns: {shown})"
                )
                continue
            base = hive.split("(")[0]
            if kind in ("unique", "accepted_values", "range") and _nested(hive):
                out.append(f"{name}: check {label}: column {column!r} is nested ({hive})")
            elif kind == "range":
                bounds = [b for b in (getattr(check, "min", None), getattr(check, "max", None))]
                numeric = not any(isinstance(b, str) for b in bounds)
                if numeric and base not in _NUMERIC and not base.startswith("decimal"):
                    out.append(
                        f"{name}: check {label}: numeric range on {hive} column {column!r}"
                        " (use text bounds or a numeric column)"
                    )
            elif kind == "freshness" and base not in _TIME_LIKE:
                out.append(f"{name}: check {label}: column {column!r} ({hive}) is not a time")
        if kind == "row_count_change" or (kind == "freshness" and not check.columns()):
            missing = [k for k in ("year", "month", "day") if k not in types]
            if missing:
                out.append(
                    f"{name}: check {label} needs year/month/day columns; missing: "
                    + ", ".join(missing)
                )
    return out


def resolve_tables(
    cfg: QualitySettings,
    catalog: Catalog,
    only: str | None = None,
    *,
    default_database: str = DEFAULT_DATABASE,
) -> list[tuple[str, Table | None]]:
    """The configured table names (all, or ``only``) with their catalog tables (None when
    not in the catalog).

    Raises:
        QualityConfigError: when ``only`` has no checks configured.
    """
    names = list(cfg.tables)
    if only is not None:
        wanted = only if "." in only else f"{default_database}.{only}"
        names = [n for n in names if (n if "." in n else f"{default_database}.{n}") == wanted]
        if not names:
            configured = ", ".join(cfg.tables) or "none"
            raise QualityConfigError(
                [f"no checks configured for table {only!r} (configured: {configured})"]
            )
    out: list[tuple[str, Table | None]] = []
    for name in names:
        try:
            out.append((name, catalog.find_table(name, default_database)))
        except NoSuchTableError:
            out.append((name, None))
    return out


def validate_checks(
    cfg: QualitySettings,
    catalog: Catalog,
    only: str | None = None,
    *,
    strict: bool = True,
    default_database: str = DEFAULT_DATABASE,
) -> list[tuple[str, Table]]:
    """Check the configured checks against the catalog (call it at start-up).

    Args:
        cfg: The checks.
        catalog: The catalog.
        only: Validate only this table's checks.
        strict: A configured table missing from the catalog is a problem; without
            ``strict`` (before the pipeline's first crawl) such tables are skipped.
        default_database: Database of unqualified table names.

    Returns:
        ``(configured name, catalog table)`` of every table that can be checked.

    Raises:
        QualityConfigError: listing every problem found.
    """
    problems: list[str] = []
    found: list[tuple[str, Table]] = []
    tables = [t.qualified_name for t in catalog.tables()]
    for name, table in resolve_tables(cfg, catalog, only, default_database=default_database):
        if table is None:
            if strict:
                known = ", ".join(tables) or "none"
                problems.append(f"{name}: no such table in the catalog (tables: {known})")
            continue
        problems += _table_problems(name, table, cfg.tables[name])
        found.append((name, table))
    if problems:
        raise QualityConfigError(problems)
    return found
