"""Shared base and types for configuration sections."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

# "s3://b/p"; also "s3:/b/p", what Path("s3://b/p") makes of it. One-letter schemes
# are left alone (Windows drive letters).
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/")

SUPPORTED_SCHEMES: frozenset[str] = frozenset()
"""URL schemes a local path setting (home, files) may use: none, they are local paths.
The lake's location has its own type, :data:`LakeLocation` (a folder or ``s3://``)."""


def check_location(value: Any) -> Any:
    """Refuse a location the code cannot serve (a URL with an unsupported scheme).

    The one place where locations (home, lake root, files) are checked: without it an
    ``s3://bucket/lake`` would silently become the local folder ``./s3:/bucket/lake``.

    Raises:
        ValueError: naming the scheme.
    """
    if isinstance(value, str | Path):
        match = _SCHEME.match(str(value).strip())
        if match and match.group(1).lower() not in SUPPORTED_SCHEMES:
            raise ValueError(
                f"{match.group(1).lower()}:// locations are not supported yet; "
                "give a local folder or file path"
            )
    return value


LocalPath = Annotated[Path, BeforeValidator(check_location)]
"""A local filesystem path; URLs (``s3://...``) are refused by :func:`check_location`."""


def check_lake_location(value: Any) -> Any:
    """A lake location: a local folder or ``file://`` URL (kept as a path) or
    ``s3://bucket/prefix`` (kept as a URL, also when it arrived as a ``Path`` that
    collapsed ``//`` to ``/``).

    Raises:
        ValueError: for another scheme or an invalid S3 URL.
    """
    if not isinstance(value, str | Path):
        return value
    text = str(value).strip()
    match = _SCHEME.match(text)
    if match is None:
        return Path(text)
    scheme = match.group(1).lower()
    if scheme == "file":
        from urllib.parse import unquote, urlsplit

        return Path(unquote(urlsplit(text).path))
    if scheme != "s3":
        raise ValueError(
            f"{scheme}:// lake locations are not supported; give a local folder or "
            "s3://bucket/prefix"
        )
    from courtside.errors import LakeError
    from courtside.lake.s3 import parse_s3_url

    url = "s3://" + text[match.end() :].lstrip("/")
    try:
        bucket, prefix = parse_s3_url(url)
    except LakeError as exc:
        raise ValueError(str(exc)) from None
    return f"s3://{bucket}/{prefix}".rstrip("/")


LakeLocation = Annotated[Path | str, BeforeValidator(check_lake_location)]
"""The lake's location: a local folder (a ``Path``) or an ``s3://bucket/prefix`` URL."""


class Section(BaseModel):
    """A frozen configuration section that rejects unknown keys and non-finite numbers
    (``inf``, ``nan``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
