"""``courtside load``: the daily output of the lake into the warehouse table.

The loader reads every day folder of ``players_total_tweets/``, checks the rows (a
player name must fit ``varchar(255)`` and a total an ``integer``; other rows are
rejected, counted and named in the run record rather than failing the whole load), and
hands them to a backend, which loads them in one transaction (see
:mod:`courtside.warehouse.base`). ``--dry-run`` reads and checks but changes nothing;
with ``--target redshift`` it writes the equivalent Redshift statements. Each load is
recorded by :class:`~courtside.runs.RunRecorder` (kind ``load``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import SecretStr

from courtside.config import Settings
from courtside.job.output import output_days, read_output
from courtside.runs import Run, RunRecorder
from courtside.warehouse.base import MODES, PLAYER_MAX_CHARS, ROWS_SCHEMA, LoadStats, Warehouse
from courtside.warehouse.config import LoadMode
from courtside.warehouse.errors import WarehouseConfigError

__all__ = ["TARGETS", "LoadOutcome", "load", "open_warehouse", "prepare_rows", "resolve_target"]

log = logging.getLogger(__name__)

Target = Literal["duckdb", "postgres", "redshift"]
TARGETS: tuple[Target, ...] = ("duckdb", "postgres", "redshift")
_INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class LoadOutcome:
    """What ``courtside load`` did (or, in a dry run, would do).

    Attributes:
        target: ``duckdb``, ``postgres`` or ``redshift``.
        warehouse: The target's safe description (no password).
        table: The warehouse table.
        mode: The insert mode.
        dry_run: True when nothing was changed.
        days: The days loaded.
        rows: Rows loaded (or to load).
        rejected: Rows rejected by the checks.
        stats: The backend's figures (``None`` in a dry run or with nothing to load).
        statements: The Redshift SQL script (``--target redshift``).
        run_id: The run record's id.
    """

    target: Target
    warehouse: str
    table: str
    mode: LoadMode
    dry_run: bool
    days: list[date]
    rows: int
    rejected: int
    stats: LoadStats | None = None
    statements: str | None = None
    run_id: str | None = None
    rejected_examples: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return {
            "target": self.target,
            "warehouse": self.warehouse,
            "table": self.table,
            "mode": self.mode,
            "dry_run": self.dry_run,
            "days": [d.isoformat() for d in self.days],
            "rows": self.rows,
            "rejected": self.rejected,
            "rejected_examples": self.rejected_examples,
            "stats": self.stats.as_dict() if self.stats else None,
            "statements": self.statements,
            "run_id": self.run_id,
        }


def _url_of(settings: Settings, url: SecretStr | str | None) -> SecretStr | None:
    if url is None:
        return settings.warehouse.url
    return url if isinstance(url, SecretStr) else SecretStr(url)


def resolve_target(
    settings: Settings, target: str | None = None, url: SecretStr | str | None = None
) -> Target:
    """The target: as given, else ``postgres`` when a URL is configured, else ``duckdb``.

    Raises:
        WarehouseConfigError: for an unknown target.
    """
    if target is None:
        return "postgres" if _url_of(settings, url) is not None else "duckdb"
    if target not in TARGETS:
        raise WarehouseConfigError(
            f"unknown warehouse target {target[:40]!r} (use {', '.join(TARGETS)})"
        )
    return target


def open_warehouse(
    settings: Settings,
    *,
    target: str | None = None,
    url: SecretStr | str | None = None,
) -> Warehouse:
    """The configured warehouse backend (DuckDB file or PostgreSQL).

    Raises:
        WarehouseConfigError: for ``redshift`` (statements only) or PostgreSQL without a URL.
    """
    kind = resolve_target(settings, target, url)
    cfg = settings.warehouse
    if kind == "redshift":
        raise WarehouseConfigError(
            "courtside cannot connect to Redshift: use `courtside load --dry-run --target "
            "redshift` to write the statements, and run them in Redshift"
        )
    if kind == "postgres":
        secret = _url_of(settings, url)
        if secret is None:
            raise WarehouseConfigError(
                "the postgres target needs a URL: --url postgresql://... or warehouse.url "
                "(COURTSIDE_WAREHOUSE__URL)"
            )
        from courtside.warehouse.postgres import PostgresWarehouse

        return PostgresWarehouse(secret, cfg.table, connect_timeout_s=cfg.connect_timeout_s)
    from courtside.warehouse.duckdb import DuckDBWarehouse

    path = cfg.duckdb_file or settings.home / "warehouse.duckdb"
    return DuckDBWarehouse(path.resolve(), cfg.table)


def prepare_rows(table: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Split the lake's rows into loadable rows (cast to :data:`ROWS_SCHEMA`) and
    rejected ones (player missing or longer than 255 characters, total out of range)."""
    player, total = table["player"], table["total"]
    ok = pc.and_(
        pc.and_(pc.is_valid(player), pc.less_equal(pc.utf8_length(player), PLAYER_MAX_CHARS)),
        pc.and_(
            pc.is_valid(total),
            pc.and_(pc.greater_equal(total, 0), pc.less_equal(total, _INT32_MAX)),
        ),
    )
    ok = pc.fill_null(ok, False)
    good = table.filter(ok).cast(ROWS_SCHEMA)
    return good, table.filter(pc.invert(ok))


def _plan(
    settings: Settings, target: Target, url: SecretStr | str | None
) -> tuple[Warehouse | None, str]:
    if target == "redshift":
        return None, "redshift (statements only)"
    warehouse = open_warehouse(settings, target=target, url=url)
    return warehouse, warehouse.describe()


def load(
    settings: Settings,
    *,
    target: str | None = None,
    url: SecretStr | str | None = None,
    mode: LoadMode | None = None,
    dry_run: bool = False,
    recorder: RunRecorder | None = None,
    parent: Run | str | None = None,
) -> LoadOutcome:
    """Load every day of ``players_total_tweets/`` into the warehouse table.

    Args:
        settings: Loaded settings (``settings.warehouse`` gives the defaults).
        target: ``duckdb``, ``postgres`` or ``redshift`` (default from the settings).
        url: A PostgreSQL URL overriding ``warehouse.url``.
        mode: ``replace-days`` (default) or ``truncate``.
        dry_run: Read and check, change nothing; for Redshift, write the statements.
        recorder: Where the run is recorded (default: the home's run records).
        parent: The enclosing run (the nightly pipeline's load step).

    Raises:
        WarehouseConfigError: a bad target, or Redshift without ``dry_run``.
        WarehouseError: from the backend (the table is unchanged).
    """
    kind = resolve_target(settings, target, url)
    chosen_mode: LoadMode = mode or settings.warehouse.mode
    if chosen_mode not in MODES:
        raise WarehouseConfigError(f"unknown insert mode {chosen_mode!r} (use {', '.join(MODES)})")
    if kind == "redshift" and not dry_run:
        raise WarehouseConfigError(
            "courtside cannot connect to Redshift: add --dry-run to write the statements"
        )
    warehouse, described = _plan(settings, kind, url)
    recorder = recorder or RunRecorder(settings)
    table_name = settings.warehouse.table
    params = {"target": kind, "warehouse": described, "mode": chosen_mode, "dry_run": dry_run}
    with recorder.run("load", table_name, params, parent=parent) as run:
        days = output_days(settings.lake)
        good, bad = prepare_rows(read_output(settings.lake, days))
        examples = bad.slice(0, 5).to_pylist()
        for example in examples:
            if isinstance(example.get("player"), str):
                example["player"] = example["player"][:80]
        run.set_count("days", len(days))
        run.set_count("rows", good.num_rows)
        run.set_count("rejected", bad.num_rows)
        if bad.num_rows:
            log.warning("%d row(s) rejected by the load checks", bad.num_rows)
            run.detail("rejected_examples", examples)
        outcome: dict[str, Any] = {
            "target": kind,
            "warehouse": described,
            "table": table_name,
            "mode": chosen_mode,
            "dry_run": dry_run,
            "days": days,
            "rows": good.num_rows,
            "rejected": bad.num_rows,
            "run_id": run.id,
            "rejected_examples": examples,
        }
        if kind == "redshift":
            from courtside.job.output import day_files
            from courtside.warehouse.redshift import redshift_statements

            cfg = settings.warehouse
            outcome["statements"] = redshift_statements(
                table=table_name,
                days=days,
                days_with_data=[d for d in days if day_files(settings.lake, d)],
                mode=chosen_mode,
                s3_uri=cfg.redshift_s3_uri,
                iam_role=cfg.redshift_iam_role,
            )
            return LoadOutcome(**outcome)
        if not days:
            run.skip("no daily output in the lake: run `courtside job daily` first")
            return LoadOutcome(**outcome)
        if dry_run or warehouse is None:
            return LoadOutcome(**outcome)
        with warehouse:
            stats = warehouse.load(good, days, chosen_mode)
        run.set_count("rows_inserted", stats.rows_inserted)
        run.set_count("rows_deleted", stats.rows_deleted)
        run.detail("seconds", round(stats.seconds, 3))
        return LoadOutcome(stats=stats, **outcome)
