"""The local data lake: layout, safe paths and atomic writes."""

from courtside.lake.layout import (
    ZONES,
    date_partition,
    object_name,
    safe_value,
    visible_files,
    within,
    write_atomic,
)

__all__ = [
    "ZONES",
    "date_partition",
    "object_name",
    "safe_value",
    "visible_files",
    "within",
    "write_atomic",
]
