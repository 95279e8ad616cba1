"""The lake in a local folder (the embedded default).

Objects are files under the root folder. A put writes a hidden temporary file next to the
target (``.<name>.<pid>.tmp``), fsyncs it, renames it over the target and fsyncs the
folder, so a reader sees the old object or the new one and a crash leaves no partial
object visible; :meth:`LocalLake.remove_leftovers` deletes the temporaries of a killed
writer (its process id is in the name).
Folders are created on demand and removed when their last object is deleted (below the
zone level), so "a folder exists while an object is under it" holds as on S3.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from courtside._process import pid_alive
from courtside.errors import LakeError
from courtside.lake.base import Lake, LakeObject, check_key, is_hidden
from courtside.lake.layout import fsync_dir, write_atomic

__all__ = ["LocalLake", "fsync_dir"]

#: ``.<name>.<pid>.tmp`` (older writers left ``.<name>.tmp``, without the process id).
_TEMPORARY = re.compile(r"^\.(?P<name>.+?)(?:\.(?P<pid>\d{1,10}))?\.tmp$")


class LocalLake(Lake):
    """A lake stored in the folder ``root`` (created on the first write)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().resolve()
        self.url = self.root.as_uri()

    # -- paths -------------------------------------------------------------------------------
    def path(self, key: str, *, prefix: bool = False) -> Path:
        """The local path of ``key`` (checked to stay under the root)."""
        text = check_key(key, prefix=prefix)
        target = self.root / text if text else self.root
        if target != self.root and self.root not in target.resolve().parents:
            raise LakeError(f"lake key {key[:80]!r} escapes the lake root")
        return target

    def _object(self, path: Path, stat: os.stat_result) -> LakeObject:
        return LakeObject(
            path.relative_to(self.root).as_posix(), stat.st_size, stat.st_mtime_ns // 1_000_000
        )

    # -- listing -----------------------------------------------------------------------------
    def list_objects(self, prefix: str = "", *, hidden: bool = False) -> list[LakeObject]:
        top = self.path(prefix, prefix=True)
        out: list[LakeObject] = []
        if not top.is_dir():
            return out
        if not hidden and top != self.root and is_hidden(top.relative_to(self.root).as_posix()):
            return out
        for dirpath, dirnames, filenames in os.walk(top):
            if not hidden:
                dirnames[:] = [d for d in dirnames if not d.startswith((".", "_"))]
            for name in filenames:
                if not hidden and name.startswith((".", "_")):
                    continue
                path = Path(dirpath) / name
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue  # deleted while listing
                out.append(self._object(path, stat))
        out.sort()
        return out

    def list_folders(self, prefix: str = "") -> list[str]:
        top = self.path(prefix, prefix=True)
        try:
            entries = list(os.scandir(top))
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(e.name for e in entries if e.is_dir() and not e.name.startswith((".", "_")))

    # -- reading -----------------------------------------------------------------------------
    def open(self, key: str) -> IO[bytes]:
        path = self.path(key)
        try:
            return open(path, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError:
            raise LakeError(f"lake object {key[:200]!r} does not exist") from None
        except OSError as exc:
            raise LakeError(f"cannot read lake object {key[:200]!r}: {exc.strerror}") from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    # -- writing -----------------------------------------------------------------------------
    def _tmp(self, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        return target.with_name(f".{target.name}.{os.getpid()}.tmp")

    def _publish(self, tmp: Path, target: Path, durable: bool) -> None:
        os.replace(tmp, target)
        if durable:
            fsync_dir(target.parent)

    def put(self, key: str, data: bytes | Iterable[bytes], *, durable: bool = True) -> int:
        return write_atomic(self.path(key), data, durable=durable)

    def put_file(self, key: str, path: Path, *, move: bool = False) -> int:
        target = self.path(key)
        size = path.stat().st_size
        if move:
            try:
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
                target.parent.mkdir(parents=True, exist_ok=True)
                self._publish(path, target, True)
                return size
            except OSError:
                pass  # another file system: copy below
        tmp = self._tmp(target)
        try:
            with open(path, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 22)
                dst.flush()
                os.fsync(dst.fileno())
            self._publish(tmp, target, True)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if move:
            path.unlink(missing_ok=True)
        return size

    def copy(self, src: str, dst: str) -> None:
        source = self.path(src)
        if not source.is_file():
            raise LakeError(f"lake object {src[:200]!r} does not exist")
        self.put_file(dst, source)

    def move(self, src: str, dst: str) -> bool:
        source, target = self.path(src), self.path(dst)
        if not source.is_file():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        self._publish(source, target, True)  # a rename on one file system: atomic
        self._prune(source.parent)
        return True

    def delete(self, keys: Iterable[str]) -> int:
        deleted = 0
        parents: set[Path] = set()
        for key in keys:
            path = self.path(key)
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            deleted += 1
            parents.add(path.parent)
        for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):
            self._prune(parent)
        return deleted

    def remove_leftovers(
        self, prefix: str, owned: Callable[[str], object], *, stale_s: float = 3600.0
    ) -> int:
        removed = 0
        now, me = time.time(), os.getpid()
        for obj in self.list_objects(prefix, hidden=True):
            match = _TEMPORARY.match(obj.name)
            if match is None or not owned(match["name"]):
                continue
            pid = match["pid"]
            gone = pid is not None and int(pid) != me and not pid_alive(int(pid))
            if gone or now - obj.mtime_ms / 1000 >= stale_s:
                removed += self.delete([obj.key])
        return removed

    def _prune(self, folder: Path) -> None:
        """Remove empty folders upwards, keeping the root and the zone folders."""
        while folder != self.root and folder.parent != self.root:
            try:
                folder.rmdir()
            except OSError:
                return  # not empty (or already gone)
            folder = folder.parent

    # -- engines -----------------------------------------------------------------------------
    def engine_url(self, key: str = "") -> str:
        return str(self.path(key, prefix=True))

    def arrow_filesystem(self) -> tuple[Any, str]:
        from pyarrow import fs

        return fs.LocalFileSystem(), str(self.root)

    @property
    def is_local(self) -> bool:
        return True

    def describe(self) -> str:
        return str(self.root)
