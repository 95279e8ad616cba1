"""``courtside up`` and ``courtside status``: the whole system, supervised."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Annotated

import typer
from rich.table import Table

from courtside.cli._common import console, print_json, settings
from courtside.cli.streams import group_dict, groups_table
from courtside.home import init_home, open_stream
from courtside.supervisor import Supervisor, components_for, nightly_args, pid_alive, read_state


def up(
    ctx: typer.Context,
    nightly_interval_s: Annotated[
        float | None, typer.Option(help="Seconds between nightly pipeline runs.")
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Run only these components (repeatable): collect, "
            "deliver, detect, notify, dashboard.",
        ),
    ] = None,
) -> None:
    """Run the whole system: collector, delivery, detector, notifier, dashboard.

    The nightly pipeline runs on a schedule; crashed parts restart with backoff;
    Ctrl-C stops everything cleanly, buffers flushed.
    """
    cfg = settings(ctx)
    init_home(cfg)
    up_cfg = cfg.up
    if nightly_interval_s is not None:
        up_cfg = up_cfg.model_copy(update={"nightly_interval_s": nightly_interval_s})
    comps = components_for(up_cfg)
    if only:
        comps = [c for c in comps if c.name in only]
    sup = Supervisor(
        cfg.home.resolve(),
        up_cfg,
        comps,
        nightly_args(up_cfg) if not only else None,
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


def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show what `courtside up` runs and how far behind each consumer is."""
    cfg = settings(ctx)
    state = read_state(cfg.home) or {}
    comps = state.get("components", {})
    with open_stream(cfg) as backend:
        groups = backend.groups()
    rows = []
    for name, c in comps.items():
        alive = bool(state.get("running")) and pid_alive(c.get("pid"))
        rows.append(
            {
                "component": name,
                "running": alive,
                "pid": c.get("pid"),
                "restarts": c.get("restarts", 0),
            }
        )
    lags = [{"stream": g.stream, "group": g.group, "lag": g.lag} for g in groups]
    if as_json:
        print_json(
            {
                "supervisor_running": bool(state.get("running")) and pid_alive(state.get("pid")),
                "components": rows,
                "lags": lags,
                "groups": [group_dict(g) for g in groups],
            }
        )
        return
    if not rows:
        console.print("courtside up has not run in this home; start it with `courtside up`.")
    else:
        table = Table("component", "state", "pid", "restarts", title="components")
        for r in rows:
            table.add_row(
                str(r["component"]),
                "[green]running[/green]" if r["running"] else "[red]stopped[/red]",
                str(r["pid"] or "-"),
                str(r["restarts"]),
            )
        console.print(table)
    console.print(groups_table(groups, title="consumer groups (lag: records not committed)"))


def register(app: typer.Typer) -> None:
    app.command("up")(up)
    app.command("status")(status)
