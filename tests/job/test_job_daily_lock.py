"""Executions of one day never overlap: each holds the day's lock (batch/state.job_lock)."""

from __future__ import annotations

import os
import threading
import time

import pytest
from job_helpers import D1, D2, expected_totals, output_totals, sample_posts, write_tweets

from cli_runner_helpers import Courtside
from courtside.batch.errors import JobBusyError
from courtside.batch.state import job_lock
from courtside.config import Settings
from courtside.job.daily import run_day
from courtside.job.output import read_output
from courtside.runs import RunRecorder

DAILY = ("job", "daily")


def test_a_day_being_computed_is_refused_other_days_are_not(settings: Settings) -> None:
    write_tweets(settings, sample_posts())
    with job_lock(settings, f"daily-{D1.isoformat()}"):
        with pytest.raises(JobBusyError, match=f"another daily-{D1} run is in progress \\(pid"):
            run_day(settings, D1)
        assert run_day(settings, D2).status == "succeeded"
    runs = RunRecorder(settings).list(kind="job", name="daily")
    assert [r.params["date"] for r in runs] == [D2.isoformat()]  # the refusal left no run
    assert run_day(settings, D1).status == "succeeded"


def test_a_run_can_wait_for_the_other_execution(settings: Settings) -> None:
    write_tweets(settings, sample_posts())
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with job_lock(settings, f"daily-{D1.isoformat()}"):
            taken.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait(30)
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    assert run_day(settings, D1, lock_wait_s=30).status == "succeeded"
    assert time.monotonic() - started >= 0.4
    thread.join(30)


@pytest.mark.slow
def test_the_command_refuses_in_one_line_and_concurrent_runs_stay_consistent(
    courtside: Courtside,
    settings: Settings,
) -> None:
    posts = sample_posts()
    write_tweets(settings, posts)
    with job_lock(settings, f"daily-{D1.isoformat()}"):
        proc = courtside.start(*DAILY, "--date", D1.isoformat(), home=settings.home)
        _, err = proc.communicate(timeout=300)
    flat = " ".join(line.strip() for line in err.decode().splitlines())
    assert proc.returncode == 1 and "Traceback" not in flat
    assert f"another daily-{D1} run is in progress (pid {os.getpid()} since" in flat
    args = (*DAILY, "--from", D1.isoformat(), "--to", D2.isoformat())
    procs = [courtside.start(*args, home=settings.home) for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 or b"run is in progress" in err, err.decode()[-2000:]
    assert any(p.returncode == 0 for p in procs)
    assert output_totals(read_output(settings.lake)) == expected_totals(posts)
