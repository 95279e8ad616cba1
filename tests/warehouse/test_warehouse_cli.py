"""``courtside load`` and ``courtside warehouse query`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from warehouse_helpers import write_day

from courtside.config import load_settings


def run(home: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-c", "from courtside.cli import main; main()", "--home", str(home)]
        + list(args),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_load_then_query(home: Path) -> None:
    settings = load_settings(home=home)
    write_day(settings, date(2020, 3, 1), {"LeBron James": 3, "<b>Luka</b> [red]x[/red]": 2})
    sql = run(home, "load", "--dry-run", "--target", "redshift").stdout
    assert sql.startswith("-- courtside: load players_total_tweets into Redshift")
    assert "FORMAT AS JSON 'auto'" in sql
    assert not (home / "warehouse.duckdb").exists()
    assert "loaded 2 row(s) of 1 day(s)" in " ".join(run(home, "load").stdout.split())
    out = run(
        home,
        "warehouse",
        "query",
        "SELECT player, total FROM playerstotaltweets ORDER BY 2",
        "--format",
        "json",
    ).stdout
    assert json.loads(out) == [
        {"player": "<b>Luka</b> [red]x[/red]", "total": 2},
        {"player": "LeBron James", "total": 3},
    ]
    table = run(home, "warehouse", "query", "SELECT player FROM playerstotaltweets").stdout
    assert "[red]x[/red]" in table
    csv = run(
        home, "warehouse", "query", "SELECT count(*) AS n FROM playerstotaltweets", "-f", "csv"
    ).stdout
    assert csv == "n\n2\n"
    refused = run(home, "warehouse", "query", "DROP TABLE playerstotaltweets", ok=False)
    assert refused.returncode == 1 and "read-only" in refused.stderr


def test_load_errors_are_one_line(home: Path) -> None:
    proc = run(home, "load", "--mode", "append", ok=False)
    assert proc.returncode == 1 and "--mode must be replace-days or truncate" in proc.stderr
    write_day(load_settings(home=home), date(2020, 3, 1), {"LeBron James": 3})
    proc = run(home, "load", "--url", "postgresql://u:hunter2@127.0.0.1:1/db", ok=False)
    assert proc.returncode == 1 and "hunter2" not in proc.stderr + proc.stdout
    assert "cannot reach PostgreSQL postgresql://u@127.0.0.1:1/db" in proc.stderr
    proc = run(home, "warehouse", "query", "SELECT 1", ok=False)
    assert "run `courtside load` first" in proc.stderr
