"""``courtside dashboard``: the launcher's command line, offline flags and secrets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli_runner_helpers import Courtside
from courtside.config import Settings
from courtside.dashboard import dashboard_command
from courtside.dashboard.errors import DashboardError
from courtside.dashboard.launcher import APP_SCRIPT


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_command_is_offline_and_headless(settings: Settings) -> None:
    cmd = dashboard_command(settings, "127.0.0.1", 8599)
    argv = cmd.argv
    assert argv[:5] == [sys.executable, "-m", "streamlit", "run", str(APP_SCRIPT)]
    assert _option(argv, "--browser.gatherUsageStats") == "false"
    assert _option(argv, "--server.headless") == "true"
    assert _option(argv, "--server.address") == "127.0.0.1"
    assert _option(argv, "--server.port") == "8599"
    # Set, so Streamlit never looks up the machine's external address.
    assert _option(argv, "--browser.serverAddress") == "127.0.0.1"
    assert _option(argv, "--home") == str(settings.home.resolve())
    assert cmd.env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"
    assert cmd.url == "http://127.0.0.1:8599/"
    wildcard = dashboard_command(settings, "0.0.0.0", 8599)  # noqa: S104
    assert _option(wildcard.argv, "--browser.serverAddress") == "localhost"


def test_warehouse_url_goes_through_the_environment(settings: Settings, tmp_path: Path) -> None:
    url = "postgresql://dash:hunter2@127.0.0.1:5432/test"
    cmd = dashboard_command(settings, warehouse_url=url, config_file=tmp_path / "c.toml")
    assert not any("hunter2" in a for a in cmd.argv)
    assert cmd.env["COURTSIDE_WAREHOUSE__URL"] == url
    assert _option(cmd.argv, "--config") == str((tmp_path / "c.toml").resolve())


def test_bad_port(settings: Settings) -> None:
    with pytest.raises(DashboardError, match="port"):
        dashboard_command(settings, port=70000)


def test_cli_does_not_import_streamlit() -> None:
    code = (
        "import sys; import courtside.cli; import courtside.dashboard; "
        "assert 'streamlit' not in sys.modules, 'streamlit imported'; "
        "assert 'altair' not in sys.modules, 'altair imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_cli_help(courtside: Courtside) -> None:
    done = courtside("dashboard", "--help", ok=False, text=True)
    assert done.returncode == 0, done.stderr
    for option in ("--host", "--port", "--warehouse-url", "--refresh-s"):
        assert option in done.stdout


def test_cli_rejects_a_bad_url_without_echoing_it(courtside: Courtside, home: Path) -> None:
    done = courtside(
        "dashboard", "--warehouse-url", "mysql://u:hunter2@db/x", home=home, ok=False, text=True
    )
    assert done.returncode == 1
    assert "postgresql://" in done.stderr
    assert "hunter2" not in done.stdout + done.stderr
