"""``courtside detect``: tampering detection (the original's Flink application)."""

from __future__ import annotations

import shlex
import shutil
import sys
from enum import StrEnum
from typing import Annotated

import typer

from courtside.cli._common import (
    console,
    print_json,
    progress_bar,
    settings,
    stream_backlog,
    with_options,
)
from courtside.config import Settings
from courtside.errors import ConfigError


class Engine(StrEnum):
    """Detector engines."""

    embedded = "embedded"
    flink = "flink"


def detect(
    ctx: typer.Context,
    engine: Annotated[Engine, typer.Option(help="Event-time engine.")] = Engine.embedded,
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="Process what is on the streams, fire every open window (end of input) and exit.",
        ),
    ] = False,
    window_s: Annotated[float | None, typer.Option(help="Tumbling window (s, default 60).")] = None,
    lateness_s: Annotated[
        float | None, typer.Option(help="Allowed lateness (s, default 30).")
    ] = None,
    out_of_orderness_s: Annotated[
        float | None, typer.Option(help="Watermark out-of-orderness bound (s, default 20).")
    ] = None,
    idleness_s: Annotated[
        float | None, typer.Option(help="Input idleness timeout (s, default 90).")
    ] = None,
    min_count: Annotated[
        int | None, typer.Option(help="Cross-team posts in a window for an alert (default 2).")
    ] = None,
    group: Annotated[str | None, typer.Option(help="Consumer group (default detect).")] = None,
    checkpoint_records: Annotated[
        int | None, typer.Option(help="Embedded: most records between checkpoints.")
    ] = None,
    checkpoint_interval_s: Annotated[
        float | None, typer.Option(help="Embedded: longest time between checkpoints (s).")
    ] = None,
    parallelism: Annotated[int, typer.Option(min=1, help="Flink: job parallelism.")] = 1,
    stop_with_savepoint: Annotated[
        bool,
        typer.Option(
            "--stop-with-savepoint",
            help="Flink, following: Ctrl-C/SIGTERM stop the job with a savepoint (the next "
            "run resumes from it) instead of cancelling it.",
        ),
    ] = False,
    from_savepoint: Annotated[
        str | None,
        typer.Option(
            help="Flink: resume from this savepoint or retained checkpoint folder (default: "
            "the newest checkpoint or the savepoint of the last stop)."
        ),
    ] = None,
    print_job: Annotated[
        bool,
        typer.Option(
            "--print-job",
            help="Flink: export the pending records and print the 'flink run' command that "
            "runs the same job on a Flink cluster, then exit.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Watch the tweets stream for tampering: alerts to the alerts stream, late events and
    evaluated tweets to the lake (flink-late-events/, flink-all-tweets/).

    Without --once it follows the streams until Ctrl-C or SIGTERM (checkpointing first).
    The flink engine serves Flink's web UI on 127.0.0.1 ([detect] flink_rest_port; the
    address is in state/flink.json) and resumes from its last checkpoint.
    """
    flink_only = {
        "--stop-with-savepoint": stop_with_savepoint,
        "--from-savepoint": from_savepoint is not None,
        "--print-job": print_job,
    }
    for flag, given in flink_only.items():
        if given and engine is not Engine.flink:
            raise ConfigError(f"{flag} needs --engine flink")
    if stop_with_savepoint and once:
        raise ConfigError("--stop-with-savepoint stops a following job; --once drains instead")
    cfg = with_options(
        settings(ctx),
        "detect",
        {
            "window_s": window_s,
            "lateness_s": lateness_s,
            "out_of_orderness_s": out_of_orderness_s,
            "idleness_s": idleness_s,
            "min_count": min_count,
            "group": group,
            "checkpoint_records": checkpoint_records,
            "checkpoint_interval_s": checkpoint_interval_s,
        },
    )
    savepoint = None
    if engine is Engine.flink:
        _check_flink()
        if print_job:
            _print_job(cfg, parallelism, as_json)
            return
        from courtside.detect.flink_env import FlinkPaths, read_json, valid_restore_path
        from courtside.detect.flink_runner import run_flink

        restore = valid_restore_path(from_savepoint) if from_savepoint else None
        report = run_flink(
            cfg,
            once=once,
            parallelism=parallelism,
            from_savepoint=restore,
            stop_with_savepoint=stop_with_savepoint,
            handle_signals=True,
        )
        if stop_with_savepoint:
            savepoint = (read_json(FlinkPaths.of(cfg).state_file) or {}).get("savepoint")
    else:
        from courtside.detect.embedded import run_embedded

        total = stream_backlog(cfg, "tweets", cfg.detect.group) if once else 0
        progress = progress_bar(not as_json and once and total >= 50_000)
        with progress:
            task = progress.add_task("detecting", total=total)
            report = run_embedded(
                cfg,
                once=once,
                handle_signals=True,
                on_progress=lambda n: progress.advance(task, n),
            )
    if as_json:
        print_json(report.as_dict() | ({"savepoint": savepoint} if savepoint else {}))
        return
    console.print(
        f"{report.engine}: {report.tweets} tweets, {report.evaluated} evaluated, "
        f"{report.alerts} alerts, {report.updates} updates, {report.late} late, "
        f"{report.allowed_skipped} of allowed teams, {report.skipped} not about players, "
        f"{report.errors} bad; "
        f"watermark {report.watermark or '-'}; tweets seq {report.tweets_seq}",
        highlight=False,
    )
    for code, n in sorted((report.skipped_by_reason | report.errors_by_code).items()):
        console.print(f"  {code}: {n}", highlight=False)
    if savepoint:
        console.print(f"savepoint: {savepoint}", highlight=False)


def _check_flink() -> None:
    try:
        import pyflink  # noqa: F401
    except ImportError:
        raise ConfigError(
            "the flink engine needs PyFlink: pip install 'courtside[flink]' (and Java 17)"
        ) from None
    if shutil.which("java") is None:
        raise ConfigError("the flink engine needs Java 17: no 'java' on PATH")


def _print_job(cfg: Settings, parallelism: int, as_json: bool) -> None:
    from courtside.detect.flink_submit import prepare_cluster_job

    job = prepare_cluster_job(cfg, parallelism=parallelism)
    if as_json:
        print_json({"command": job.command, "out": str(job.out), "report": job.report.as_dict()})
        return
    sys.stdout.write(shlex.join(job.command) + "\n")


def register(app: typer.Typer) -> None:
    app.command("detect")(detect)
