"""``courtside streams``: inspect, feed and tail the durable local streams."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from courtside.cli._common import console, print_json, settings
from courtside.home import open_stream

streams_app = typer.Typer(
    help="Durable local streams (tweets, control, alerts): lengths, lags, put and tail.",
    invoke_without_command=True,
)


@streams_app.callback()
def show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show each stream's length and each consumer group's lag."""
    if ctx.invoked_subcommand is not None:
        return
    with open_stream(settings(ctx)) as backend:
        streams, groups = backend.streams(), backend.groups()
    if as_json:
        print_json(
            {
                "streams": [s.__dict__ for s in streams],
                "groups": [g.__dict__ for g in groups],
            }
        )
        return
    table = Table("stream", "records", "first seq", "last seq", "bytes", title="streams")
    for s in streams:
        table.add_row(
            s.name, str(s.length), str(s.first_seq or "-"), str(s.last_seq or "-"), str(s.bytes)
        )
    console.print(table)
    gtable = Table("stream", "group", "committed", "lag", "updated", title="consumer groups")
    for g in groups:
        updated = datetime.fromtimestamp(g.updated_ms / 1000, tz=UTC).isoformat(timespec="seconds")
        gtable.add_row(g.stream, g.group, str(g.committed_seq), str(g.lag), updated)
    console.print(gtable)


@streams_app.command("put")
def put(
    ctx: typer.Context,
    stream: Annotated[str, typer.Argument(help="Stream name, e.g. tweets.")],
    file: Annotated[
        Path | None, typer.Argument(help="File with one record per line; '-' or none: stdin.")
    ] = None,
    batch: Annotated[int, typer.Option(help="Records per durable append.")] = 1000,
) -> None:
    """Append each line of FILE byte for byte (no validation: consumers validate)."""
    source = sys.stdin.buffer if file is None or str(file) == "-" else open(file, "rb")  # noqa: SIM115
    count = 0
    with open_stream(settings(ctx)) as backend:
        try:
            pending: list[bytes] = []
            for line in source:
                record = line[:-1] if line.endswith(b"\n") else line
                if record.endswith(b"\r"):
                    record = record[:-1]
                pending.append(record)
                if len(pending) >= batch:
                    backend.append_many(stream, pending)
                    count += len(pending)
                    pending = []
            if pending:
                backend.append_many(stream, pending)
                count += len(pending)
        finally:
            if source is not sys.stdin.buffer:
                source.close()
    console.print(f"appended {count} record(s) to {stream}", highlight=False)


@streams_app.command("tail")
def tail(
    ctx: typer.Context,
    stream: Annotated[str, typer.Argument(help="Stream name.")],
    from_seq: Annotated[
        int | None, typer.Option("--from", help="Start after this sequence number.")
    ] = None,
    last: Annotated[int, typer.Option("--last", "-n", help="Start with the last N records.")] = 10,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep waiting for more.")] = False,
    show_seq: Annotated[
        bool, typer.Option("--seq", help="Prefix each record with its seq.")
    ] = False,
) -> None:
    """Print records of STREAM, one per line, like a console consumer."""
    out = sys.stdout.buffer
    with open_stream(settings(ctx)) as backend:
        after = from_seq if from_seq is not None else max(0, backend.last_seq(stream) - last)
        try:
            while True:
                records = backend.read(stream, after, 1000)
                for rec in records:
                    if show_seq:
                        out.write(f"{rec.seq}\t".encode())
                    out.write(rec.data + b"\n")
                out.flush()
                if records:
                    after = records[-1].seq
                    continue
                if not follow:
                    break
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass


@streams_app.command("trim")
def trim(
    ctx: typer.Context,
    stream: Annotated[str, typer.Argument(help="Stream name.")],
    max_age_hours: Annotated[float | None, typer.Option(help="Delete records older.")] = None,
    max_mib: Annotated[float | None, typer.Option(help="Keep at most this much.")] = None,
) -> None:
    """Apply retention now (by age and/or size)."""
    cfg = settings(ctx)
    age = max_age_hours if max_age_hours is not None else cfg.stream.retention_hours
    mib = max_mib if max_mib is not None else cfg.stream.retention_mib
    with open_stream(cfg) as backend:
        n = backend.trim(
            stream,
            max_age_s=age * 3600 if age else None,
            max_bytes=int(mib * 1024 * 1024) if mib else None,
        )
    console.print(f"trimmed {n} record(s) from {stream}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(streams_app, name="streams")
