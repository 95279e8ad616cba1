"""The data lake: one seam (:class:`Lake`) for every backend, the layout, and tables whose
partitions are replaced as a unit (:mod:`courtside.lake.tables`).

A new backend is one module implementing :class:`~courtside.lake.base.Lake` plus one case
in :func:`open_lake` and one fixture in ``tests/lake/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from courtside.errors import LakeError
from courtside.lake.base import Lake, LakeObject, check_key, is_hidden, join_key
from courtside.lake.layout import ZONES, date_partition, object_name, safe_value

if TYPE_CHECKING:
    from courtside.aws.config import AwsSettings

__all__ = [
    "ZONES",
    "Lake",
    "LakeObject",
    "check_key",
    "date_partition",
    "is_hidden",
    "join_key",
    "lake_scheme",
    "object_name",
    "open_lake",
    "safe_value",
]

SCHEMES = ("file", "s3")


def lake_scheme(location: str | Path) -> str:
    """The scheme of a lake location: ``file`` for a path or ``file://`` URL, ``s3``.

    Raises:
        LakeError: for a location no backend serves (naming the supported ones).
    """
    text = str(location)
    scheme = text.split("://", 1)[0].lower() if "://" in text else "file"
    if scheme not in SCHEMES:
        raise LakeError(
            f"lake location {text[:200]!r}: scheme {scheme!r} is not supported "
            f"(use a local folder or s3://bucket/prefix)"
        )
    return scheme


def open_lake(location: str | Path, aws: AwsSettings | None = None) -> Lake:
    """The lake backend for ``location``: a folder path or ``file://`` URL, or
    ``s3://bucket/prefix`` (connected with ``aws``).

    Raises:
        LakeError: when no backend serves the location.
    """
    text = str(location)
    if lake_scheme(text) == "s3":
        from courtside.lake.s3 import S3Lake

        return S3Lake(text, aws)
    from courtside.lake.local import LocalLake

    return LocalLake(text[len("file://") :] if text.startswith("file://") else text)
