"""What a profile holds: one :class:`ColumnProfile` per column of one table and day, and
its storage form (one Parquet row per column, :data:`PROFILE_COLUMNS`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

__all__ = ["PROFILE_COLUMNS", "Bin", "ColumnProfile", "TableProfile"]

_BIN = "array<struct<lo:double,hi:double,count:bigint>>"
#: The profile table's columns as Hive types (the catalog's ``<table>_profile`` tables).
PROFILE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("database", "string"),
    ("table_name", "string"),
    ("scope", "string"),
    ("rows", "bigint"),
    ("position", "int"),
    ("column_name", "string"),
    ("column_type", "string"),
    ("kind", "string"),
    ("profiled", "boolean"),
    ("note", "string"),
    ("count", "bigint"),
    ("nulls", "bigint"),
    ("null_share", "double"),
    ("distinct_approx", "bigint"),
    ("min", "string"),
    ("max", "string"),
    ("mean", "double"),
    ("stddev", "double"),
    ("min_length", "bigint"),
    ("max_length", "bigint"),
    ("mean_length", "double"),
    ("top_values", "array<struct<value:string,count:bigint>>"),
    ("length_histogram", _BIN),
    ("value_histogram", _BIN),
    ("profiled_at", "string"),
    ("run_id", "string"),
)


@dataclass(frozen=True)
class Bin:
    """One histogram bucket ``[lo, hi)`` (the last one includes ``hi``)."""

    lo: float
    hi: float
    count: int


@dataclass
class ColumnProfile:
    """The profile of one column.

    Attributes:
        column_name: The column.
        column_type: Its DuckDB type.
        kind: ``number``, ``string``, ``boolean``, ``temporal``, ``list``, ``map``,
            ``struct`` or ``other``.
        position: Its position in the table (0-based).
        profiled: False for kinds only counted (structs, binary): only ``count`` and
            ``nulls`` are set and ``note`` says why.
        note: Why some figures are missing.
        count: Non-null values.
        nulls: Null values.
        distinct_approx: Distinct non-null values (HyperLogLog estimate).
        min: Smallest value, as text (lists and maps: none).
        max: Largest value, as text.
        mean: Mean (numbers).
        stddev: Sample standard deviation (numbers).
        min_length: Shortest string or list (elements) / map (entries).
        max_length: Longest one.
        mean_length: Mean length.
        top_values: Most frequent values (approximate selection, exact counts).
        length_histogram: Lengths of strings, lists and maps, in equal-width bins.
        value_histogram: Values of numbers, in equal-width bins.
    """

    column_name: str
    column_type: str
    kind: str
    position: int = 0
    profiled: bool = True
    note: str = ""
    count: int = 0
    nulls: int = 0
    distinct_approx: int | None = None
    min: str | None = None
    max: str | None = None
    mean: float | None = None
    stddev: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    mean_length: float | None = None
    top_values: list[tuple[str, int]] = field(default_factory=list)
    length_histogram: list[Bin] = field(default_factory=list)
    value_histogram: list[Bin] = field(default_factory=list)

    @property
    def null_share(self) -> float:
        """Nulls as a share of rows (0 when the table is empty)."""
        total = self.count + self.nulls
        return self.nulls / total if total else 0.0


@dataclass
class TableProfile:
    """The profile of one table on one day (or of the whole table).

    Attributes:
        database: The catalog database.
        table: The catalog table.
        day: The day profiled, or the day of a whole-table profile.
        scope: ``day`` (the table's rows of ``day``) or ``table`` (every row).
        rows: Rows profiled.
        columns: One profile per column, in table order.
        profiled_at: When it was computed (UTC).
        run_id: The run that computed it.
    """

    database: str
    table: str
    day: date
    scope: str
    rows: int
    columns: list[ColumnProfile]
    profiled_at: datetime
    run_id: str = ""

    def column(self, name: str) -> ColumnProfile:
        """One column's profile.

        Raises:
            KeyError: when the table has no such column.
        """
        for col in self.columns:
            if col.column_name == name:
                return col
        raise KeyError(name)

    def to_rows(self) -> list[dict[str, Any]]:
        """One storage row per column (:data:`PROFILE_COLUMNS`)."""
        rows = []
        for col in self.columns:
            data = asdict(col)
            data["top_values"] = [{"value": v, "count": n} for v, n in col.top_values]
            data["length_histogram"] = [asdict(b) for b in col.length_histogram]
            data["value_histogram"] = [asdict(b) for b in col.value_histogram]
            data.update(
                database=self.database,
                table_name=self.table,
                scope=self.scope,
                rows=self.rows,
                null_share=col.null_share,
                profiled_at=self.profiled_at.isoformat(),
                run_id=self.run_id,
            )
            rows.append({name: data[name] for name, _ in PROFILE_COLUMNS})
        return rows

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]], day: date) -> TableProfile:
        """Rebuild a profile from its storage rows (one per column, any order)."""
        if not rows:
            raise ValueError("a stored profile has at least one row")
        ordered = sorted(rows, key=lambda r: r["position"])
        first = ordered[0]
        columns = []
        for row in ordered:
            columns.append(
                ColumnProfile(
                    column_name=row["column_name"],
                    column_type=row["column_type"],
                    kind=row["kind"],
                    position=row["position"],
                    profiled=row["profiled"],
                    note=row["note"] or "",
                    count=row["count"],
                    nulls=row["nulls"],
                    distinct_approx=row["distinct_approx"],
                    min=row["min"],
                    max=row["max"],
                    mean=row["mean"],
                    stddev=row["stddev"],
                    min_length=row["min_length"],
                    max_length=row["max_length"],
                    mean_length=row["mean_length"],
                    top_values=[(t["value"], t["count"]) for t in row["top_values"] or []],
                    length_histogram=[Bin(**b) for b in row["length_histogram"] or []],
                    value_histogram=[Bin(**b) for b in row["value_histogram"] or []],
                )
            )
        return cls(
            database=first["database"],
            table=first["table_name"],
            day=day,
            scope=first["scope"],
            rows=first["rows"],
            columns=columns,
            profiled_at=datetime.fromisoformat(first["profiled_at"]),
            run_id=first["run_id"] or "",
        )
