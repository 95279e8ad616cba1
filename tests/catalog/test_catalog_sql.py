"""``courtside sql`` one-shot output (table, CSV, JSON) over catalog tables."""

from __future__ import annotations

import json

import orjson
from typer.testing import CliRunner

from courtside.catalog import crawl
from courtside.cli import app
from courtside.config import Settings
from courtside.lake.layout import write_atomic


def _table(settings: Settings) -> list[str]:
    rows = [
        {"id": "1", "users": [{"username": "a,b"}]},
        {"id": "2", "users": [{"username": "c"}]},
    ]
    write_atomic(
        settings.lake / "tweets/year=2020/month=03/day=01/x.json",
        [orjson.dumps(r) + b"\n" for r in rows],
        durable=False,
    )
    crawl(settings)
    return ["--home", str(settings.home), "sql"]


QUERY = "SELECT id, users[1].username AS who, day FROM twitter_nba_db.tweets ORDER BY id"


def test_sql_one_shot_csv_json_and_table(settings: Settings) -> None:
    cmd = _table(settings)
    runner = CliRunner()
    out = runner.invoke(app, [*cmd, QUERY, "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == ["id,who,day", '1,"a,b",01', "2,c,01"]
    out = runner.invoke(app, [*cmd, QUERY, "--format", "json"])
    assert json.loads(out.output) == [
        {"id": "1", "who": "a,b", "day": "01"},
        {"id": "2", "who": "c", "day": "01"},
    ]
    out = runner.invoke(app, [*cmd, QUERY], env={"COLUMNS": "120"})
    assert "a,b" in out.output and "2 row(s)" in out.output


def test_sql_errors_are_one_line_and_interactive_mode_reads_stdin(settings: Settings) -> None:
    cmd = _table(settings)
    runner = CliRunner()
    out = runner.invoke(app, [*cmd, "SELECT * FROM twitter_nba_db.nope"])
    assert out.exit_code != 0 and "nope" in str(out.exception)
    session = "SELECT count(*) AS n\nFROM twitter_nba_db.tweets;\nSELECT broken;\n.quit\n"
    out = runner.invoke(app, [*cmd, "--format", "csv"], input=session)
    assert out.exit_code == 0, out.output
    assert "n\n2\n" in out.output
    assert (settings.state_dir / "sql_history").exists()
