"""What the dashboard's data-quality section shows, read without Streamlit: the latest
profile of each table, null shares over days, schema versions with their differences, and
check results over time.

Each reader returns plain rows (dicts with fixed keys) so the section only draws, and a
broken source fails its own part of the section only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from courtside.config import Settings

__all__ = [
    "ProfileView",
    "check_results",
    "histogram_rows",
    "latest_profiles",
    "null_share_rows",
    "schema_changes",
    "schema_subjects",
]

#: Check results read for the "over time" table and chart.
CHECK_RUNS = 200


@dataclass(frozen=True)
class ProfileView:
    """The latest profile of one table, as the section shows it.

    Attributes:
        folder: The table's folder under ``profiles/`` (its name for the null-share reads).
        table: ``database.table``.
        day: The day profiled.
        scope: ``day`` or ``table``.
        rows: Rows profiled.
        profiled_at: When (ISO-8601 UTC).
        columns: One row per column: ``column``, ``kind``, ``count``, ``nulls`` (numbers),
            ``null_share`` (a percentage), ``distinct``, ``min``, ``max``, ``mean``,
            ``stddev``, ``top`` (text, blank when not applicable).
        histograms: Column name -> ``(kind of histogram, bins)``; bins are dicts with
            ``lo``, ``hi``, ``count`` (value histograms for numbers, else lengths).
    """

    folder: str
    table: str
    day: date
    scope: str
    rows: int
    profiled_at: str
    columns: list[dict[str, Any]]
    histograms: dict[str, tuple[str, list[dict[str, Any]]]]


def _number(value: float | None) -> str:
    """A figure as text (a column mixing numbers and blanks is one type in a table)."""
    return "" if value is None else f"{value:.4g}"


def _lake(settings: Settings) -> Any:
    return settings.places.lake


def latest_profiles(settings: Settings) -> list[ProfileView]:
    """The newest stored profile of every profiled table, by table name."""
    from courtside.profile import latest_profile, profiled_tables

    lake = _lake(settings)
    out = []
    for folder in profiled_tables(lake):
        found = latest_profile(lake, folder)
        if found is None:
            continue
        columns, histograms = [], {}
        for c in found.columns:
            columns.append(
                {
                    "column": c.column_name,
                    "kind": c.kind,
                    "count": c.count,
                    "nulls": c.nulls,
                    "null_share": f"{c.null_share:.1%}",
                    "distinct": _number(c.distinct_approx),
                    "min": c.min or "",
                    "max": c.max or "",
                    "mean": _number(c.mean),
                    "stddev": _number(c.stddev),
                    "top": ", ".join(f"{v} ({n})" for v, n in c.top_values[:3]),
                }
            )
            bins, what = (
                (c.value_histogram, "values")
                if c.value_histogram
                else (
                    c.length_histogram,
                    "lengths",
                )
            )
            if bins:
                histograms[c.column_name] = (
                    what,
                    [{"lo": b.lo, "hi": b.hi, "count": b.count} for b in bins],
                )
        out.append(
            ProfileView(
                folder=folder,
                table=f"{found.database}.{found.table}",
                day=found.day,
                scope=found.scope,
                rows=found.rows,
                profiled_at=found.profiled_at.isoformat(timespec="seconds"),
                columns=columns,
                histograms=histograms,
            )
        )
    return sorted(out, key=lambda p: p.table)


def histogram_rows(bins: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bins as chart rows with a readable ``bin`` label (``lo–hi``) kept in order."""
    return [
        {"order": i, "bin": f"{b['lo']:.4g}–{b['hi']:.4g}", "count": int(b["count"])}
        for i, b in enumerate(bins)
    ]


def null_share_rows(settings: Settings, folder: str) -> list[dict[str, Any]]:
    """Null share per column and day of one profiled table, oldest day first, for the
    columns that had a null on some day (``day`` as ISO text)."""
    from courtside.profile import null_share_history

    rows = null_share_history(_lake(settings), folder)
    with_nulls = {r["column"] for r in rows if r["null_share"] > 0}
    return [
        {
            "day": r["day"].isoformat(),
            "column": r["column"],
            "null_share": round(float(r["null_share"]), 4),
        }
        for r in rows
        if r["column"] in with_nulls
    ]


def _registry(settings: Settings) -> Any:
    from courtside.schemas import SchemaRegistry

    return SchemaRegistry.at(settings.state_dir)


def schema_subjects(settings: Settings) -> list[dict[str, Any]]:
    """Every registered subject: ``subject``, ``compatibility``, ``versions``,
    ``updated_at``. A home whose registry was never opened shows none (reading it here
    would create it)."""
    if not (settings.state_dir / "schemas.db").exists():
        return []
    return [
        {
            "subject": s.name,
            "compatibility": s.compatibility.value,
            "versions": s.latest_version,
            "updated_at": s.updated_at.isoformat(timespec="seconds"),
        }
        for s in _registry(settings).subjects()
    ]


def schema_changes(settings: Settings, subject: str) -> list[dict[str, Any]]:
    """The differences between consecutive versions of ``subject``, newest first:
    ``version`` (the newer one), ``registered``, ``note``, ``field``, ``change``,
    ``before``, ``after``. Version 1 is one row with change ``first version``."""
    registry = _registry(settings)
    versions = registry.versions(subject)
    out: list[dict[str, Any]] = []
    for older, newer in zip([None, *versions[:-1]], versions, strict=True):
        common = {
            "version": newer.version,
            "registered": newer.created_at.isoformat(timespec="seconds"),
            "note": newer.note,
        }
        if older is None:
            out.append(
                {**common, "field": "", "change": "first version", "before": "", "after": ""}
            )
            continue
        for change in registry.diff(subject, older.version, newer.version):
            out.append(
                {
                    **common,
                    "field": change.field_path or "(record)",
                    "change": change.change,
                    "before": change.before,
                    "after": change.after,
                }
            )
    return sorted(out, key=lambda r: -int(r["version"]))


def check_results(settings: Settings, limit: int = CHECK_RUNS) -> list[dict[str, Any]]:
    """Check results over time, newest run first: ``started_at`` (ISO text), ``table``,
    ``day``, ``check``, ``kind``, ``severity``, ``status``, ``failing``, ``message``."""
    from courtside.quality.runner import check_history
    from courtside.runs import RunRecorder

    if not (settings.state_dir / "runs.db").exists():
        return []
    rows = check_history(RunRecorder(settings), limit=limit)
    for row in rows:
        started = row["started_at"]
        row["started_at"] = started.isoformat(timespec="seconds") if started else ""
    return rows
