"""Where things live: the small value that low-level modules take instead of ``Settings``.

A stage needs to know *where* the lake, the streams and its state are, and its own config
section; it never needs the whole configuration. :class:`Places` carries the locations
only, so modules below the CLI depend on this value and on their own section, and nothing
imports :mod:`courtside.config` except the CLI and the top-level orchestration.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from courtside.aws.config import AwsSettings
    from courtside.lake.base import Lake

__all__ = ["Places"]


@lru_cache(maxsize=16)
def _open_lake(url: str, aws: AwsSettings | None) -> Lake:
    from courtside.lake import open_lake

    return open_lake(url, aws)


@dataclass(frozen=True)
class Places:
    """The locations of one courtside installation.

    Attributes:
        home: The home folder (configuration, logs).
        lake_url: The lake's location: a local folder (absolute path or ``file://`` URL) or
            an object-store URL such as ``s3://bucket/prefix``.
        state_dir: Local folder for checkpoints, bookmarks, run records and local tables.
        stream_url: The stream store's location (today the local log's SQLite file).
        aws: How to reach AWS when a location is on AWS (region, endpoint, profile).
        catalog: Where the catalog is: ``local`` (``<state_dir>/catalog.db``) or ``glue``.
    """

    home: Path
    lake_url: str
    state_dir: Path
    stream_url: str
    aws: AwsSettings | None = None
    catalog: str = "local"

    @classmethod
    def for_home(
        cls, home: Path | str, lake: str | Path | None = None, aws: AwsSettings | None = None
    ) -> Places:
        """The default layout of a home folder (lake under ``<home>/lake`` unless given)."""
        root = Path(home).expanduser().resolve()
        lake_url = str(lake) if lake is not None else str(root / "lake")
        if "://" not in lake_url:
            lake_url = str(Path(lake_url).expanduser().resolve())
        return cls(root, lake_url, root / "state", str(root / "streams.db"), aws)

    @property
    def lake(self) -> Lake:
        """The lake backend for :attr:`lake_url` (opened once per location and AWS
        settings in a process: an S3 client is costly to make, and thread-safe)."""
        return _open_lake(self.lake_url, self.aws)

    def state(self, *parts: str) -> Path:
        """A path under the state folder."""
        return self.state_dir.joinpath(*parts)
