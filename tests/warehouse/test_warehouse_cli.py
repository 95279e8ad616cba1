"""``courtside load`` and ``courtside warehouse query`` as a user runs them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from warehouse_helpers import write_day

from cli_runner_helpers import Courtside
from courtside.config import load_settings


def test_load_then_query(courtside: Courtside, home: Path) -> None:
    settings = load_settings(home=home)
    write_day(settings, date(2020, 3, 1), {"LeBron James": 3, "<b>Luka</b> [red]x[/red]": 2})
    sql = courtside("load", "--dry-run", "--target", "redshift", home=home, text=True).stdout
    assert sql.startswith("-- courtside: load players_total_tweets into Redshift")
    assert "FORMAT AS JSON 'auto'" in sql
    assert not (home / "warehouse.duckdb").exists()
    assert "loaded 2 row(s) of 1 day(s)" in " ".join(
        courtside("load", home=home, text=True).stdout.split()
    )
    out = courtside(
        "warehouse",
        "query",
        "SELECT player, total FROM playerstotaltweets ORDER BY 2",
        "--format",
        "json",
        home=home,
        text=True,
    ).stdout
    assert json.loads(out) == [
        {"player": "<b>Luka</b> [red]x[/red]", "total": 2},
        {"player": "LeBron James", "total": 3},
    ]
    table = courtside(
        "warehouse", "query", "SELECT player FROM playerstotaltweets", home=home, text=True
    ).stdout
    assert "[red]x[/red]" in table
    csv = courtside(
        "warehouse",
        "query",
        "SELECT count(*) AS n FROM playerstotaltweets",
        "-f",
        "csv",
        home=home,
        text=True,
    ).stdout
    assert csv == "n\n2\n"
    refused = courtside(
        "warehouse", "query", "DROP TABLE playerstotaltweets", home=home, ok=False, text=True
    )
    assert refused.returncode == 1 and "read-only" in refused.stderr


def test_load_errors_are_one_line(courtside: Courtside, home: Path) -> None:
    proc = courtside("load", "--mode", "append", home=home, ok=False, text=True)
    assert proc.returncode == 1 and "--mode must be replace-days or truncate" in proc.stderr
    write_day(load_settings(home=home), date(2020, 3, 1), {"LeBron James": 3})
    proc = courtside(
        "load", "--url", "postgresql://u:hunter2@127.0.0.1:1/db", home=home, ok=False, text=True
    )
    assert proc.returncode == 1 and "hunter2" not in proc.stderr + proc.stdout
    assert "cannot reach PostgreSQL postgresql://u@127.0.0.1:1/db" in proc.stderr
    proc = courtside("warehouse", "query", "SELECT 1", home=home, ok=False, text=True)
    assert "run `courtside load` first" in proc.stderr
