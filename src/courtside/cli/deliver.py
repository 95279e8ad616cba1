"""``courtside deliver``: the delivery stream (Firehose + transform Lambda)."""

from __future__ import annotations

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
from courtside.deliver import deliver as run_delivery


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
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Deliver the tweets stream into the lake: raw/, original-data/ (gzip) and errors/.

    Without --once it follows the stream until Ctrl-C or SIGTERM, flushing before exit.
    """
    cfg = with_options(
        settings(ctx),
        "deliver",
        {"buffer_mib": buffer_mib, "buffer_interval_s": buffer_interval_s, "transform": transform},
    )
    total = stream_backlog(cfg, "tweets", cfg.deliver.group) if once else 0
    progress = progress_bar(not as_json and once and total >= 10_000)
    with progress:
        task = progress.add_task("delivering", total=total)
        report = run_delivery(
            cfg,
            once=once,
            handle_signals=True,
            on_progress=lambda n: progress.advance(task, n),
        )
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


def register(app: typer.Typer) -> None:
    app.command("deliver")(deliver)
