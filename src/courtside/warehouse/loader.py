"""``courtside load``: the daily output of the lake into the warehouse table.

The loader reads the committed objects of every day partition of
``players_total_tweets/`` through the lake seam (a folder lake or S3), checks the rows once for
every target (see :mod:`courtside.warehouse.rows`: a player name every warehouse stores
unchanged in ``varchar(255)``, a total that fits ``integer``; other rows, and unreadable
lines, are rejected with a reason, counted and named in the run record rather than
failing the load), and hands them to a backend, which loads them in one transaction (see
:mod:`courtside.warehouse.base`). ``--dry-run`` reads and checks but changes nothing;
with ``--target redshift`` it writes the checked rows to ``<home>/exports/redshift/``
and the Redshift statements that COPY them (on an S3 lake, unless
``warehouse.redshift_s3_uri`` says otherwise, the export is written into the lake, under
``players_total_tweets/_redshift/`` — hidden from the zone's readers — and the COPY reads
that real ``s3://`` prefix). Each load is recorded by
:class:`~courtside.runs.RunRecorder` (kind ``load``).

The same load then loads ``players_daily_sentiment/`` (the daily job's second query)
into ``playersdailysentiment`` (``warehouse.sentiment_table``), in its own transaction,
with the same checks, modes and Redshift statements. The roster join happens here, at
load time: each row gets ``team``, the player's team in the players table
(``courtside players``; names matched case- and accent-insensitively, as the detector
matches them), NULL for an athlete who is not on the roster (X tags NFL, NASCAR and
retired athletes with the same Athlete annotation). The lake keeps the query's rows as
SPEC.md defines them, the original's counts are untouched, and since every load reloads
every day, a trade in the players table shows on the next load. The run record counts
the second table with a ``sentiment_`` prefix.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import SecretStr

from courtside.config import Settings
from courtside.job.output import OUTPUT_ZONE, SENTIMENT_ZONE, output_days
from courtside.lake.base import Lake
from courtside.runs import Run, RunRecorder
from courtside.warehouse import open_warehouse as open_backend
from courtside.warehouse.base import MODES, SENTIMENT, TOTALS, LoadStats, TableSpec, Warehouse
from courtside.warehouse.config import TARGETS, LoadMode, Target, warehouse_target
from courtside.warehouse.errors import WarehouseConfigError
from courtside.warehouse.rows import (
    Rejected,
    prepare_rows,
    read_rows,
    read_sentiment_rows,
    with_team,
    write_export,
    write_lake_export,
)

__all__ = ["TARGETS", "LoadOutcome", "load", "open_warehouse", "prepare_rows", "resolve_target"]

log = logging.getLogger(__name__)

#: Where, under a daily output zone of an S3 lake, the Redshift export is written (hidden:
#: no reader of the zone lists it).
LAKE_EXPORT = "_redshift"


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
        sentiment: The same for ``playersdailysentiment`` (None when the lake has no
            ``players_daily_sentiment/`` days).
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
    sentiment: LoadOutcome | None = None

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
            "sentiment": self.sentiment.as_dict() if self.sentiment else None,
        }


def resolve_target(
    settings: Settings, target: str | None = None, url: SecretStr | str | None = None
) -> Target:
    """The target: as given, else from the URL's form (``duckdb:<path>``, PostgreSQL,
    Redshift), else ``duckdb`` (see :func:`courtside.warehouse.config.warehouse_target`).

    Raises:
        WarehouseConfigError: for an unknown target or URL form.
    """
    return warehouse_target(settings.warehouse, settings.home, target=target, url=url).kind


def open_warehouse(
    settings: Settings,
    *,
    target: str | None = None,
    url: SecretStr | str | None = None,
    spec: TableSpec = TOTALS,
) -> Warehouse:
    """The configured warehouse backend for the table of ``spec``: the seam's
    :func:`courtside.warehouse.open_warehouse` for ``settings``.

    Raises:
        WarehouseConfigError: for a bad target or URL, or PostgreSQL without a URL.
    """
    return open_backend(settings.warehouse, settings.home, target=target, url=url, spec=spec)


def _table_name(settings: Settings, spec: TableSpec) -> str:
    cfg = settings.warehouse
    return cfg.sentiment_table if spec is SENTIMENT else cfg.table


def _plan(
    settings: Settings, target: Target, url: SecretStr | str | None, spec: TableSpec = TOTALS
) -> tuple[Warehouse | None, str]:
    if target == "redshift":
        return None, "redshift (statements only)"
    warehouse = open_warehouse(settings, target=target, url=url, spec=spec)
    return warehouse, warehouse.describe()


def _team_lookup(settings: Settings) -> Any:
    from courtside.reference.players import load_players

    players = load_players(settings.home)

    def team_of(name: str) -> str | None:
        player = players.by_name(name)
        return player.team if player is not None else None

    return team_of


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
    """Load every day of ``players_total_tweets/`` into the warehouse table, then every
    day of ``players_daily_sentiment/`` (with each player's roster ``team``) into the
    sentiment table, each in its own transaction.

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
    lake = settings.places.lake
    lake.check()
    with recorder.run("load", table_name, params, parent=parent) as run:
        days = output_days(lake)
        outcome = _load_table(
            settings, lake, TOTALS, kind, warehouse, described, chosen_mode, dry_run, run, days
        )
        if not days:
            if kind != "redshift":
                run.skip("no daily output in the lake: run `courtside job daily` first")
            return outcome
        sentiment_days = output_days(lake, SENTIMENT_ZONE)
        if not sentiment_days:
            return outcome
        sentiment_wh, sentiment_described = _plan(settings, kind, url, SENTIMENT)
        sentiment = _load_table(
            settings,
            lake,
            SENTIMENT,
            kind,
            sentiment_wh,
            sentiment_described,
            chosen_mode,
            dry_run,
            run,
            sentiment_days,
        )
        return dataclasses.replace(outcome, sentiment=sentiment)


def _already_in_s3(statements: str, base: str) -> str:
    """The statements without the "copy the export to S3 first" steps: the load wrote it
    to ``base`` in the lake itself."""
    lines = statements.splitlines()
    out, skip = [], 0
    for line in lines:
        if line.startswith("-- First copy the export "):
            out.append(f"-- The export (the rows that passed the load checks) is in {base}/")
            skip = 2
            continue
        if skip:
            skip -= 1
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def _load_table(
    settings: Settings,
    lake: Lake,
    spec: TableSpec,
    kind: Target,
    warehouse: Warehouse | None,
    described: str,
    mode: LoadMode,
    dry_run: bool,
    run: Run,
    days: list[date],
) -> LoadOutcome:
    """Read, check and load (or, dry, plan) one table's days; counts go to ``run`` (with a
    ``sentiment_`` prefix for the second table)."""
    prefix = "sentiment_" if spec is SENTIMENT else ""
    table_name = _table_name(settings, spec)
    rejected = Rejected()
    if spec is SENTIMENT:
        lake_rows = with_team(read_sentiment_rows(lake, days, rejected), _team_lookup(settings))
    else:
        lake_rows = read_rows(lake, days, rejected)
    good, _ = prepare_rows(lake_rows, rejected, spec)
    examples = rejected.examples
    run.set_count(f"{prefix}days", len(days))
    run.set_count(f"{prefix}rows", good.num_rows)
    run.set_count(f"{prefix}rejected", rejected.count)
    if spec is SENTIMENT:
        run.set_count("sentiment_rows_on_roster", good.num_rows - good["team"].null_count)
    if rejected.count:
        log.warning(
            "%d row(s) of %s rejected by the load checks: %s",
            rejected.count,
            table_name,
            ", ".join(f"{k} {v}" for k, v in sorted(rejected.by_reason.items())),
        )
        run.detail(f"{prefix}rejected_examples", examples)
        run.detail(f"{prefix}rejected_by_reason", dict(sorted(rejected.by_reason.items())))
    outcome: dict[str, Any] = {
        "target": kind,
        "warehouse": described,
        "table": table_name,
        "mode": mode,
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
        s3_uri, where = cfg.redshift_s3_uri, ""
        if s3_uri is None and not lake.is_local:
            # The lake is on S3: the export goes into it, and the COPY reads it there.
            zone = SENTIMENT_ZONE if spec is SENTIMENT else OUTPUT_ZONE
            where = write_lake_export(lake, f"{zone}/{LAKE_EXPORT}", table_name, good)
            s3_uri = where.rsplit("/", 1)[0]
        else:
            where = str(write_export(settings.home / "exports" / "redshift", table_name, good))
        with_data = {
            date(y, m, d)
            for y, m, d in zip(
                good["year"].to_pylist(),
                good["month"].to_pylist(),
                good["day"].to_pylist(),
                strict=True,
            )
        }
        outcome["export"] = where
        run.detail(f"{prefix}export", where)
        statements = redshift_statements(
            table=table_name,
            days=days,
            days_with_data=[d for d in days if d in with_data],
            mode=mode,
            s3_uri=s3_uri,
            iam_role=cfg.redshift_iam_role,
            export=where.rsplit("/", 1)[0],
            spec=spec,
        )
        if where.startswith("s3://"):
            statements = _already_in_s3(statements, s3_uri or "")
        outcome["statements"] = statements
        return LoadOutcome(**outcome)
    if not days or dry_run or warehouse is None:
        return LoadOutcome(**outcome)
    with warehouse:
        stats = warehouse.load(good, days, mode)
    run.set_count(f"{prefix}rows_inserted", stats.rows_inserted)
    run.set_count(f"{prefix}rows_deleted", stats.rows_deleted)
    run.detail(f"{prefix}seconds", round(stats.seconds, 3))
    return LoadOutcome(stats=stats, **outcome)
