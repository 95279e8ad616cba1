"""``courtside job daily`` / ``job history`` as a user runs them."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from job_helpers import expected_totals, sample_posts, write_tweets

from cli_runner_helpers import Courtside
from courtside.config import load_settings


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2022-02-30"], "--date 2022-02-30 is not a real date"),
        (["--date", "2022'; DROP TABLE x; --"], "--date must be a date like 2020-03-01"),
        (["--year", "2022'; DROP TABLE x; --", "--month", "1", "--day", "1"], "--year must be"),
        (["--date", "2020-03-01", "--pending"], "choose one of"),
        (["--from", "2020-03-01"], "--from and --to go together"),
        (["--date", "2020-03-01", "--engine", "hive"], "--engine must be duckdb or spark"),
    ],
)
def test_bad_parameters_are_one_clear_line(
    courtside: Courtside, home: Path, args: list[str], message: str
) -> None:
    run = functools.partial(courtside, home=home, text=True)
    proc = run("job", "daily", *args, ok=False)
    assert proc.returncode == 1
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not (home / "state" / "runs.db").exists() or "DROP" not in (
        home / "state" / "runs.db"
    ).read_bytes().decode("latin-1")


def test_missing_tweets_table_names_the_workflow(courtside: Courtside, home: Path) -> None:
    run = functools.partial(courtside, home=home, text=True)
    proc = run("job", "daily", "--date", "2020-03-01", ok=False)
    assert proc.returncode == 1
    assert "run `courtside etl workflow` first" in " ".join(proc.stderr.split())


def test_daily_pending_then_history(courtside: Courtside, home: Path) -> None:
    run = functools.partial(courtside, home=home, text=True)
    posts = sample_posts()
    write_tweets(load_settings(home=home), posts)
    out = json.loads(run("job", "daily", "--pending", "--json").stdout)
    assert [r["day"] for r in out["results"]] == ["2020-03-01", "2020-03-02"]
    assert sum(r["rows"] for r in out["results"]) == len(expected_totals(posts))
    assert "no pending day" in run("job", "daily", "--pending").stdout
    ranged = json.loads(
        run("job", "daily", "--from", "2020-03-02", "--to", "2020-03-03", "--json").stdout
    )
    assert [r["status"] for r in ranged["results"]] == ["succeeded", "succeeded"]
    history = json.loads(run("job", "history", "--json", "-n", "10").stdout)
    assert len(history) == 4
    assert [t["state"] for t in history[-1]["transitions"]] == [
        "StartEngine",
        "GetTable",
        "CreateTable",
        "RunQuery",
        "GetSentimentTable",
        "CreateSentimentTable",
        "RunSentimentQuery",
        "StopEngine",
        "Succeed",
    ]
    table = run("job", "history", "--date", "2020-03-03").stdout
    assert "2020-03-03" in table and "2020-03-01" not in table
