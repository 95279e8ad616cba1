"""A small partitioned Parquet table in the lake, crawled into the catalog."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.parquet as pq

from courtside.catalog.crawler import crawl
from courtside.config import Settings

SCHEMA = pa.schema(
    [
        ("n", pa.int64()),
        ("x", pa.float64()),
        ("s", pa.string()),
        ("b", pa.bool_()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("tags", pa.list_(pa.string())),
        ("who", pa.struct([("name", pa.string())])),
        ("m", pa.map_(pa.string(), pa.int64())),
    ]
)


def day_rows(shift: int = 0) -> pa.Table:
    """Six rows with nulls in every column but ``b``."""
    t0 = datetime(2020, 3, 1, 12, tzinfo=UTC)
    return pa.table(
        {
            "n": [1 + shift, 2, 2, 3, None, 10],
            "x": [0.5, 1.5, 2.5, None, 4.0, -1.0],
            "s": ["a", "bb", "bb", None, "dddd", "bb"],
            "b": [True, False, True, True, False, True],
            "ts": [t0, t0, None, t0, t0, t0],
            "tags": [[], ["a"], ["a", "b"], ["a", "b", "c"], None, ["z"]],
            "who": [{"name": "x"}, None, {"name": "y"}, {"name": None}, None, {"name": "x"}],
            "m": [[("k", 1)], [], None, [("a", 1), ("b", 2)], [("c", 3)], None],
        },
        schema=SCHEMA,
    )


def write_table(settings: Settings, name: str, days: dict[date, pa.Table]) -> None:
    """Write one Parquet file per day under ``<lake>/<name>/year=/month=/day=/`` and crawl."""
    for day, table in days.items():
        folder = settings.lake / name / f"year={day:%Y}/month={day:%m}/day={day:%d}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "part-0.parquet")
    crawl(settings, name)
