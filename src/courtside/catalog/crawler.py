"""The crawler (the Glue crawler equivalent): scan a lake prefix, infer the schema and
partitions, and create or update the table in the catalog.

Schema inference reads Parquet footers, or samples JSON lines and merges their types
(structs union their fields, so heterogeneous nested ``context_annotations``,
``entities`` and ``users`` end up as one nested type). Partitions are Hive-style
``key=value`` directories. When the inferred columns differ from the stored ones, the
schema-change policy decides: ``log`` records the difference and keeps the table,
``update`` replaces the columns. A change of *format*, *location* or *partition keys*
(e.g. dedupe rebuilt ``tweets/`` as Parquet after JSON) always replaces the table, under
either policy: the stored definition could no longer read the files, and a query must
never silently read nothing.

The inferred schema is also registered in the schema registry (subject
``database.table``) before anything is written: a compatible change (a nullable column
added or gone) becomes a new version; an incompatible one (a column retyped) fails the
crawl with :class:`SchemaRefusedError` and leaves the catalog untouched, under either
policy. A table about to be replaced gets its new version whatever the mode: none of its
old files is read through it any more. Every difference is kept in the table's history. New
partitions are always added; partitions whose directory is gone are removed.
"""

from __future__ import annotations

import collections
import logging
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import orjson

from courtside.catalog.config import CatalogSettings
from courtside.catalog.errors import CatalogError, NoSuchTableError, SchemaRefusedError
from courtside.catalog.store import Catalog, Column, Partition, Table, check_name
from courtside.catalog.types import (
    Type,
    format_type,
    from_arrow,
    infer_value,
    merge_types,
    resolve_nulls,
)
from courtside.config import Settings
from courtside.errors import LakeError
from courtside.lake.base import Lake, LakeObject, check_key, is_hidden
from courtside.lake.layout import safe_value
from courtside.lake.tables import MARKER_PREFIX, partition_version
from courtside.schemas.errors import IncompatibleSchemaError
from courtside.schemas.infer import (
    TableRegistration,
    register_table_schema,
    schema_from_columns,
    table_subject,
)
from courtside.schemas.registry import SchemaRegistry

if TYPE_CHECKING:
    from courtside.places import Places

__all__ = ["CrawlResult", "crawl", "diff_columns", "infer_schema", "scan_files"]

log = logging.getLogger(__name__)
#: Differences that make the stored table unable to read its files.
_STRUCTURAL = frozenset({"format", "location", "partition_keys"})
_FORMATS = {".parquet": "parquet", ".json": "json", ".jsonl": "json", ".ndjson": "json"}


@dataclass
class CrawlResult:
    """What a crawl found and changed."""

    database: str
    table: str
    location: str
    format: str | None = None
    created: bool = False
    replaced: bool = False
    files: int = 0
    files_skipped: int = 0
    bad_lines: int = 0
    partitions_added: int = 0
    partitions_removed: int = 0
    partitions_total: int = 0
    schema_diff: dict[str, Any] = field(default_factory=dict)
    schema_applied: bool = False
    schema_version: int = 0  # the registry version describing the inferred schema
    schema_version_created: bool = False  # this crawl registered that version

    @property
    def changed(self) -> bool:
        """Whether the crawl changed the catalog (table, columns or partitions)."""
        return bool(
            self.created
            or self.replaced
            or self.schema_applied
            or self.partitions_added
            or self.partitions_removed
        )

    def counts(self) -> dict[str, int]:
        """Counters for the run record."""
        return {
            "files": self.files,
            "files_skipped": self.files_skipped,
            "bad_lines": self.bad_lines,
            "partitions_added": self.partitions_added,
            "partitions_removed": self.partitions_removed,
            "partitions_total": self.partitions_total,
        }


@dataclass(frozen=True)
class _File:
    key: str
    keys: tuple[str, ...]
    values: tuple[str, ...]
    format: str

    @property
    def folder(self) -> str:
        """The key of the folder (partition) holding the object."""
        return self.key.rsplit("/", 1)[0] if "/" in self.key else ""


def _current(lake: Lake, objects: list[LakeObject]) -> list[LakeObject]:
    """The visible objects of ``objects`` that readers use: in a folder with a commit
    marker (a partition replaced as a unit), only the newest committed run's objects."""
    marked = {o.parent for o in objects if o.name.startswith(MARKER_PREFIX)}
    current = {o.key for folder in marked for o in partition_version(lake, folder).files}
    return [
        o for o in objects if not is_hidden(o.key) and (o.parent not in marked or o.key in current)
    ]


def scan_files(lake: Lake, prefix: str) -> tuple[list[_File], int]:
    """Data objects under ``prefix`` that readers use, with their partition values
    (hidden and ``_`` names, objects of uncommitted or superseded runs, and folders that
    are not ``key=value`` are skipped).

    Returns:
        ``(files, skipped)``.
    """
    root = check_key(prefix, prefix=True)
    files: list[_File] = []
    skipped = 0
    for obj in _current(lake, lake.list_objects(root, hidden=True)):
        rel = obj.key[len(root) + 1 :] if root else obj.key
        *dirs, name = rel.split("/")
        pairs = [d.partition("=") for d in dirs]
        ok = all(sep and k and v for k, sep, v in pairs)
        fmt = _FORMATS.get(PurePosixPath(name).suffix.lower())
        if fmt is None or not ok:
            skipped += 1
            continue
        try:
            values = tuple(safe_value(v) for _, _, v in pairs)
            keys = tuple(check_name(k.lower(), "partition key") for k, _, _ in pairs)
        except (LakeError, CatalogError) as exc:
            log.warning("skipping %s: %s", obj.key, exc)
            skipped += 1
            continue
        files.append(_File(obj.key, keys, values, fmt))
    return files, skipped


def _sample(files: list[_File], limit: int) -> list[_File]:
    if len(files) <= limit:
        return files
    step = len(files) / limit
    picked = {files[int(i * step)].key: files[int(i * step)] for i in range(limit)}
    picked[files[-1].key] = files[-1]  # always the newest: new columns show up there first
    return list(picked.values())


def _parquet_schema(lake: Lake, key: str) -> Any:
    """The schema in a Parquet object's footer (read through Arrow's file system of the
    lake: only the footer's byte ranges are fetched from S3)."""
    import pyarrow.parquet as pq

    filesystem, base = lake.arrow_filesystem()
    return pq.read_schema(f"{base}/{key}", filesystem=filesystem)


def infer_schema(
    lake: Lake, files: list[_File], fmt: str, cfg: CatalogSettings
) -> tuple[list[tuple[str, Type]], int]:
    """Merged column types of a sample of ``files`` (objects of ``lake``).

    Returns:
        ``(columns, bad_lines)`` with columns in order of first appearance.
    """
    merged: dict[str, Type] = {}
    bad = 0
    for f in _sample(files, cfg.sample_files):
        if fmt == "parquet":
            try:
                schema = _parquet_schema(lake, f.key)
            except FileNotFoundError:
                continue  # deleted since the scan
            except (OSError, ValueError) as exc:
                log.warning("cannot read Parquet schema of %s: %s", f.key, exc)
                bad += 1
                continue
            for fld in schema:
                t = from_arrow(fld.type)
                merged[fld.name] = merge_types(merged.get(fld.name, "null"), t)
            continue
        try:
            with lake.open(f.key) as fh:
                for i, line in enumerate(fh):
                    if i >= cfg.sample_lines_per_file:
                        break
                    if not line.strip():
                        continue
                    try:
                        value = orjson.loads(line)
                    except orjson.JSONDecodeError:
                        bad += 1
                        continue
                    if not isinstance(value, dict):
                        bad += 1
                        continue
                    for key, item in value.items():
                        try:
                            t = infer_value(item)
                            check_name(key.lower(), "column name")
                        except (CatalogError, RecursionError):  # RecursionError: too deep
                            bad += 1
                            continue
                        merged[key] = merge_types(merged.get(key, "null"), t)
        except LakeError:
            if lake.exists(f.key):
                raise
            continue  # deleted since the scan
    return [(name, resolve_nulls(t)) for name, t in merged.items()], bad


def diff_columns(old: tuple[Column, ...], new: tuple[Column, ...]) -> dict[str, Any]:
    """Columns added, removed and retyped between two schemas (empty when equal)."""
    before = {c.name: c.type for c in old}
    after = {c.name: c.type for c in new}
    diff: dict[str, Any] = {}
    added = [{"name": n, "type": t} for n, t in after.items() if n not in before]
    removed = [{"name": n, "type": t} for n, t in before.items() if n not in after]
    changed = [
        {"name": n, "from": before[n], "to": t}
        for n, t in after.items()
        if n in before and before[n] != t
    ]
    if added:
        diff["added"] = added
    if removed:
        diff["removed"] = removed
    if changed:
        diff["changed"] = changed
    return diff


def crawl(
    settings: Settings | Places,
    prefix: str = "tweets",
    *,
    table: str | None = None,
    database: str | None = None,
    policy: str | None = None,
    catalog: Catalog | None = None,
    registry: SchemaRegistry | None = None,
    cfg: CatalogSettings | None = None,
) -> CrawlResult:
    """Crawl ``<lake>/<prefix>`` into ``database.table``.

    Args:
        settings: Where the lake and the catalog are (``Settings``, or ``Places`` with the
            ``[catalog]`` section given as ``cfg``).
        prefix: Lake prefix to scan (e.g. ``tweets`` or ``players_total_tweets``).
        table: Table name (default: the prefix's last segment, ``-`` as ``_``).
        database: Database (default ``twitter_nba_db``).
        policy: ``log`` or ``update`` (default from the catalog settings).
        catalog: The catalog to write (default: the home folder's).
        registry: The schema registry (default: the home folder's ``schemas.db``).

    Raises:
        LakeError: when the lake or the prefix does not exist.
        CatalogError: for invalid names or a mix of partition layouts.
        SchemaRefusedError: when the inferred schema is an incompatible change of the
            table's registered schema (nothing was written).
    """
    if isinstance(settings, Settings):
        places, cfg = settings.places, cfg or settings.catalog
    else:
        places, cfg = settings, cfg or CatalogSettings()
    policy = policy or cfg.schema_change_policy
    if policy not in ("log", "update"):
        raise CatalogError(f"unknown schema change policy {policy!r} (use log or update)")
    database = check_name(database or cfg.database, "database name")
    name = check_name(
        table or prefix.strip("/").rsplit("/", 1)[-1].replace("-", "_").lower(), "table name"
    )
    lake = places.lake
    lake.check()
    root_key = check_key(prefix.strip("/"), prefix=True)
    if lake.is_local:  # a folder lake: the folders themselves say what exists
        if not Path(lake.engine_url()).is_dir():
            raise LakeError(f"the lake {lake.describe()} does not exist (run courtside init)")
        if not Path(lake.engine_url(root_key)).is_dir():
            raise LakeError(f"nothing to crawl: {lake.engine_url(root_key)} does not exist")
    elif not lake.list_objects(root_key, hidden=True):
        raise LakeError(f"nothing to crawl: {lake.engine_url(root_key)} holds no objects")
    root = lake.engine_url(root_key)
    catalog = catalog or Catalog.at(places)
    result = CrawlResult(database, name, root)

    files, skipped = scan_files(lake, root_key)
    result.files_skipped = skipped
    if not files:
        log.info("no data files under %s; table %s.%s left as is", root, database, name)
        return result
    layouts = collections.Counter((f.keys, f.format) for f in files)
    (keys, fmt), _ = layouts.most_common(1)[0]
    chosen = [f for f in files if (f.keys, f.format) == (keys, fmt)]
    result.files_skipped += len(files) - len(chosen)
    result.files, result.format = len(chosen), fmt

    inferred, result.bad_lines = infer_schema(lake, chosen, fmt, cfg)
    columns = tuple(Column(n, format_type(t)) for n, t in inferred if n.lower() not in keys)
    part_keys = tuple(Column(k, "string") for k in keys)
    try:
        before: Table | None = catalog.get_table(database, name)
    except NoSuchTableError:
        before = None
    structural = before is not None and (
        before.partition_keys != part_keys or before.format != fmt or before.location != root
    )
    registered = _register_schema(
        registry or SchemaRegistry.at(places.state_dir),
        database,
        name,
        columns,
        part_keys,
        replaced=structural,
    )
    result.schema_version, result.schema_version_created = registered.version, registered.created
    catalog.create_database(database)
    proposed = Table(database, name, root, fmt, columns, part_keys, {"crawler": "courtside"})
    stored, result.created = catalog.get_or_create_table(proposed)
    if not result.created:
        diff = diff_columns(stored.columns, columns)
        if stored.partition_keys != part_keys:
            diff["partition_keys"] = {
                "from": [c.name for c in stored.partition_keys],
                "to": list(keys),
            }
        if stored.format != fmt:
            diff["format"] = {"from": stored.format, "to": fmt}
        if stored.location != root:
            diff["location"] = {"from": stored.location, "to": root}
        if diff:
            result.schema_diff = diff
            # The table cannot read its files any more: replaced whatever the policy.
            result.replaced = bool(_STRUCTURAL & diff.keys())
            result.schema_applied = policy == "update" or result.replaced
            history = catalog.schema_changes(database, name)
            repeated = bool(history) and not history[-1].applied and history[-1].diff == diff
            if result.schema_applied or not repeated:  # a kept difference is noted once
                catalog.record_schema_change(database, name, policy, result.schema_applied, diff)
            if result.schema_applied:
                catalog.create_table(proposed, replace_existing=True)
            if result.replaced:  # the old partitions point at another layout or place
                catalog.clear_partitions(database, name)
            # The CLI and the run record report the difference; the log has it once.
            log.info(
                "schema of %s.%s changed (%s): %s",
                database,
                name,
                "replaced" if result.replaced else ("applied" if result.schema_applied else "kept"),
                diff,
            )
    current = catalog.get_table(database, name)
    if current.partition_keys:
        found = {
            f.values: Partition(f.values, lake.engine_url(f.folder))
            for f in chosen
            if len(f.values) == len(current.partition_keys)
        }
        known = {p.values: p for p in catalog.partitions(database, name)}
        result.partitions_added = catalog.add_partitions(
            database, name, [p for v, p in found.items() if v not in known]
        )
        result.partitions_removed = catalog.drop_partitions(
            database, name, [p for v, p in known.items() if v not in found]
        )
        result.partitions_total = len(found)
    return result


def _register_schema(
    registry: SchemaRegistry,
    database: str,
    table: str,
    columns: tuple[Column, ...],
    keys: tuple[Column, ...],
    *,
    replaced: bool,
) -> TableRegistration:
    """Register the inferred schema (before any catalog write) or refuse the crawl. A
    table about to be replaced (format, location or partition layout changed) reads none
    of its old files, so its new version is registered whatever the mode says."""
    schema = schema_from_columns(columns, keys, title=table_subject(database, table))
    note = "crawler: table replaced" if replaced else "crawler"
    try:
        registered = register_table_schema(
            registry, database, table, schema, note=note, replace=replaced
        )
    except IncompatibleSchemaError as exc:
        raise SchemaRefusedError(database, table, exc.subject, str(exc), exc.problems) from exc
    if registered.created:
        log.info("registered schema %s version %d", registered.subject, registered.version)
    return registered
