"""``courtside load``: the daily output of the lake into the warehouse table.

The loader reads every day folder of ``players_total_tweets/``, checks the rows once for
every target (see :mod:`courtside.warehouse.rows`: a player name every warehouse stores
unchanged in ``varchar(255)``, a total that fits ``integer``; other rows, and unreadable
lines, are rejected with a reason, counted and named in the run record rather than
failing the load), and hands them to a backend, which loads them in one transaction (see
:mod:`courtside.warehouse.base`). ``--dry-run`` reads and checks but changes nothing;
with ``--target redshift`` it writes the checked rows to ``<home>/exports/redshift/``
and the Redshift statements that COPY them. Each load is recorded by
:class:`~courtside.runs.RunRecorder` (kind ``load``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import SecretStr

from courtside.config import Settings
from courtside.job.output import output_days
from courtside.runs import Run, RunRecorder
from courtside.warehouse.base import MODES, LoadStats, Warehouse
from courtside.warehouse.config import LoadMode
from courtside.warehouse.errors import WarehouseConfigError
from courtside.warehouse.rows import Rejected, prepare_rows, read_rows, write_export

__all__ = ["TARGETS", "LoadOutcome", "load", "open_warehouse", "prepare_rows", "resolve_target"]

log = logging.getLogger(__name__)

Target = Literal["duckdb", "postgres", "redshift"]
TARGETS: tuple[Target, ...] = ("duckdb", "postgres", "redshift")


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
        rejected_by_reason: Rejected rows per reason (see :mod:`courtside.warehouse.rows`).
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
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    export: str | None = None

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
            "rejected_by_reason": self.rejected_by_reason,
            "export": self.export,
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
        rejected = Rejected()
        good, _ = prepare_rows(read_rows(settings.lake, days, rejected), rejected)
        examples = rejected.examples
        run.set_count("days", len(days))
        run.set_count("rows", good.num_rows)
        run.set_count("rejected", rejected.count)
        if rejected.count:
            log.warning(
                "%d row(s) rejected by the load checks: %s",
                rejected.count,
                ", ".join(f"{k} {v}" for k, v in sorted(rejected.by_reason.items())),
            )
            run.detail("rejected_examples", examples)
            run.detail("rejected_by_reason", dict(sorted(rejected.by_reason.items())))
        outcome: dict[str, Any] = {
            "target": kind,
            "warehouse": described,
            "table": table_name,
            "mode": chosen_mode,
            "dry_run": dry_run,
            "days": days,
            "rows": good.num_rows,
            "rejected": rejected.count,
            "run_id": run.id,
            "rejected_examples": examples,
            "rejected_by_reason": dict(sorted(rejected.by_reason.items())),
        }
        if kind == "redshift":
            from courtside.warehouse.redshift import redshift_statements

            cfg = settings.warehouse
            export = write_export(settings.home / "exports" / "redshift", table_name, good)
            with_data = {
                date(y, m, d)
                for y, m, d in zip(
                    good["year"].to_pylist(),
                    good["month"].to_pylist(),
                    good["day"].to_pylist(),
                    strict=True,
                )
            }
            outcome["export"] = str(export)
            run.detail("export", str(export))
            outcome["statements"] = redshift_statements(
                table=table_name,
                days=days,
                days_with_data=[d for d in days if d in with_data],
                mode=chosen_mode,
                s3_uri=cfg.redshift_s3_uri,
                iam_role=cfg.redshift_iam_role,
                export=str(export.parent),
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
