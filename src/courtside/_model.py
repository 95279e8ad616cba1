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
"""URL schemes a location setting may use. None yet: every location is a local path.
S3 support adds ``"s3"`` here and handles such locations where they are opened."""


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


class Section(BaseModel):
    """A frozen configuration section that rejects unknown keys and non-finite numbers
    (``inf``, ``nan``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
