"""``courtside deliver``: the delivery stream (Firehose + transform Lambda)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from courtside.cli._common import (
    console,
    err_console,
    print_json,
    progress_bar,
    settings,
    stream_backlog,
    with_options,
)
from courtside.deliver.service import TWEETS
from courtside.deliver.service import deliver as run_delivery

if TYPE_CHECKING:
    from courtside.config import Settings
    from courtside.deliver.service import DeliveryReport


def deliver(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Drain what is on the stream, flush and exit.")
    ] = False,
    buffer_mib: Annotated[float | None, typer.Option(help="Size hint per partition (MiB).")] = None,
    buffer_interval_s: Annotated[
        float | None, typer.Option(help="Interval hint per partition (seconds).")
    ] = None,
    transform: Annotated[
        str | None,
        typer.Option(
            help="User transform 'module:function' (found in the current directory too),"
            " called with the delivered record (a dict), returning Ok(record), Dropped() or"
            " ProcessingFailed(message) from courtside.deliver."
        ),
    ] = None,
    progress_s: Annotated[
        float,
        typer.Option(
            min=0,
            max=86400,
            help="Following the stream: print progress on stderr every this many seconds "
            "(0: never).",
        ),
    ] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Deliver the tweets stream into the lake: raw/, original-data/ (gzip) and errors/.

    Without --once it follows the stream until Ctrl-C or SIGTERM, flushing before exit,
    and prints progress (records, lag, open partitions, files written) as it goes.
    """
    cfg = with_options(
        settings(ctx),
        "deliver",
        {"buffer_mib": buffer_mib, "buffer_interval_s": buffer_interval_s, "transform": transform},
    )
    total = stream_backlog(cfg, "tweets", cfg.deliver.group) if once else 0
    progress = progress_bar(not as_json and once and total >= 10_000)
    ticker = None if once or progress_s <= 0 else _Ticker(cfg, progress_s)
    if ticker is not None:
        err_console.print(
            f"deliver: following the tweets stream (group {cfg.deliver.group}); progress "
            f"every {progress_s:g}s; Ctrl-C or SIGTERM flushes and stops",
            highlight=False,
            markup=False,
        )
    with progress:
        task = progress.add_task("delivering", total=total)
        try:
            report = run_delivery(
                cfg,
                once=once,
                handle_signals=True,
                on_progress=lambda n: progress.advance(task, n),
                on_report=ticker,
            )
        finally:
            if ticker is not None:
                ticker.close()
    if as_json:
        print_json(report.as_dict())
        return
    console.print(
        f"delivered {report.delivered}, failed {report.failed}, dropped {report.dropped} "
        f"of {report.records} records; {report.files} files, {report.bytes_out} bytes "
        f"written; committed up to seq {report.committed_seq}",
        highlight=False,
    )
    for code, n in sorted(report.errors_by_code.items()):
        console.print(f"  errors/{code}: {n}", highlight=False)
    if report.schema_violations:
        console.print(
            f"  {report.schema_violations} record(s) did not match raw schema version "
            f"{report.schema_version} (errors/ has each one's fieldPath)",
            highlight=False,
        )


class _Ticker:
    """Prints a progress line on stderr at most every ``interval_s`` (follow mode)."""

    def __init__(self, cfg: Settings, interval_s: float) -> None:
        from courtside.home import open_stream

        self.interval_s = interval_s
        self.group = cfg.deliver.group
        self.backend = open_stream(cfg)
        self.next_at = time.monotonic() + interval_s

    def __call__(self, report: DeliveryReport) -> None:
        now = time.monotonic()
        if now < self.next_at:
            return
        self.next_at = now + self.interval_s
        behind = max(0, self.backend.last_seq(TWEETS) - report.committed_seq)
        err_console.print(progress_line(report, behind), highlight=False, markup=False)

    def close(self) -> None:
        self.backend.close()


def progress_line(report: DeliveryReport, behind: int) -> str:
    """One line of follow-mode progress."""
    return (
        f"deliver: {report.records:,} records read ({report.delivered:,} delivered, "
        f"{report.failed:,} failed, {report.dropped:,} dropped); {behind:,} behind "
        f"(not yet committed); {report.open_partitions:,} open partitions; "
        f"{report.files:,} files written; committed up to seq {report.committed_seq:,}"
    )


def register(app: typer.Typer) -> None:
    app.command("deliver")(deliver)
