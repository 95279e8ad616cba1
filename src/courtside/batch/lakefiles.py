"""Lake objects of the batch jobs, through the lake seam only: raw files, output
partitions, quarantine, and the local folder an engine reads and writes (the workspace).

Engines (DuckDB, Spark) read and write local files. Where those files are is decided in
one place, :func:`open_workspace`, by :attr:`courtside.lake.base.Lake.is_local`:

* a **folder lake** is read in place (no copy): an input's local path is its
  :meth:`~courtside.lake.base.Lake.engine_url`, and the engine writes under the hidden
  ``.courtside-staging/<run>/`` prefix of the lake, on the lake's own file system, so
  publishing a written file is a rename (and the folder is shared with a cluster's
  executors exactly like the lake itself);
* any **other lake** (S3) has the run's inputs downloaded into the run's scratch folder
  ``<state>/dedupe-scratch/<run>/`` (same keys below ``lake/``), and the engine writes
  under that folder too.

Either way the engine code is the same, and the output is published with
:func:`courtside.lake.tables.publish` (data objects, a commit marker, then deletion of
the old objects), never with renames of folders. The workspace is always removed.

Of a Parquet table, a run on a non-local lake fetches the id column only of the
partitions it does not rewrite (all the plan reads of them), so an incremental run
downloads its new raw objects and the partitions it rewrites, not the whole table. With
a Spark cluster whose executors run on other machines, the scratch folder (the state
folder) must be storage they share, as the folder of a folder lake must be.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from abc import ABC, abstractmethod
from collections.abc import Container, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from courtside.errors import LakeError
from courtside.lake.base import Lake, LakeObject, check_key, join_key
from courtside.lake.tables import committed_files, partitions

__all__ = [
    "QUARANTINE",
    "STAGING",
    "RawFile",
    "Workspace",
    "list_raw",
    "open_workspace",
    "output_partitions",
    "quarantine",
    "staged_partitions",
]

log = logging.getLogger(__name__)
#: The hidden prefix of a folder lake under which engines write (one folder per run).
STAGING = ".courtside-staging"
#: The state sub-folder holding the local copies of a non-local lake's inputs, per run.
SCRATCH = "dedupe-scratch"
QUARANTINE = "quarantine"
_PART = re.compile(r"^year=\d{4}/month=(0[1-9]|1[0-2])/day=(0[1-9]|[12]\d|3[01])$")
_DOWNLOAD_THREADS = 8


@dataclass(frozen=True, order=True)
class RawFile:
    """A complete raw object.

    Attributes:
        relative: Its key (relative to the lake), e.g. ``raw/year=2020/.../x.json``.
        partition: Its partition, ``year=YYYY/month=MM/day=DD``.
        size: Its size in bytes.
        path: Where the engines read it (the object itself on a folder lake, its copy in
            the run's scratch folder otherwise).
    """

    relative: str
    partition: str
    size: int
    path: Path

    @property
    def name(self) -> str:
        """The object's name (sorts by delivery time)."""
        return self.relative.rsplit("/", 1)[-1]


def _is_partition(part: str) -> bool:
    return bool(_PART.match(part))


class Workspace(ABC):
    """The local files of one run: where engines read the run's inputs (:meth:`path`,
    after :meth:`fetch`) and where they write (:attr:`staging`, :attr:`rows`).

    Attributes:
        lake: The lake.
        root: The run's local folder (removed by :meth:`remove`).
    """

    def __init__(self, lake: Lake, root: Path) -> None:
        self.lake = lake
        self.root = root

    @property
    def staging(self) -> Path:
        """The folder the engine writes the new partitions into."""
        return self.root / "out"

    @property
    def rows(self) -> Path:
        """The folder of the readable rows of split raw files."""
        return self.root / "rows"

    @abstractmethod
    def path(self, key: str) -> Path:
        """The local path where an engine reads the object ``key``."""

    @abstractmethod
    def fetch(self, keys: Sequence[str], *, columns: Sequence[str] | None = None) -> list[str]:
        """Make the objects ``keys`` readable at :meth:`path`; return those found deleted
        since the listing (in place: none, the engine notices them).

        Args:
            keys: The objects.
            columns: Only these columns are needed (Parquet objects of a lake that is
                not local are then fetched as a file of those columns only).
        """

    @abstractmethod
    def clean_leftovers(self) -> None:
        """Remove what runs that crashed left in their workspaces (call under the lock)."""

    def create(self) -> Workspace:
        """Create the run's folder (fresh); return ``self``."""
        self.root.mkdir(parents=True, exist_ok=False)
        self.staging.mkdir()
        return self

    def remove(self) -> None:
        """Delete the run's folder, and its parent when it is left empty."""
        shutil.rmtree(self.root, ignore_errors=True)
        try:
            self.root.parent.rmdir()
        except OSError:
            pass


class _InPlace(Workspace):
    """A folder lake: objects are read where they are; engines write under the lake's
    hidden staging prefix (same file system: publishing is a rename)."""

    def __init__(self, lake: Lake, run_id: str) -> None:
        super().__init__(lake, Path(lake.engine_url(join_key(STAGING, run_id))))

    def path(self, key: str) -> Path:
        return Path(self.lake.engine_url(key))

    def fetch(self, keys: Sequence[str], *, columns: Sequence[str] | None = None) -> list[str]:
        return []  # already there; an engine notices an object deleted meanwhile

    def clean_leftovers(self) -> None:
        shutil.rmtree(self.lake.engine_url(STAGING), ignore_errors=True)


class _Downloaded(Workspace):
    """A lake that is not on this machine: inputs are downloaded below ``<root>/lake/``
    under their keys (so partition values are read from the paths as on a folder lake)."""

    def __init__(self, lake: Lake, state_dir: Path, run_id: str) -> None:
        super().__init__(lake, state_dir / SCRATCH / run_id)
        self.scratch = state_dir / SCRATCH

    def path(self, key: str) -> Path:
        return self.root / "lake" / check_key(key)  # a checked key has no ``..``

    def _download(
        self, key: str, columns: Sequence[str] | None, arrow: tuple[Any, str]
    ) -> str | None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        filesystem, base = arrow
        try:
            if columns is not None and key.endswith(".parquet"):
                _read_columns(arrow, key, columns, tmp)
            else:  # streamed: an object is never held in memory whole
                with filesystem.open_input_stream(f"{base}/{key}") as src, open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 22)
        except (LakeError, OSError):
            tmp.unlink(missing_ok=True)
            if not self.lake.exists(key):
                return key  # deleted since the listing
            raise
        os.replace(tmp, target)
        return None

    def fetch(self, keys: Sequence[str], *, columns: Sequence[str] | None = None) -> list[str]:
        if not keys:
            return []
        arrow = self.lake.arrow_filesystem()
        with ThreadPoolExecutor(min(_DOWNLOAD_THREADS, len(keys))) as pool:
            done = pool.map(lambda key: self._download(key, columns, arrow), keys)
            return [key for key in done if key is not None]

    def clean_leftovers(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


def _read_columns(arrow: tuple[Any, str], key: str, columns: Sequence[str], out: Path) -> None:
    """Write the ``columns`` of the Parquet object ``key`` to the local file ``out``,
    reading only their column chunks (through Arrow's file system of the lake)."""
    import pyarrow.parquet as pq

    filesystem, base = arrow
    with filesystem.open_input_file(f"{base}/{key}") as src:
        table = pq.ParquetFile(src).read(columns=list(columns))
    pq.write_table(table, out)


def open_workspace(lake: Lake, state_dir: Path, run_id: str) -> Workspace:
    """The workspace of the run ``run_id`` (not created yet): in place on a folder lake,
    downloaded copies under ``state_dir`` otherwise. The only place that tells the two
    apart.

    Raises:
        LakeError: when the lake cannot be used (a folder lake that does not exist, a
            missing bucket...).
    """
    lake.check()
    if lake.is_local:
        if not Path(lake.engine_url()).is_dir():
            raise LakeError(f"the lake {lake.describe()} does not exist (run courtside init)")
        return _InPlace(lake, run_id)
    return _Downloaded(lake, state_dir, run_id)


def list_raw(
    lake: Lake, workspace: Workspace, *, done: Container[str] = (), zone: str = "raw"
) -> tuple[list[RawFile], list[str]]:
    """Complete ``*.json`` objects under ``<zone>/year=/month=/day=/`` whose keys are not
    in ``done`` (the bookmark), oldest name first; hidden and ``_`` names are skipped.

    Returns:
        ``(files, misplaced)``: misplaced objects (keys) are outside a valid date
        partition or have a key the lake refuses, so they are never read (a key cannot
        name a partition of its own).
    """
    files: list[RawFile] = []
    misplaced: list[str] = []
    root = check_key(zone, prefix=True)
    for obj in lake.iter_objects(root, suffix=".json"):
        rel_dir = obj.parent[len(root) + 1 :]
        try:
            if not _is_partition(rel_dir):
                raise LakeError("outside a date partition")
            check_key(obj.key)
        except LakeError:
            misplaced.append(obj.key)
            continue
        if obj.key not in done:
            files.append(RawFile(obj.key, rel_dir, obj.size, workspace.path(obj.key)))
    files.sort(key=lambda f: (f.name, f.relative))
    return files, misplaced


def output_partitions(lake: Lake, table: str) -> dict[str, list[LakeObject]]:
    """The current data objects of every ``year=YYYY/month=MM/day=DD`` partition of an
    output table (committed ones; every visible object of a partition without a commit
    marker), by partition, sorted."""
    return {
        part: committed_files(lake, join_key(table, part))
        for part in partitions(lake, table)
        if _is_partition(part)
    }


def staged_partitions(staging: Path, suffix: str) -> dict[str, list[Path]]:
    """The partitions an engine wrote under the local folder ``staging``: their data files
    (names ending with ``suffix``; hidden and ``_`` names skipped), sorted."""
    found: dict[str, list[Path]] = {}
    for folder in sorted(staging.glob("year=*/month=*/day=*")):
        part = folder.relative_to(staging).as_posix()
        if not folder.is_dir() or not _is_partition(part):
            continue
        found[part] = sorted(
            p
            for p in folder.iterdir()
            if p.is_file() and p.name.endswith(suffix) and not p.name.startswith((".", "_"))
        )
    return found


def quarantine(lake: Lake, raw: RawFile, reason: str) -> str | None:
    """Move a bad raw object to ``quarantine/<its key>``, with the reason next to it
    (``<name>.reason.txt``, written first). Repeatable after a crash.

    Returns:
        Its new key, or None when the raw object no longer exists.
    """
    target = join_key(QUARANTINE, raw.relative)
    if not lake.exists(raw.relative):
        return None
    lake.put(f"{target}.reason.txt", (reason + "\n").encode("utf-8"))
    if not lake.move(raw.relative, target):
        lake.delete([f"{target}.reason.txt"])
        return None
    return target
