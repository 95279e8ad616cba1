"""The lake on Amazon S3 (or any S3-compatible store), at ``s3://bucket/prefix``.

Objects map one to one to S3 objects under the prefix. S3 gives the contract directly: a
``PutObject`` (or a completed multipart upload, or a ``CopyObject``) makes the whole object
visible at once and is durable when it returns, so there are no temporaries to clean up.
Folders are S3's common prefixes. Engines read through ``s3://`` URLs (Spark, DuckDB via
Arrow) or :meth:`S3Lake.arrow_filesystem` (Arrow datasets), configured from ``[aws]``.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from courtside.aws import AwsSettings, aws_error, client, credentials, error_code
from courtside.errors import LakeError
from courtside.lake.base import Lake, LakeObject, check_key, is_hidden

__all__ = ["S3Lake", "parse_s3_url"]

_DELETE_BATCH = 1000
_BUCKET_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789.-")


def parse_s3_url(url: str) -> tuple[str, str]:
    """``(bucket, prefix)`` of ``s3://bucket/prefix`` (prefix without slashes at the ends).

    Raises:
        LakeError: when the URL is not a valid S3 location.
    """
    parts = urlsplit(url)
    bucket = parts.netloc
    if (
        parts.scheme != "s3"
        or not 3 <= len(bucket) <= 63
        or not set(bucket) <= _BUCKET_CHARS
        or parts.query
        or parts.fragment
    ):
        raise LakeError(f"invalid S3 lake location {url[:200]!r} (use s3://bucket/prefix)")
    prefix = parts.path.strip("/")
    return bucket, check_key(prefix, prefix=True) if prefix else ""


class S3Lake(Lake):
    """A lake under ``s3://bucket/prefix``.

    Args:
        url: The lake's location.
        aws: Where and how to connect (region, endpoint, profile).
    """

    def __init__(self, url: str, aws: AwsSettings | None = None) -> None:
        self.bucket, self.base = parse_s3_url(url)
        self.aws = aws or AwsSettings()
        self.url = f"s3://{self.bucket}/{self.base}".rstrip("/")
        self._client: Any = None

    @property
    def s3(self) -> Any:
        """The boto3 S3 client (created on first use)."""
        if self._client is None:
            self._client = client("s3", self.aws)
        return self._client

    def _key(self, key: str, *, prefix: bool = False) -> str:
        text = check_key(key, prefix=prefix)
        joined = f"{self.base}/{text}" if self.base and text else (self.base or text)
        return joined

    def _rel(self, s3_key: str) -> str:
        return s3_key[len(self.base) + 1 :] if self.base else s3_key

    def _fail(self, exc: BaseException, what: str) -> LakeError:
        err = aws_error(exc, what, hint="create the bucket, e.g. with deploy/cloudformation")
        if error_code(exc) in ("NoSuchBucket",):
            return LakeError(f"S3 bucket {self.bucket!r} does not exist ({err})")
        wrapped = LakeError(str(err))
        wrapped.transient = err.transient
        return wrapped

    def check(self) -> None:
        try:
            self.s3.head_bucket(Bucket=self.bucket)
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) in ("404", "NoSuchBucket", "NotFound"):
                raise LakeError(
                    f"S3 bucket {self.bucket!r} of the lake {self.url} does not exist (deploy "
                    "deploy/cloudformation/courtside.yaml, or `courtside aws deploy`)"
                ) from None
            raise self._fail(exc, f"the lake {self.url}") from None

    # -- listing -----------------------------------------------------------------------------
    def _pages(self, prefix: str, delimiter: str = "") -> Iterator[dict[str, Any]]:
        root = self._key(prefix, prefix=True)
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": f"{root}/" if root else ""}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        try:
            yield from self.s3.get_paginator("list_objects_v2").paginate(**kwargs)
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self._fail(exc, f"listing {self.url}/{prefix}") from None

    def list_objects(self, prefix: str = "", *, hidden: bool = False) -> list[LakeObject]:
        out: list[LakeObject] = []
        for page in self._pages(prefix):
            for item in page.get("Contents", ()):
                rel = self._rel(item["Key"])
                if not rel or rel.endswith("/") or (not hidden and is_hidden(rel)):
                    continue
                mtime_ms = int(item["LastModified"].timestamp() * 1000)
                out.append(LakeObject(rel, int(item["Size"]), mtime_ms))
        out.sort()
        return out

    def list_folders(self, prefix: str = "") -> list[str]:
        names: list[str] = []
        for page in self._pages(prefix, "/"):
            for common in page.get("CommonPrefixes", ()):
                name = common["Prefix"].rstrip("/").rsplit("/", 1)[-1]
                if name and not name.startswith((".", "_")):
                    names.append(name)
        return sorted(names)

    # -- reading -----------------------------------------------------------------------------
    def open(self, key: str) -> IO[bytes]:
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            return io.BytesIO(body.read())
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) in ("NoSuchKey", "404"):
                raise LakeError(f"lake object {key[:200]!r} does not exist") from None
            raise self._fail(exc, f"reading {self.url}/{key[:200]}") from None

    def exists(self, key: str) -> bool:
        try:
            self.s3.head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._fail(exc, f"reading {self.url}/{key[:200]}") from None
        return True

    # -- writing -----------------------------------------------------------------------------
    def put(self, key: str, data: bytes | Iterable[bytes], *, durable: bool = True) -> int:
        target = self._key(key)
        body = bytes(data) if isinstance(data, bytes | bytearray | memoryview) else b"".join(data)
        try:
            self.s3.put_object(Bucket=self.bucket, Key=target, Body=body)
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self._fail(exc, f"writing {self.url}/{key[:200]}") from None
        return len(body)

    def put_file(self, key: str, path: Path, *, move: bool = False) -> int:
        target = self._key(key)
        size = path.stat().st_size
        try:
            # Multipart above 8 MiB: the object appears only when the upload completes.
            self.s3.upload_file(str(path), self.bucket, target)
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self._fail(exc, f"writing {self.url}/{key[:200]}") from None
        if move:
            path.unlink(missing_ok=True)
        return size

    def copy(self, src: str, dst: str) -> None:
        source = {"Bucket": self.bucket, "Key": self._key(src)}
        try:
            self.s3.copy(source, self.bucket, self._key(dst))
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                raise LakeError(f"lake object {src[:200]!r} does not exist") from None
            raise self._fail(exc, f"copying {self.url}/{src[:200]}") from None

    def delete(self, keys: Iterable[str]) -> int:
        wanted = [self._key(k) for k in keys]
        if not wanted:
            return 0
        # S3 deletes say nothing about existence: count what a listing of each folder shows.
        by_parent: dict[str, set[str]] = defaultdict(set)
        for key in wanted:
            by_parent[key.rsplit("/", 1)[0] if "/" in key else ""].add(key)
        present: list[str] = []
        for parent, names in by_parent.items():
            rel_parent = self._rel(parent) if parent != self.base else ""
            for obj in self.list_objects(rel_parent, hidden=True):
                full = self._key(obj.key)
                if full in names:
                    present.append(full)
        for start in range(0, len(present), _DELETE_BATCH):
            batch = [{"Key": k} for k in present[start : start + _DELETE_BATCH]]
            try:
                self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
            except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
                raise self._fail(exc, f"deleting from {self.url}") from None
        return len(present)

    # -- engines -----------------------------------------------------------------------------
    def engine_url(self, key: str = "") -> str:
        text = self._key(key, prefix=True)
        return f"s3://{self.bucket}/{text}" if text else f"s3://{self.bucket}"

    def arrow_filesystem(self) -> tuple[Any, str]:
        from pyarrow import fs

        kwargs: dict[str, Any] = {"region": self.s3.meta.region_name}
        creds = credentials(self.aws)
        if creds is not None:
            kwargs.update(
                access_key=creds.access_key,
                secret_key=creds.secret_key,
                session_token=creds.token,
            )
        if self.aws.endpoint_url:
            endpoint = urlsplit(self.aws.endpoint_url)
            kwargs.update(endpoint_override=endpoint.netloc, scheme=endpoint.scheme)
        base = f"{self.bucket}/{self.base}".rstrip("/")
        return fs.S3FileSystem(**kwargs), base

    def register_duckdb(self, con: Any) -> None:
        from fsspec.implementations.arrow import ArrowFSWrapper

        class _S3(ArrowFSWrapper):
            protocol = "s3"

        filesystem, _ = self.arrow_filesystem()
        con.register_filesystem(_S3(filesystem))

    def describe(self) -> str:
        return self.url

    def close(self) -> None:
        self._client = None
