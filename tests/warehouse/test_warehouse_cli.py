"""``courtside load`` and ``courtside warehouse query`` as a user runs them."""

from __future__ import annotations

import functools
import json
from datetime import date
from pathlib import Path

from warehouse_helpers import write_day

from cli_runner_helpers import Courtside
from courtside.config import load_settings


def test_load_then_query(courtside: Courtside, home: Path) -> None:
    run = functools.partial(courtside, home=home, text=True)
    settings = load_settings(home=home)
    write_day(settings, date(2020, 3, 1), {"LeBron James": 3, "<b>Luka</b> [red]x[/red]": 2})
    sql = run("load", "--dry-run", "--target", "redshift").stdout
    assert sql.startswith("-- courtside: load players_total_tweets into Redshift")
    assert "FORMAT AS JSON 'auto'" in sql
    assert not (home / "warehouse.duckdb").exists()
    assert "loaded 2 row(s) of 1 day(s)" in " ".join(run("load").stdout.split())
    out = run(
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
    table = run("warehouse", "query", "SELECT player FROM playerstotaltweets").stdout
    assert "[red]x[/red]" in table
    csv = run(
        "warehouse", "query", "SELECT count(*) AS n FROM playerstotaltweets", "-f", "csv"
    ).stdout
    assert csv == "n\n2\n"
    refused = run("warehouse", "query", "DROP TABLE playerstotaltweets", ok=False)
    assert refused.returncode == 1 and "read-only" in refused.stderr


def test_load_errors_are_one_line(courtside: Courtside, home: Path) -> None:
    run = functools.partial(courtside, home=home, text=True)
    proc = run("load", "--mode", "append", ok=False)
    assert proc.returncode == 1 and "--mode must be replace-days or truncate" in proc.stderr
    write_day(load_settings(home=home), date(2020, 3, 1), {"LeBron James": 3})
    proc = run("load", "--url", "postgresql://u:hunter2@127.0.0.1:1/db", ok=False)
    assert proc.returncode == 1 and "hunter2" not in proc.stderr + proc.stdout
    assert "cannot reach PostgreSQL postgresql://u@127.0.0.1:1/db" in proc.stderr
    proc = run("warehouse", "query", "SELECT 1", ok=False)
    assert "run `courtside load` first" in proc.stderr
