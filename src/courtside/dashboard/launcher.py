"""Start the dashboard: ``streamlit run`` of :mod:`courtside.dashboard.app` as a child
process, fully offline (no usage statistics, no external-address look-up, headless).

The home and config file go to the script as arguments; a warehouse URL goes through
the environment (``COURTSIDE_WAREHOUSE__URL``) so that ``ps`` never shows a password.
``courtside dashboard`` stays in the foreground: SIGTERM or Ctrl-C stops the child, and
on Linux the child is also told to stop if the launcher dies (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from pydantic import SecretStr

from courtside.config import Settings
from courtside.dashboard.errors import DashboardError

__all__ = ["APP_SCRIPT", "DashboardCommand", "dashboard_command", "run_dashboard", "wait_ready"]

log = logging.getLogger(__name__)

APP_SCRIPT = Path(__file__).with_name("app.py")
_STOP_GRACE_S = 10.0
_WILDCARD_HOSTS = {"0.0.0.0", "::", ""}  # noqa: S104 - names of wildcard binds, not a bind


@dataclass(frozen=True)
class DashboardCommand:
    """The child process to start: its argv, its environment and the page's URL."""

    argv: list[str]
    env: dict[str, str]
    url: str


def dashboard_command(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8501,
    *,
    warehouse_url: SecretStr | str | None = None,
    config_file: Path | None = None,
    refresh_s: float = 5.0,
) -> DashboardCommand:
    """The ``streamlit run`` command for the dashboard of ``settings.home``.

    Args:
        settings: The configuration (its home is passed to the page).
        host: Address to listen on (``127.0.0.1`` keeps it on this machine).
        port: TCP port.
        warehouse_url: ``postgresql://...`` or ``duckdb:<path>``; default the
            configured warehouse.
        config_file: The TOML file the page should load (default: the home's).
        refresh_s: How often live sections redraw.
    """
    if not 0 < port < 65536:
        raise DashboardError(f"invalid port {port}: use 1..65535")
    shown_host = "localhost" if host in _WILDCARD_HOSTS else host
    argv = [
        sys.executable, "-m", "streamlit", "run", str(APP_SCRIPT),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
        # Set explicitly so Streamlit never looks up this machine's external address.
        "--browser.serverAddress", shown_host,
        "--browser.serverPort", str(port),
        "--global.developmentMode", "false",
        "--client.toolbarMode", "viewer",
        "--client.showErrorDetails", "type",
        "--theme.base", "light",
        "--",
        "--home", str(settings.home.resolve()),
        "--refresh-s", str(refresh_s),
    ]  # fmt: skip
    if config_file is not None:
        argv += ["--config", str(Path(config_file).resolve())]
    env = dict(os.environ)
    env.update(
        {
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
            "STREAMLIT_SERVER_HEADLESS": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    secret = warehouse_url if isinstance(warehouse_url, SecretStr) else None
    if isinstance(warehouse_url, str):
        secret = SecretStr(warehouse_url)
    if secret is not None:
        env["COURTSIDE_WAREHOUSE__URL"] = secret.get_secret_value()
    url_host = f"[{shown_host}]" if ":" in shown_host else shown_host
    return DashboardCommand(argv, env, f"http://{url_host}:{port}/")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    import ctypes

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def wait_ready(
    url: str, timeout_s: float = 60.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    """Wait until the dashboard at ``url`` answers its health check.

    Raises:
        DashboardError: when it does not within ``timeout_s`` or ``proc`` exits.
    """
    health = url.rstrip("/") + "/_stcore/health"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise DashboardError(f"the dashboard exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(health, timeout=2) as resp:  # noqa: S310 - our own URL
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise DashboardError(f"the dashboard did not answer at {url} within {timeout_s:.0f} s")


def run_dashboard(cmd: DashboardCommand, *, say: Callable[[str], None] = print) -> int:
    """Run the dashboard in the foreground until it stops, SIGTERM or Ctrl-C.

    Args:
        cmd: The command to start, from :func:`dashboard_command`.
        say: Prints the page's URL once it answers.

    Returns:
        The exit code of the Streamlit process (0 after a requested stop).

    Raises:
        DashboardError: when Streamlit is not installed.
    """
    try:
        import streamlit  # noqa: F401
    except ImportError:
        raise DashboardError(
            "the dashboard needs Streamlit: pip install 'courtside[dashboard]'"
        ) from None
    preexec = _die_with_parent if sys.platform.startswith("linux") else None
    proc = subprocess.Popen(cmd.argv, env=cmd.env, preexec_fn=preexec)  # noqa: PLW1509
    stopping = False

    def _stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        try:
            wait_ready(cmd.url, timeout_s=60.0, proc=proc)
            say(f"dashboard: {cmd.url} (Ctrl-C to stop)")
        except DashboardError as exc:
            if not stopping:
                log.warning("%s", exc)
        except KeyboardInterrupt:
            stopping = True
            _stop(signal.SIGINT, None)
        while True:
            try:
                code = proc.wait()
                break
            except KeyboardInterrupt:  # the child got the same Ctrl-C; let it finish
                stopping = True
                _stop(signal.SIGINT, None)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            try:
                proc.wait(timeout=_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return 0 if stopping and code in (0, -signal.SIGTERM, -signal.SIGINT) else code
