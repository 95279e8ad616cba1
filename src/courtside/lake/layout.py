"""The lake layout and safe, atomic writes under the lake root.

Zones (directories under the root)::

    raw/year=YYYY/month=MM/day=DD/                     delivered records (by post date)
    original-data/year=YYYY/month=MM/day=DD/           gzip originals (by arrival time)
    errors/year=.../error=processing-failed/           failed records (by arrival time)
    tweets/year=YYYY/month=MM/day=DD/                  de-duplicated posts
    players_total_tweets/                              daily job output
    flink-late-events/, flink-all-tweets/              detector side outputs

Object names sort by time and never collide: ``<prefix>-<UTC timestamp>-<random>``.
Files are written under a hidden temporary name (``.<name>.tmp``), fsynced, then renamed,
so a reader never sees a partial file; readers skip names starting with ``.`` or ``_``.
Every path is checked to stay under the root, whatever a record contains.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

from courtside.errors import LakeError

ZONES = (
    "raw",
    "original-data",
    "errors",
    "tweets",
    "players_total_tweets",
    "flink-late-events",
    "flink-all-tweets",
)
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.=-]{0,127}$")


def safe_value(value: str) -> str:
    """Return ``value`` if it is safe as one path segment (no separators, no ``..``,
    no NUL, not hidden, at most 128 characters).

    Raises:
        LakeError: for anything else.
    """
    if not _SAFE_VALUE.match(value) or ".." in value:
        raise LakeError(f"unsafe partition value {value[:80]!r}")
    return value


def date_partition(year: int, month: int, day: int) -> str:
    """``year=YYYY/month=MM/day=DD`` from validated integers."""
    if not (1 <= year <= 9999 and 1 <= month <= 12 and 1 <= day <= 31):
        raise LakeError(f"invalid partition date {year}-{month}-{day}")
    return f"year={year:04d}/month={month:02d}/day={day:02d}"


def partition_date(partition: str) -> date | None:
    """The day of a partition key holding ``year=/month=/day=`` segments (the inverse of
    :func:`date_partition`); None when it has no valid date."""
    fields = dict(seg.split("=", 1) for seg in partition.split("/") if "=" in seg)
    try:
        return date(int(fields["year"]), int(fields["month"]), int(fields["day"]))
    except (KeyError, ValueError):
        return None


def within(root: Path, relative: str) -> Path:
    """``root / relative``, refusing anything that would resolve outside ``root``.

    Raises:
        LakeError: when the path escapes the root.
    """
    if "\x00" in relative or relative.startswith(("/", "\\")):
        raise LakeError(f"path {relative[:80]!r} escapes the lake root")
    root_resolved = root.resolve()
    target = (root_resolved / relative).resolve()
    if target != root_resolved and root_resolved not in target.parents:
        raise LakeError(f"path {relative[:80]!r} escapes the lake root")
    return target


def object_name(prefix: str, suffix: str, now: datetime | None = None) -> str:
    """A file name that sorts by time and never collides, e.g.
    ``deliver-20200501T120000123456Z-9f2c4a1b7e.json``."""
    ts = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{safe_value(prefix)}-{ts:%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(5)}{suffix}"


def fsync_dir(path: Path) -> None:
    """fsync a directory so a rename inside it is durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(
    path: Path, chunks: bytes | bytearray | memoryview | Iterable[bytes], *, durable: bool = True
) -> int:
    """Write ``chunks`` to ``path`` via a hidden temporary file (``.<name>.<pid>.tmp``,
    removed on failure) and a rename, so a reader sees the old file or the new one.

    Returns:
        The number of bytes written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = [chunks] if isinstance(chunks, bytes | bytearray | memoryview) else chunks
    size = 0
    try:
        with open(tmp, "wb") as fh:
            for chunk in data:
                fh.write(chunk)
                size += len(chunk)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)
    return size


def visible_files(directory: Path, pattern: str = "*") -> list[Path]:
    """Complete files under ``directory`` (recursively), skipping hidden and ``_`` names."""
    if not directory.exists():
        return []
    return sorted(
        p for p in directory.rglob(pattern) if p.is_file() and not p.name.startswith((".", "_"))
    )
