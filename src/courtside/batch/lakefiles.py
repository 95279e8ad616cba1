"""Files of the batch jobs: listing raw files, quarantine, staging and partition swaps.

Output partitions are replaced atomically. A job writes its partitions under a hidden
staging folder at the lake root (outside every table's location, so no reader or glob
sees it), then swaps each staged partition with the live one: on Linux with one
``renameat2(RENAME_EXCHANGE)``, so a reader sees either the old or the new partition and
never a mix; elsewhere with two renames, so a reader may briefly see the partition
missing but never half of it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from courtside.lake.layout import fsync_dir, within

__all__ = [
    "RawFile",
    "list_raw",
    "output_partitions",
    "partition_files",
    "quarantine",
    "staging_dir",
    "swap_partition",
]

log = logging.getLogger(__name__)
STAGING = ".courtside-staging"
QUARANTINE = "quarantine"
_PART = re.compile(r"^year=\d{4}/month=(0[1-9]|1[0-2])/day=(0[1-9]|[12]\d|3[01])$")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@dataclass(frozen=True, order=True)
class RawFile:
    """A complete raw file: its path relative to the lake, its partition and size."""

    relative: str
    partition: str
    size: int
    path: Path

    @property
    def name(self) -> str:
        """The file name (sorts by delivery time)."""
        return self.path.name


def list_raw(lake: Path, zone: str = "raw") -> tuple[list[RawFile], list[Path]]:
    """Complete ``*.json`` files under ``<lake>/<zone>/year=/month=/day=/``, oldest
    name first; hidden and ``_`` names are skipped.

    Returns:
        ``(files, misplaced)``: misplaced files are outside a valid date partition.
    """
    root = lake / zone
    files: list[RawFile] = []
    misplaced: list[Path] = []
    if not root.is_dir():
        return files, misplaced
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith((".", "_"))]
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for name in filenames:
            if name.startswith((".", "_")) or not name.endswith(".json"):
                continue
            path = Path(dirpath) / name
            if not _PART.match(rel_dir):
                misplaced.append(path)
                continue
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                continue
            files.append(RawFile(f"{zone}/{rel_dir}/{name}", rel_dir, size, path))
    files.sort(key=lambda f: (f.name, f.relative))
    return files, misplaced


def output_partitions(table_dir: Path) -> list[str]:
    """Live partitions (``year=YYYY/month=MM/day=DD``) of an output table."""
    if not table_dir.is_dir():
        return []
    found = []
    for path in table_dir.glob("year=*/month=*/day=*"):
        rel = path.relative_to(table_dir).as_posix()
        if path.is_dir() and _PART.match(rel):
            found.append(rel)
    return sorted(found)


def partition_files(table_dir: Path, partition: str, suffix: str) -> list[Path]:
    """Visible data files of one output partition."""
    directory = table_dir / partition
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.name.endswith(suffix) and not p.name.startswith((".", "_"))
    )


def staging_dir(lake: Path, run_id: str) -> Path:
    """A fresh staging folder for one run, ``<lake>/.courtside-staging/<run_id>``."""
    path = lake / STAGING / run_id
    path.mkdir(parents=True, exist_ok=False)
    return path


def clean_staging(lake: Path) -> int:
    """Remove staging folders left by crashed runs (call under the job lock)."""
    root = lake / STAGING
    removed = 0
    if root.is_dir():
        for child in root.iterdir():
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
    return removed


def quarantine(lake: Path, raw: RawFile, reason: str) -> Path:
    """Move a bad raw file to ``<lake>/quarantine/<its relative path>`` and write the
    reason next to it (``<name>.reason.txt``).

    Returns:
        Where the file now is.
    """
    target = within(lake, f"{QUARANTINE}/{raw.relative}")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(raw.path, target)
    (target.parent / f"{target.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
    fsync_dir(target.parent)
    fsync_dir(raw.path.parent)
    return target


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with ``renameat2``; False when not supported."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return False
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, f"cannot swap {a} and {b}: {os.strerror(err)}")


def swap_partition(staged: Path, live: Path) -> None:
    """Make ``staged`` the live partition ``live``, atomically; the old content is
    deleted. Both must be on the same file system."""
    live.parent.mkdir(parents=True, exist_ok=True)
    if live.exists():
        if _exchange(staged, live):
            fsync_dir(live.parent)
            shutil.rmtree(staged)  # now holds the old partition
            return
        trash = staged.with_name(staged.name + ".old")
        os.replace(live, trash)
        os.replace(staged, live)
        fsync_dir(live.parent)
        shutil.rmtree(trash)
        return
    os.replace(staged, live)
    fsync_dir(live.parent)
