"""The web dashboard (the original's QuickSight analysis): ``courtside dashboard``.

A Streamlit page (:mod:`courtside.dashboard.app`) over the warehouse (read-only), the
``alerts`` stream, the run records and the lake. Its data access lives in
:mod:`courtside.dashboard.data` and needs no Streamlit; :func:`run_dashboard` starts the
page as a child process. Importing this package does not import Streamlit.
"""

from courtside.dashboard.launcher import (
    DashboardCommand,
    dashboard_command,
    run_dashboard,
    wait_ready,
)

__all__ = ["DashboardCommand", "dashboard_command", "run_dashboard", "wait_ready"]
