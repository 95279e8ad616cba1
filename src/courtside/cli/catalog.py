"""``courtside catalog``: databases, tables, schemas and partitions of the catalog (the
local file, or Glue with ``[catalog] backend = "glue"``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table as RichTable

from courtside.cli._common import AsJson, console, print_json, settings

if TYPE_CHECKING:
    from courtside.catalog.store import Catalog, Table

catalog_app = typer.Typer(
    help="The data catalog (databases, tables, partitions): local, or Glue with "
    '[catalog] backend = "glue".'
)
TableArg = Annotated[
    str, typer.Argument(help="database.table, or a table of [catalog] database (twitter_nba_db).")
]


def _open_table(ctx: typer.Context, name: str) -> tuple[Catalog, Table]:
    """The catalog and the table ``name`` (``database.table``, or a table of
    ``[catalog] database``) that ``describe`` and ``partitions`` show."""
    from courtside.catalog.store import Catalog

    cfg = settings(ctx)
    catalog = Catalog.open(cfg)
    return catalog, catalog.find_table(name, cfg.catalog.database)


@catalog_app.command("databases")
def databases(ctx: typer.Context, as_json: AsJson = False) -> None:
    """List the databases."""
    from courtside.catalog.store import Catalog

    dbs = Catalog.open(settings(ctx)).databases()
    if as_json:
        print_json([{"name": d.name, "description": d.description} for d in dbs])
        return
    table = RichTable("database", "created")
    for d in dbs:
        table.add_row(d.name, d.created_at.isoformat(timespec="seconds"))
    console.print(table)


@catalog_app.command("tables")
def tables(
    ctx: typer.Context,
    database: Annotated[str | None, typer.Argument(help="Only this database.")] = None,
    as_json: AsJson = False,
) -> None:
    """List the tables."""
    from courtside.catalog.store import Catalog

    catalog = Catalog.open(settings(ctx))
    found = catalog.tables(database)
    if as_json:
        print_json([t.as_dict() for t in found])
        return
    table = RichTable("table", "format", "columns", "partition keys", "partitions", "location")
    for t in found:
        parts = len(catalog.partitions(t.database, t.name))
        keys = ", ".join(k.name for k in t.partition_keys)
        table.add_row(t.qualified_name, t.format, str(len(t.columns)), keys, str(parts), t.location)
    console.print(table)


@catalog_app.command("describe")
def describe(ctx: typer.Context, name: TableArg, as_json: AsJson = False) -> None:
    """Show a table's columns (nested types included), partition keys and schema history."""
    catalog, t = _open_table(ctx, name)
    changes = catalog.schema_changes(t.database, t.name)
    if as_json:
        out = t.as_dict()
        out["schema_changes"] = [
            {"at": c.at.isoformat(), "policy": c.policy, "applied": c.applied, "diff": c.diff}
            for c in changes
        ]
        print_json(out)
        return
    console.print(
        f"[bold]{t.qualified_name}[/bold]  {t.format}  v{t.version}  {t.location}",
        highlight=False,
    )
    table = RichTable("column", "type", "partition key")
    for c in t.columns:
        table.add_row(c.name, c.type, "")
    for k in t.partition_keys:
        table.add_row(k.name, k.type, "yes")
    console.print(table)
    for change in changes:
        state = "applied" if change.applied else "logged"
        console.print(
            f"schema change {change.at.isoformat(timespec='seconds')}"
            f" ({change.policy}, {state}): {change.diff}",
            highlight=False,
        )


@catalog_app.command("partitions")
def partitions(ctx: typer.Context, name: TableArg, as_json: AsJson = False) -> None:
    """List a table's partitions."""
    catalog, t = _open_table(ctx, name)
    parts = catalog.partitions(t.database, t.name)
    if as_json:
        print_json([{"values": list(p.values), "location": p.location} for p in parts])
        return
    table = RichTable("partition", "location")
    for p in parts:
        table.add_row(p.spec(t.partition_keys), p.location)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(catalog_app, name="catalog")
