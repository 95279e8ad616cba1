"""Job output tables in the lake: partitions replaced as a unit on any lake backend.

A job output table (``tweets/``, ``players_total_tweets/``, ...) is a folder of Hive-style
partitions such as ``year=2020/month=05/day=01``. A job replaces a partition by
*publishing* a new version of it, with object puts and deletes only (no renames):

1. put every data object as ``part-<run>-<nnnnn><ext>``;
2. put the commit marker ``_committed-<run>`` (a hidden name: no glob matches it);
3. delete the objects of every other run of the partition.

Readers ask :func:`committed_files`: the data objects of the newest run that has a
marker. So a reader sees the partition's old version or its new one, never a mix, on a
folder and on S3 alike. A crash before step 2 leaves objects of an uncommitted run
(ignored by readers, deleted by the next publish or :func:`vacuum`); a crash between 2 and
3 leaves superseded objects (ignored, deleted next time). A marker without data objects is
a partition that was computed and is empty. A partition with no marker at all (written by
another tool, or before this protocol) counts every visible object as current.

Run ids sort by time (``YYYYmmddTHHMMSSffffffZ<hex>``). Publishing must be serialised per
table by the caller (the job lock); readers need no lock.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import orjson

from courtside.errors import LakeError
from courtside.lake.base import Lake, LakeObject, check_key, join_key
from courtside.lake.layout import partition_date

__all__ = [
    "MARKER_PREFIX",
    "PartitionVersion",
    "committed_files",
    "data_key",
    "day_files",
    "day_partitions",
    "new_run_id",
    "partition_version",
    "partitions",
    "publish",
    "table_files",
    "vacuum",
]

MARKER_PREFIX = "_committed-"
_RUN = r"\d{8}T\d{12}Z[0-9a-f]{8}"
_DATA = re.compile(rf"^part-({_RUN})-\d{{5}}\.[A-Za-z0-9.]+$")
_MARKER = re.compile(rf"^{MARKER_PREFIX}({_RUN})$")
_PARTITION_SEGMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=[^/]+$")


def new_run_id(now: datetime | None = None) -> str:
    """A run id that sorts by time and never collides, e.g. ``20200501T120000123456Zab12cd34``."""
    ts = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{ts:%Y%m%dT%H%M%S%f}Z{secrets.token_hex(4)}"


def data_key(partition: str, run_id: str, n: int, ext: str) -> str:
    """The key of a run's ``n``-th data object in ``partition`` (``ext`` like ``.parquet``)."""
    if not re.fullmatch(_RUN, run_id) or not re.fullmatch(r"\.[A-Za-z0-9.]{1,20}", ext):
        raise LakeError(f"invalid run id {run_id!r} or extension {ext!r}")
    return join_key(partition, f"part-{run_id}-{n:05d}{ext}")


@dataclass
class PartitionVersion:
    """What a partition holds right now.

    Attributes:
        run_id: The newest committed run (None: no marker; every visible object counts).
        files: The current data objects.
        stale: Objects of other runs (superseded or never committed) and leftovers.
    """

    run_id: str | None
    files: list[LakeObject] = field(default_factory=list)
    stale: list[LakeObject] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        """True when the partition was published (even empty) or holds objects."""
        return self.run_id is not None or bool(self.files)


def partition_version(lake: Lake, partition: str) -> PartitionVersion:
    """The current version of one partition (its objects directly under it)."""
    prefix = check_key(partition, prefix=True)
    objects = [o for o in lake.list_objects(prefix, hidden=True) if o.parent == prefix]
    markers = sorted(m[1] for o in objects if (m := _MARKER.match(o.name)))
    if not markers:
        visible = [o for o in objects if not o.name.startswith((".", "_"))]
        return PartitionVersion(None, visible, [])
    current = markers[-1]
    version = PartitionVersion(current)
    for obj in objects:
        data = _DATA.match(obj.name)
        if data and data[1] == current:
            version.files.append(obj)
        elif obj.name != f"{MARKER_PREFIX}{current}":
            version.stale.append(obj)
    return version


def committed_files(lake: Lake, partition: str, *, suffix: str = "") -> list[LakeObject]:
    """The current data objects of ``partition`` whose names end with ``suffix``."""
    return [o for o in partition_version(lake, partition).files if o.name.endswith(suffix)]


def publish(
    lake: Lake,
    partition: str,
    sources: Sequence[Path | bytes],
    *,
    ext: str,
    run_id: str | None = None,
    move: bool = True,
    meta: dict[str, object] | None = None,
) -> list[str]:
    """Publish ``sources`` (local files or bytes) as the new version of ``partition``.

    Args:
        lake: The lake.
        partition: The partition's folder, e.g. ``tweets/year=2020/month=05/day=01``.
        sources: The data objects' content; an empty sequence publishes an empty partition.
        ext: The data objects' extension (``.parquet``, ``.json``).
        run_id: The publishing run (default: a new one).
        move: Local source files may be consumed (renamed into a folder lake).
        meta: Extra facts stored in the marker (rows, the job's run id...).

    Returns:
        The keys of the published data objects.
    """
    prefix = check_key(partition, prefix=True)
    run = run_id or new_run_id()
    keys: list[str] = []
    for n, source in enumerate(sources):
        key = data_key(prefix, run, n, ext)
        if isinstance(source, bytes):
            lake.put(key, source)
        else:
            lake.put_file(key, source, move=move)
        keys.append(key)
    marker = {"run_id": run, "files": [k.rsplit("/", 1)[-1] for k in keys], **(meta or {})}
    lake.put(join_key(prefix, f"{MARKER_PREFIX}{run}"), orjson.dumps(marker))
    vacuum(lake, prefix)
    return keys


def vacuum(lake: Lake, partition: str) -> int:
    """Delete the objects of ``partition`` that no reader uses any more; return how many."""
    version = partition_version(lake, partition)
    if version.run_id is None:
        return 0
    return lake.delete(o.key for o in version.stale)


def partitions(lake: Lake, table: str, depth: int = 3) -> list[str]:
    """The partitions of ``table`` (``year=YYYY/month=MM/day=DD`` for ``depth`` 3) that hold
    at least one object, sorted. Folders that are not ``key=value`` are ignored."""
    root = check_key(table, prefix=True)
    level = [""]
    for _ in range(depth):
        nxt = []
        for rel in level:
            for name in lake.list_folders(join_key(root, rel) if rel or root else ""):
                if _PARTITION_SEGMENT.match(name):
                    nxt.append(f"{rel}/{name}" if rel else name)
        level = nxt
    return sorted(level)


def day_partitions(lake: Lake, table: str) -> list[tuple[date, str]]:
    """``(day, partition)`` of every ``year=/month=/day=`` partition of ``table`` whose
    values form a real date, oldest first (others are ignored)."""
    found = []
    for part in partitions(lake, table):
        day = partition_date(part)
        if day is not None:
            found.append((day, part))
    return sorted(found)


def day_files(
    lake: Lake,
    table: str,
    start: date | None = None,
    end: date | None = None,
    *,
    suffix: str | tuple[str, ...] = "",
) -> list[LakeObject]:
    """The current data objects of ``table``'s day partitions in ``[start, end]`` (either
    bound open when ``None``) whose names end with ``suffix``."""
    out: list[LakeObject] = []
    for day, part in day_partitions(lake, table):
        if (start is None or day >= start) and (end is None or day <= end):
            found = committed_files(lake, join_key(table, part))
            out.extend(o for o in found if o.name.endswith(suffix))
    return out


def table_files(
    lake: Lake, table: str, parts: Sequence[str] | None = None, *, suffix: str = ""
) -> list[LakeObject]:
    """The current data objects of ``table``'s partitions (default: all of them)."""
    root = check_key(table, prefix=True)
    chosen = partitions(lake, root) if parts is None else parts
    out: list[LakeObject] = []
    for part in chosen:
        out.extend(committed_files(lake, join_key(root, part), suffix=suffix))
    return out


def current_files(lake: Lake, table: str, depth: int = 3, *, suffix: str = "") -> list[LakeObject]:
    """:func:`table_files` of every partition ``depth`` ``key=value`` folders deep (0: the
    objects directly under ``table``), from one listing of the table instead of one per
    partition (a table of many partitions on S3 is one paginated listing)."""
    root = check_key(table, prefix=True)
    by_partition: dict[str, list[LakeObject]] = {}
    for obj in lake.list_objects(root, hidden=True):
        if not root or obj.parent == root:
            rel = "" if root else obj.parent
        elif obj.parent.startswith(f"{root}/"):
            rel = obj.parent[len(root) + 1 :]
        else:
            continue
        segments = rel.split("/") if rel else []
        if len(segments) == depth and all(
            _PARTITION_SEGMENT.match(s) and not s.startswith(("_", ".")) for s in segments
        ):
            by_partition.setdefault(obj.parent, []).append(obj)
    out: list[LakeObject] = []
    for part in sorted(by_partition):
        objects = by_partition[part]
        markers = sorted(m[1] for o in objects if (m := _MARKER.match(o.name)))
        if not markers:
            found = [o for o in objects if not o.name.startswith((".", "_"))]
        else:
            found = [o for o in objects if (d := _DATA.match(o.name)) and d[1] == markers[-1]]
        out.extend(o for o in found if o.name.endswith(suffix))
    return out
