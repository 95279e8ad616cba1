"""The lake seam: one interface for every read, write, list and delete of lake objects.

A *lake backend* (``local.py``: a folder, the embedded default; later ``s3.py``) stores
*objects* under *keys*: relative POSIX paths such as
``raw/year=2020/month=05/day=01/courtside-deliver-....json``. The interface is the one an
object store can honour, so the same callers work on a folder and on S3:

* **No directories.** A "folder" is only a key prefix; it exists while an object is under
  it. There is no rename of a folder and no append to an object.
* **Atomic puts.** :meth:`Lake.put`, :meth:`Lake.put_file` and :meth:`Lake.copy` make an
  object appear whole or not at all; a reader never sees a partial object, and a crash
  mid-put leaves either the old object (or none) or the new one. A put that returns is
  durable.
* **Visibility.** A key with a segment starting with ``.`` or ``_`` is *hidden*: listings
  skip it unless asked (temporaries, commit markers, staging areas live there).
* **Safety.** Every key is validated (:func:`check_key`): no ``..``, no absolute paths,
  no NUL or backslash, no empty segment. Nothing derived from a record can address an
  object outside the lake.
* **Engines** (DuckDB, Spark, Arrow) read objects through :meth:`Lake.engine_url`, which
  is a local path for a folder lake and an ``s3://`` URL for S3.

Replacing a set of objects as a unit (a table partition) is built on these primitives in
:mod:`courtside.lake.tables`, never with renames of folders.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from courtside.errors import LakeError

__all__ = ["Lake", "LakeObject", "check_key", "is_hidden", "join_key"]

_MAX_KEY_CHARS = 1024
_BAD_CHARS = re.compile(r"[\x00-\x1f\\]")


@dataclass(frozen=True, order=True)
class LakeObject:
    """One complete object of the lake.

    Attributes:
        key: Its key (relative POSIX path under the lake root).
        size: Its size in bytes.
        mtime_ms: When it was last written (epoch milliseconds).
    """

    key: str
    size: int
    mtime_ms: int

    @property
    def name(self) -> str:
        """The last segment of the key (the "file name")."""
        return self.key.rsplit("/", 1)[-1]

    @property
    def parent(self) -> str:
        """The key's prefix without its last segment (``""`` at the root)."""
        return self.key.rsplit("/", 1)[0] if "/" in self.key else ""


def check_key(key: str, *, prefix: bool = False) -> str:
    """Return ``key`` if it is a safe object key (or folder prefix with ``prefix``).

    A prefix may be ``""`` (the whole lake) and may end with ``/``; the returned prefix
    never ends with ``/``.

    Raises:
        LakeError: for ``..``, absolute paths, NUL/control characters, backslashes, empty
            segments or keys over 1,024 characters.
    """
    if not isinstance(key, str):
        raise LakeError(f"lake key must be a string, got {type(key).__name__}")
    text = key.rstrip("/") if prefix else key
    if prefix and text == "":
        return ""
    if not text or len(text) > _MAX_KEY_CHARS or _BAD_CHARS.search(text):
        raise LakeError(f"invalid lake key {key[:80]!r}")
    if text.startswith("/"):
        raise LakeError(f"lake key {key[:80]!r} escapes the lake root")
    for segment in text.split("/"):
        if segment in ("", ".", ".."):
            raise LakeError(f"lake key {key[:80]!r} escapes the lake root or has an empty part")
    return text


def join_key(*parts: str) -> str:
    """Join key parts with ``/`` (empty parts skipped) and validate the result."""
    return check_key("/".join(p.strip("/") for p in parts if p and p.strip("/")))


def is_hidden(key: str) -> bool:
    """True when any segment of ``key`` starts with ``.`` or ``_``."""
    return any(seg.startswith((".", "_")) for seg in key.split("/"))


class Lake(ABC):
    """A store of lake objects. See the module docstring for the contract.

    Attributes:
        url: The lake's root as a URL (``file:///...`` or ``s3://bucket/prefix``).
    """

    url: str

    # -- listing -----------------------------------------------------------------------------
    @abstractmethod
    def list_objects(self, prefix: str = "", *, hidden: bool = False) -> list[LakeObject]:
        """Every object under the folder ``prefix`` (recursively), sorted by key.

        Args:
            prefix: A folder prefix (``"raw"``, ``"raw/year=2020"``; ``""`` for all).
            hidden: Include hidden objects and objects under hidden folders.
        """

    @abstractmethod
    def list_folders(self, prefix: str = "") -> list[str]:
        """The visible immediate sub-folders of ``prefix`` (their last segment), sorted.

        A sub-folder exists while at least one object (visible or not) is under it.
        """

    def iter_objects(self, prefix: str = "", *, suffix: str = "") -> Iterator[LakeObject]:
        """Visible objects under ``prefix`` whose name ends with ``suffix``."""
        for obj in self.list_objects(prefix):
            if obj.name.endswith(suffix):
                yield obj

    # -- reading -----------------------------------------------------------------------------
    @abstractmethod
    def open(self, key: str) -> IO[bytes]:
        """Open an object for reading (binary).

        Raises:
            LakeError: when it does not exist or cannot be read.
        """

    def read_bytes(self, key: str) -> bytes:
        """The whole content of an object."""
        with self.open(key) as fh:
            return fh.read()

    @abstractmethod
    def exists(self, key: str) -> bool:
        """True when an object has exactly this key."""

    # -- writing -----------------------------------------------------------------------------
    @abstractmethod
    def put(self, key: str, data: bytes | Iterable[bytes], *, durable: bool = True) -> int:
        """Write an object atomically (replacing any object of the same key).

        Args:
            key: The object's key.
            data: Its bytes, or chunks to concatenate.
            durable: Wait until the object survives a crash (local: fsync). Turn off only
                in benchmarks of other parts.

        Returns:
            The number of bytes written.
        """

    @abstractmethod
    def put_file(self, key: str, path: Path, *, move: bool = False) -> int:
        """Publish a local file as an object, atomically.

        Args:
            key: The object's key.
            path: A complete local file (e.g. written by an engine into a staging folder).
            move: The local file may be consumed (a folder lake renames it into place
                when it is on the same file system instead of copying it).

        Returns:
            The object's size in bytes.
        """

    @abstractmethod
    def copy(self, src: str, dst: str) -> None:
        """Copy an object to another key, atomically at the destination (server-side on
        an object store)."""

    def move(self, src: str, dst: str) -> bool:
        """Make the object ``src`` appear whole at ``dst`` and remove ``src``.

        Not atomic as a pair (an object store copies, then deletes): a crash in between
        leaves both, so callers move from a hidden staging key and repeat the move after a
        restart. Returns False when ``src`` no longer exists (already moved).
        """
        if not self.exists(src):
            return False
        self.copy(src, dst)
        self.delete([src])
        return True

    @abstractmethod
    def delete(self, keys: Iterable[str]) -> int:
        """Delete objects (missing ones are ignored); return how many existed."""

    def remove_leftovers(
        self, prefix: str, owned: Callable[[str], object], *, stale_s: float = 3600.0
    ) -> int:
        """Delete what interrupted puts left under ``prefix``: temporaries of objects
        whose name ``owned`` accepts, written by a process that is gone (or untouched for
        ``stale_s``). Returns how many were deleted. An object store leaves nothing (a put
        that did not complete is not stored), so the default deletes nothing."""
        return 0

    # -- engines -----------------------------------------------------------------------------
    @abstractmethod
    def engine_url(self, key: str = "") -> str:
        """Where an engine (DuckDB, Spark, Arrow) reads ``key`` or the folder ``key``:
        an absolute local path for a folder lake, ``s3://bucket/...`` on S3."""

    @abstractmethod
    def arrow_filesystem(self) -> tuple[Any, str]:
        """``(pyarrow.fs.FileSystem, base path)`` for reading with Arrow datasets; join
        keys to the base path with ``/``."""

    def register_duckdb(self, con: Any) -> None:  # noqa: B027 - a folder needs nothing
        """Let the DuckDB connection ``con`` read and write :meth:`engine_url` locations
        (S3: through Arrow's S3 client, as DuckDB's own extension cannot be downloaded)."""

    def check(self) -> None:  # noqa: B027 - a folder is created on the first write
        """Fail now, with what to do, when the lake cannot be used (a missing bucket, an
        unreachable endpoint, no credentials): a stage calls it at start-up, before it
        reads or writes anything.

        Raises:
            LakeError: naming the location and the deploy step.
        """

    @property
    def is_local(self) -> bool:
        """True when objects are files on this machine (engines may read them directly)."""
        return False

    def describe(self) -> str:
        """The lake's location for messages (never holds credentials)."""
        return self.url

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release clients and connections."""
