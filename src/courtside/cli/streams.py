"""``courtside streams``: inspect, feed, tail, trim and administer the durable streams."""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.table import Table
from rich.text import Text

from courtside.cli._common import AsJson, console, print_json, settings
from courtside.errors import ConfigError, StreamError
from courtside.home import open_stream
from courtside.stream.base import GroupInfo, StreamBackend
from courtside.stream.errors import UnknownStreamError

streams_app = typer.Typer(
    help="Durable local streams (tweets, control, alerts): lengths, consumer groups, put, "
    "tail, trim, delete, reset-group.",
    invoke_without_command=True,
)


class PutStoppedError(StreamError):
    """``streams put`` stopped part-way; the message says exactly what was appended."""


def _when(ms: int | None) -> str:
    if not ms:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="seconds")


def group_dict(g: GroupInfo) -> dict[str, object]:
    """A consumer group as JSON: positions, lag, buffered and unread counts, holder."""
    return {**asdict(g), "unread": g.unread}


def group_state(g: GroupInfo) -> str:
    """``active (pid N since ...)`` or ``idle``."""
    return f"active ({g.holder})" if g.active else "idle"


def groups_table(groups: list[GroupInfo], title: str = "consumer groups") -> Table:
    """Every consumer group: what it has read, committed and buffered, and its lag."""
    table = Table(
        "stream", "group", "state", "read", "committed", "buffered", "lag", "last commit",
        title=title,
    )  # fmt: skip
    for g in groups:
        table.add_row(
            Text(g.stream), Text(g.group), Text(group_state(g)), str(g.read_seq),
            str(g.committed_seq), str(g.buffered), str(g.lag), _when(g.updated_ms),
        )  # fmt: skip
    return table


@streams_app.callback()
def show(
    ctx: typer.Context,
    as_json: AsJson = False,
) -> None:
    """Show each stream's length and each consumer group's read, committed and buffered
    positions and lag (buffered: read by the active consumer, not committed yet)."""
    if ctx.invoked_subcommand is not None:
        return
    with open_stream(settings(ctx)) as backend:
        streams, groups = backend.streams(), backend.groups()
    if as_json:
        print_json(
            {"streams": [asdict(s) for s in streams], "groups": [group_dict(g) for g in groups]}
        )
        return
    table = Table("stream", "records", "first seq", "last seq", "bytes", title="streams")
    for s in streams:
        table.add_row(
            s.name, str(s.length), str(s.first_seq or "-"), str(s.last_seq or "-"), str(s.bytes)
        )
    console.print(table)
    console.print(groups_table(groups))


def _require(backend: StreamBackend, stream: str, hint: str = "") -> None:
    if not backend.has_stream(stream):
        raise UnknownStreamError(stream, [s.name for s in backend.streams()], hint=hint)


def _bad(flag: str, message: str) -> ConfigError:
    return ConfigError(f"invalid option {flag}: {message}", key=flag)


def _spans(first_line: int, count: int, seqs: tuple[int, int] | None) -> str:
    if not count or seqs is None:
        return "nothing was appended"
    return (
        f"appended lines {first_line}-{first_line + count - 1} ({count} record(s), "
        f"seq {seqs[0]}-{seqs[1]})"
    )


@streams_app.command("put")
def put(
    ctx: typer.Context,
    stream: Annotated[str, typer.Argument(help="Stream name, e.g. tweets.")],
    file: Annotated[
        Path | None, typer.Argument(help="File with one record per line; '-' or none: stdin.")
    ] = None,
    batch: Annotated[int, typer.Option(help="Records per durable append.")] = 1000,
    create: Annotated[
        bool, typer.Option("--create", help="Create STREAM when it does not exist.")
    ] = False,
) -> None:
    """Append each line of FILE byte for byte (no validation: consumers validate).

    Each batch is appended atomically. If a line cannot be appended (over the record
    size limit) or the store fails, the command stops there and says exactly which lines
    were appended (with their sequence numbers) and where it stopped.
    """
    if batch < 1:
        raise _bad("--batch", f"must be at least 1, got {batch}")
    name = "stdin" if file is None or str(file) == "-" else str(file)
    with open_stream(settings(ctx)) as backend:
        if not backend.has_stream(stream):
            if not create:
                _require(backend, stream, "; add --create to create it")
            backend.create_stream(stream)
        source: IO[bytes] = sys.stdin.buffer if name == "stdin" else open(file, "rb")  # type: ignore[arg-type]  # noqa: SIM115
        try:
            count, seqs, line_no = _put_lines(backend, stream, source, name, batch)
        finally:
            if source is not sys.stdin.buffer:
                source.close()
    where = f", seq {seqs[0]}-{seqs[1]}" if seqs else ""
    console.print(
        f"appended {count} record(s) ({line_no} line(s)) to {stream}{where}", highlight=False
    )


def _put_lines(
    backend: StreamBackend, stream: str, source: IO[bytes], name: str, batch: int
) -> tuple[int, tuple[int, int] | None, int]:
    """Append the lines of ``source``; returns (records, (first, last) seq, lines read).

    Raises:
        PutStoppedError: naming the line where it stopped and exactly what was appended.
    """
    limit = backend.max_record_bytes
    count, line_no, seqs = 0, 0, None
    pending: list[bytes] = []

    def _stop(at_line: int, reason: str) -> None:
        raise PutStoppedError(
            f"stopped at line {at_line} of {name}: {reason}; {_spans(1, count, seqs)} to "
            f"{stream}, nothing from line {at_line} on"
        )

    def flush() -> None:
        nonlocal count, seqs, pending
        if not pending:
            return
        try:
            got = backend.append_many(stream, pending)
        except StreamError as exc:
            _stop(line_no - len(pending) + 1, str(exc))
        seqs = (seqs[0] if seqs else got[0], got[-1])
        count += len(pending)
        pending = []

    for line in source:
        line_no += 1
        record = line[:-1] if line.endswith(b"\n") else line
        if record.endswith(b"\r"):
            record = record[:-1]
        if len(record) > limit:
            flush()
            _stop(
                line_no,
                f"record of {len(record)} bytes exceeds the stream limit of {limit} bytes "
                "(stream.max_record_mib)",
            )
        pending.append(record)
        if len(pending) >= batch:
            flush()
    flush()
    return count, seqs, line_no


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
    if last < 0:
        raise _bad("--last", f"must not be negative, got {last}")
    if from_seq is not None and from_seq < 0:
        raise _bad("--from", f"must not be negative, got {from_seq}")
    out = sys.stdout.buffer
    with open_stream(settings(ctx)) as backend:
        _require(backend, stream)
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


def _bound(value: float | None, flag: str) -> float | None:
    if value is not None and (not math.isfinite(value) or value < 0):
        raise _bad(flag, f"must be a non-negative number, got {value}")
    return value


@streams_app.command("trim")
def trim(
    ctx: typer.Context,
    stream: Annotated[str, typer.Argument(help="Stream name.")],
    max_age_hours: Annotated[
        float | None, typer.Option(help="Delete records older than this (0: all).")
    ] = None,
    max_mib: Annotated[
        float | None, typer.Option(help="Keep at most this much (0: nothing).")
    ] = None,
) -> None:
    """Apply retention now (by age and/or size; default: the configured retention)."""
    cfg = settings(ctx)
    age = _bound(max_age_hours, "--max-age-hours")
    mib = _bound(max_mib, "--max-mib")
    if age is None and mib is None:
        age, mib = cfg.stream.retention_hours, cfg.stream.retention_mib
    if age is None and mib is None:
        raise _bad("--max-age-hours", "no retention is configured: give it or --max-mib")
    with open_stream(cfg) as backend:
        _require(backend, stream)
        n = backend.trim(
            stream,
            max_age_s=age * 3600 if age is not None else None,
            max_bytes=int(mib * 1024 * 1024) if mib is not None else None,
        )
    console.print(f"trimmed {n} record(s) from {stream}", highlight=False)


@streams_app.command("delete")
def delete(
    ctx: typer.Context,
    stream: Annotated[str, typer.Argument(help="Stream name.")],
    yes: Annotated[bool, typer.Option("--yes", help="Really delete.")] = False,
) -> None:
    """Delete STREAM, its records and its consumer groups' positions (refused while one
    of its consumers is active). tweets, control and alerts come back empty; sequence
    numbers continue after the deleted ones."""
    with open_stream(settings(ctx)) as backend:
        _require(backend, stream)
        if not yes:
            length = next(s.length for s in backend.streams() if s.name == stream)
            raise StreamError(
                f"this deletes stream {stream!r} and its {length} record(s): add --yes"
            )
        n = backend.delete_stream(stream)
    console.print(f"deleted stream {stream} ({n} record(s))", highlight=False)


@streams_app.command("reset-group")
def reset_group(
    ctx: typer.Context,
    stream: Annotated[str, typer.Argument(help="Stream name.")],
    group: Annotated[str, typer.Argument(help="Consumer group, e.g. deliver.")],
    to: Annotated[
        str, typer.Option("--to", help="earliest (replay all retained), latest (skip all) or SEQ.")
    ],
) -> None:
    """Move a consumer group's committed position (refused while its consumer is active).

    The embedded detector resumes from its own checkpoint (state/detect-*.db), not from
    its group's position.
    """
    with open_stream(settings(ctx)) as backend:
        _require(backend, stream)
        known = [g for g in backend.groups() if g.stream == stream]
        before = next((g for g in known if g.group == group), None)
        if before is None:
            names = ", ".join(g.group for g in known) or "none"
            raise StreamError(f"no consumer group {group!r} on stream {stream!r} (groups: {names})")
        seq = _target(to, backend.last_seq(stream))
        backend.reset_group(stream, group, seq)
        after = next((g for g in backend.groups() if g.stream == stream and g.group == group), None)
    lag = "unknown" if after is None or after.lag is None else after.lag
    now = after.committed_seq if after is not None else ("latest" if seq is None else seq)
    console.print(
        f"group {group} on {stream}: committed {before.committed_seq} -> {now} (lag now {lag})",
        highlight=False,
    )


def _target(to: str, last: int) -> int | None:
    if to == "earliest":
        return 0
    if to == "latest":
        return None
    if not to.isdigit():
        raise _bad("--to", f"{to[:40]!r} is not earliest, latest or a sequence number")
    seq = int(to)
    if seq > last:
        raise _bad("--to", f"{seq} is after the stream's last seq {last}")
    return seq


def register(app: typer.Typer) -> None:
    app.add_typer(streams_app, name="streams")
