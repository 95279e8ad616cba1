"""``courtside up`` and ``courtside status``: the whole system, supervised."""

from __future__ import annotations

import signal
from datetime import UTC, datetime
from types import FrameType
from typing import Annotated, Any

import typer
from rich.table import Table

from courtside.cli._common import AsJson, console, print_json, settings, with_options
from courtside.cli.streams import group_dict, groups_table
from courtside.errors import ConfigError
from courtside.home import init_home, open_stream
from courtside.supervisor import (
    COMPONENTS,
    Supervisor,
    components_for,
    flink_job_state,
    nightly_args,
    pid_alive,
    read_state,
)

ONLY_CHOICES = (*COMPONENTS, "nightly")


def up(
    ctx: typer.Context,
    nightly_interval_s: Annotated[
        float | None, typer.Option(help="Seconds between nightly pipeline runs.")
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Run only these components (repeatable), whatever the [up] switches say: "
            + ", ".join(ONLY_CHOICES)
            + ".",
        ),
    ] = None,
) -> None:
    """Run the whole system: collector, delivery, detector, notifier, dashboard.

    The nightly pipeline runs on a schedule; crashed parts restart with backoff;
    Ctrl-C stops everything cleanly, buffers flushed.
    """
    if only:
        unknown = sorted(set(only) - set(ONLY_CHOICES))
        if unknown:
            raise ConfigError(
                f"--only {unknown[0][:40]!r} is not a component; choose from "
                + ", ".join(ONLY_CHOICES),
                key="only",
            )
    cfg = with_options(settings(ctx), "up", {"nightly_interval_s": nightly_interval_s})
    init_home(cfg)
    up_cfg = cfg.up
    comps = components_for(up_cfg, only)
    nightly = nightly_args(up_cfg) if not only or "nightly" in only else None
    sup = Supervisor(
        cfg.home.resolve(),
        up_cfg,
        comps,
        nightly,
        say=lambda m: console.print(f"[dim]up:[/dim] {m}", highlight=False),
    )

    def _handler(signum: int, frame: FrameType | None) -> None:
        sup.stop()

    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
    console.print(
        f"courtside is up (home {cfg.home.resolve()}); Ctrl-C to stop. "
        f"Logs: {cfg.home.resolve() / 'logs'}"
    )
    raise typer.Exit(sup.run())


def _nightly_row(state: dict[str, Any]) -> dict[str, Any] | None:
    """The nightly scheduler as a component row (None when ``up`` never ran)."""
    nightly = state.get("nightly")
    if not isinstance(nightly, dict):
        return None
    supervising = bool(state.get("running")) and pid_alive(state.get("pid"))
    last = nightly.get("last") or None
    if not nightly.get("enabled"):
        status = "off"
    elif nightly.get("running") and supervising:
        status = "running"
    elif supervising:
        status = "scheduled"
    else:
        status = "stopped"
    return {
        "component": "nightly",
        "running": status in ("running", "scheduled"),
        "status": status,
        "pid": nightly.get("pid") if status == "running" else None,
        "restarts": 0,
        "next_run": _utc(nightly.get("next_run")) if status == "scheduled" else None,
        "interval_s": nightly.get("interval_s"),
        "runs": nightly.get("runs", 0),
        "last_exit_code": last.get("exit_code") if last else None,
        "last_finished": _utc(last.get("finished")) if last else None,
    }


def _utc(epoch_s: Any) -> str | None:
    if not isinstance(epoch_s, int | float):
        return None
    return datetime.fromtimestamp(epoch_s, tz=UTC).isoformat(timespec="seconds")


def _last_result(row: dict[str, Any]) -> str:
    code = row.get("last_exit_code")
    if code is None:
        return "no run yet"
    outcome = "[green]succeeded[/green]" if code == 0 else f"[red]failed (exit {code})[/red]"
    return f"{outcome} at {row.get('last_finished')}"


def status(
    ctx: typer.Context,
    as_json: AsJson = False,
) -> None:
    """Show what `courtside up` runs (nightly scheduler included) and how far behind each
    consumer is."""
    cfg = settings(ctx)
    state = read_state(cfg.home) or {}
    comps = state.get("components", {})
    with open_stream(cfg) as backend:
        groups = backend.groups()
    supervising = bool(state.get("running")) and pid_alive(state.get("pid"))
    rows: list[dict[str, Any]] = []
    for name, c in comps.items():
        alive = supervising and pid_alive(c.get("pid"))
        rows.append(
            {
                "component": name,
                "running": alive,
                "status": "running" if alive else "stopped",
                "pid": c.get("pid"),
                "restarts": c.get("restarts", 0),
            }
        )
    nightly = _nightly_row(state)
    if nightly is not None:
        rows.append(nightly)
    lags = [{"stream": g.stream, "group": g.group, "lag": g.lag} for g in groups]
    flink = flink_job_state(cfg.home)
    if as_json:
        print_json(
            {
                "supervisor_running": bool(state.get("running")) and pid_alive(state.get("pid")),
                "components": rows,
                "lags": lags,
                "groups": [group_dict(g) for g in groups],
                "flink": flink,
            }
        )
        return
    if flink and flink.get("rest_url"):
        console.print(
            f"Flink detector: web UI {flink['rest_url']} (job {flink.get('job_id')}, "
            f"{flink.get('status', 'unknown')})",
            highlight=False,
        )
    if not rows:
        console.print("courtside up has not run in this home; start it with `courtside up`.")
    else:
        table = Table("component", "state", "pid", "restarts", "schedule", title="components")
        styles = {"running": "green", "scheduled": "green", "off": "dim"}
        for r in rows:
            style = styles.get(str(r["status"]), "red")
            schedule = ""
            if r["component"] == "nightly":
                every = f"every {r.get('interval_s') or 0:g}s"
                next_run = f", next {r['next_run']}" if r.get("next_run") else ""
                schedule = f"{every}{next_run}; last: {_last_result(r)}"
            table.add_row(
                str(r["component"]),
                f"[{style}]{r['status']}[/{style}]",
                str(r["pid"] or "-"),
                str(r["restarts"]),
                schedule,
            )
        console.print(table)
    console.print(groups_table(groups, title="consumer groups (lag: records not committed)"))


def register(app: typer.Typer) -> None:
    app.command("up")(up)
    app.command("status")(status)
