"""The catalog in the AWS Glue Data Catalog, with the local catalog's methods.

Tables are Glue ``EXTERNAL_TABLE``s over the lake (``classification`` ``parquet`` or
``json``, Hive SerDes so Athena, EMR and Glue jobs read them too), partition keys are
``string`` columns and partitions are Glue partitions with their own locations. The
crawler's schema-change history, which Glue has no place for, is kept in the table's
parameters (``courtside_schema_changes``, the last 50 changes); Glue's own table versions
record every update as well.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from courtside.aws import AwsSettings, aws_error, client, error_code
from courtside.catalog.config import DEFAULT_DATABASE
from courtside.catalog.errors import CatalogError, NoSuchTableError
from courtside.catalog.store import (
    Catalog,
    Column,
    Database,
    Partition,
    SchemaChange,
    Table,
    check_name,
)

__all__ = ["GlueCatalog"]

_CHANGES = "courtside_schema_changes"
_VERSION = "courtside_version"
_MAX_CHANGES = 50
_BATCH = 100
_SERDE = {
    "parquet": {
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
        },
    },
    "json": {
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
    },
}


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return None


class GlueCatalog(Catalog):
    """The Glue Data Catalog of one account and region (every method of the local
    :class:`~courtside.catalog.store.Catalog`, so the crawler, queries and jobs take either;
    the operations built on ``get_table`` and ``create_table`` are the base's).

    Args:
        aws: Where and how to connect.
    """

    def __init__(self, aws: AwsSettings) -> None:  # no local file: nothing of the base's
        self.glue = client("glue", aws)

    def _fail(self, exc: BaseException, what: str) -> CatalogError:
        return CatalogError(str(aws_error(exc, f"Glue Data Catalog: {what}")))

    # -- databases -------------------------------------------------------------------------
    def create_database(self, name: str = DEFAULT_DATABASE, description: str = "") -> Database:
        """Create ``name`` if missing and return it."""
        check_name(name, "database name")
        try:
            self.glue.create_database(DatabaseInput={"Name": name, "Description": description})
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) != "AlreadyExistsException":
                raise self._fail(exc, f"creating database {name}") from None
        try:
            found = self.glue.get_database(Name=name)["Database"]
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self._fail(exc, f"reading database {name}") from None
        return self._database(found)

    @staticmethod
    def _database(item: dict[str, Any]) -> Database:
        created = _utc(item.get("CreateTime")) or datetime.now(UTC)
        return Database(item["Name"], item.get("Description", ""), created)

    def databases(self) -> list[Database]:
        """All databases, by name."""
        out: list[Database] = []
        try:
            for page in self.glue.get_paginator("get_databases").paginate():
                out.extend(self._database(d) for d in page.get("DatabaseList", ()))
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self._fail(exc, "listing databases") from None
        return sorted(out, key=lambda d: d.name)

    # -- tables ----------------------------------------------------------------------------
    @staticmethod
    def _glue_table(item: dict[str, Any]) -> Table:
        desc = item.get("StorageDescriptor", {})
        params = dict(item.get("Parameters", {}))
        fmt = params.pop("classification", "parquet")
        version = int(params.pop(_VERSION, "1"))
        params.pop(_CHANGES, None)
        return Table(
            database=item["DatabaseName"],
            name=item["Name"],
            location=desc.get("Location", ""),
            format=fmt,
            columns=tuple(
                Column(c["Name"], c["Type"], c.get("Comment", "")) for c in desc.get("Columns", ())
            ),
            partition_keys=tuple(
                Column(c["Name"], c["Type"], c.get("Comment", ""))
                for c in item.get("PartitionKeys", ())
            ),
            parameters=params,
            version=version,
            created_at=_utc(item.get("CreateTime")),
            updated_at=_utc(item.get("UpdateTime")),
        )

    def _raw_table(self, database: str, name: str) -> dict[str, Any]:
        try:
            return dict(self.glue.get_table(DatabaseName=database, Name=name)["Table"])
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) == "EntityNotFoundException":
                raise NoSuchTableError(database, name) from None
            raise self._fail(exc, f"reading table {database}.{name}") from None

    def tables(self, database: str | None = None) -> list[Table]:
        """Tables of ``database`` (all databases when ``None``), by name."""
        names = [database] if database else [d.name for d in self.databases()]
        out: list[Table] = []
        for db in names:
            try:
                for page in self.glue.get_paginator("get_tables").paginate(DatabaseName=db):
                    out.extend(self._glue_table(t) for t in page.get("TableList", ()))
            except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
                if error_code(exc) == "EntityNotFoundException":
                    continue
                raise self._fail(exc, f"listing tables of {db}") from None
        return sorted(out, key=lambda t: (t.database, t.name))

    def get_table(self, database: str, name: str) -> Table:
        """One table.

        Raises:
            NoSuchTableError: when it is not in the catalog.
        """
        return self._glue_table(self._raw_table(database, name))

    def _table_input(self, table: Table, version: int, changes: str | None) -> dict[str, Any]:
        params = {k: str(v) for k, v in table.parameters.items()}
        params.update(classification=table.format, EXTERNAL="TRUE")
        params[_VERSION] = str(version)
        if changes is not None:
            params[_CHANGES] = changes
        return {
            "Name": table.name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": params,
            "PartitionKeys": [{"Name": k.name, "Type": k.type} for k in table.partition_keys],
            "StorageDescriptor": {
                "Columns": [
                    {
                        "Name": c.name,
                        "Type": c.type,
                        **({"Comment": c.comment} if c.comment else {}),
                    }
                    for c in table.columns
                ],
                "Location": table.location,
                **_SERDE[table.format],
            },
        }

    def _store_table(self, table: Table, replace_existing: bool) -> None:
        """Create the Glue table, or update it (bumping its version) if ``replace_existing``."""
        try:
            current: dict[str, Any] | None = self._raw_table(table.database, table.name)
        except NoSuchTableError:
            current = None
        try:
            if current is None:
                self.glue.create_table(
                    DatabaseName=table.database, TableInput=self._table_input(table, 1, None)
                )
            elif replace_existing:
                params = current.get("Parameters", {})
                version = int(params.get(_VERSION, "1")) + 1
                self.glue.update_table(
                    DatabaseName=table.database,
                    TableInput=self._table_input(table, version, params.get(_CHANGES)),
                )
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self._fail(exc, f"writing table {table.qualified_name}") from None

    def drop_table(self, database: str, name: str) -> bool:
        """Remove a table and its partitions (never its files). True if it existed."""
        try:
            self.glue.delete_table(DatabaseName=database, Name=name)
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) == "EntityNotFoundException":
                return False
            raise self._fail(exc, f"dropping table {database}.{name}") from None
        return True

    # -- partitions ------------------------------------------------------------------------
    def partitions(self, database: str, name: str) -> list[Partition]:
        """A table's partitions, sorted by their values."""
        out: list[Partition] = []
        try:
            pages = self.glue.get_paginator("get_partitions").paginate(
                DatabaseName=database, TableName=name
            )
            for page in pages:
                for item in page.get("Partitions", ()):
                    location = item.get("StorageDescriptor", {}).get("Location", "")
                    out.append(
                        Partition(tuple(item["Values"]), location, _utc(item.get("CreationTime")))
                    )
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) == "EntityNotFoundException":
                raise NoSuchTableError(database, name) from None
            raise self._fail(exc, f"listing partitions of {database}.{name}") from None
        return sorted(out, key=lambda p: p.values)

    def add_partitions(self, database: str, name: str, partitions: Iterable[Partition]) -> int:
        """Add partitions that are not there yet; returns how many were added."""
        table = self._raw_table(database, name)
        serde = {k: v for k, v in table.get("StorageDescriptor", {}).items() if k != "Location"}
        have = {p.values for p in self.partitions(database, name)}
        new = [p for p in partitions if tuple(p.values) not in have]
        for start in range(0, len(new), _BATCH):
            batch = [
                {"Values": list(p.values), "StorageDescriptor": {**serde, "Location": p.location}}
                for p in new[start : start + _BATCH]
            ]
            try:
                answer = self.glue.batch_create_partition(
                    DatabaseName=database, TableName=name, PartitionInputList=batch
                )
            except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
                raise self._fail(exc, f"adding partitions to {database}.{name}") from None
            failed = [
                e
                for e in answer.get("Errors", ())
                if e.get("ErrorDetail", {}).get("ErrorCode") != "AlreadyExistsException"
            ]
            if failed:
                detail = failed[0].get("ErrorDetail", {})
                raise CatalogError(
                    f"Glue refused {len(failed)} partition(s) of {database}.{name}: "
                    f"{detail.get('ErrorCode')} {str(detail.get('ErrorMessage', ''))[:200]}"
                )
        return len(new)

    def clear_partitions(self, database: str, name: str) -> int:
        """Remove every partition of a table (never their files); returns how many."""
        return self.drop_partitions(database, name, self.partitions(database, name))

    def drop_partitions(self, database: str, name: str, partitions: Iterable[Partition]) -> int:
        """Remove partitions (never their files); returns how many were removed."""
        have = {p.values for p in self.partitions(database, name)}
        gone = [p for p in partitions if tuple(p.values) in have]
        for start in range(0, len(gone), 25):
            batch = [{"Values": list(p.values)} for p in gone[start : start + 25]]
            try:
                self.glue.batch_delete_partition(
                    DatabaseName=database, TableName=name, PartitionsToDelete=batch
                )
            except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
                raise self._fail(exc, f"dropping partitions of {database}.{name}") from None
        return len(gone)

    # -- schema history --------------------------------------------------------------------
    def record_schema_change(
        self, database: str, name: str, policy: str, applied: bool, diff: dict[str, Any]
    ) -> None:
        """Keep a schema difference in the table's parameters (the last 50)."""
        raw = self._raw_table(database, name)
        params = raw.get("Parameters", {})
        history = json.loads(params.get(_CHANGES, "[]"))
        history.append(
            {
                "at": datetime.now(UTC).isoformat(),
                "policy": policy,
                "applied": applied,
                "diff": diff,
            }
        )
        table = self._glue_table(raw)
        version = int(params.get(_VERSION, "1"))
        changes = json.dumps(history[-_MAX_CHANGES:], sort_keys=True)
        try:
            self.glue.update_table(
                DatabaseName=database, TableInput=self._table_input(table, version, changes)
            )
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self._fail(exc, f"recording a schema change of {database}.{name}") from None

    def schema_changes(self, database: str, name: str) -> list[SchemaChange]:
        """A table's schema history, oldest first."""
        params = self._raw_table(database, name).get("Parameters", {})
        return [
            SchemaChange(
                datetime.fromisoformat(c["at"]), c["policy"], bool(c["applied"]), c["diff"]
            )
            for c in json.loads(params.get(_CHANGES, "[]"))
        ]
