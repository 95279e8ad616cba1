"""``courtside dashboard``: the web dashboard (Streamlit), read-only over the warehouse."""

from __future__ import annotations

from typing import Annotated

import typer

from courtside.cli._common import console, settings, state


def dashboard(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0 opens it to the network).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8501,
    warehouse_url: Annotated[
        str | None,
        typer.Option(
            "--warehouse-url",
            envvar="COURTSIDE_WAREHOUSE__URL",
            help="postgresql://... or duckdb:<path> (default: the configured warehouse, "
            "<home>/warehouse.duckdb). Prefer the environment variable for passwords.",
            show_default=False,
            show_envvar=True,
        ),
    ] = None,
    refresh_s: Annotated[
        float, typer.Option(help="Seconds between redraws of alerts and health.", min=1.0)
    ] = 5.0,
) -> None:
    """Open the dashboard: top players, trends, percentiles, regions, tampering alerts
    and pipeline health. Runs until Ctrl-C."""
    from courtside.dashboard.launcher import dashboard_command, run_dashboard
    from courtside.dashboard.warehouse_view import WarehouseView

    cfg = settings(ctx)
    view = WarehouseView(cfg, warehouse_url)  # validates the URL before starting
    console.print(f"warehouse: {view.describe()} (read-only)", highlight=False, markup=False)
    cmd = dashboard_command(
        cfg,
        host,
        port,
        warehouse_url=warehouse_url,
        config_file=state(ctx).config,
        refresh_s=refresh_s,
    )
    code = run_dashboard(cmd, say=lambda m: console.print(m, highlight=False, markup=False))
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard)
