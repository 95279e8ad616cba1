"""``courtside runs``: the run history of jobs, crawlers and workflows."""

from __future__ import annotations

import socket
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from courtside._process import pid_alive
from courtside.cli._common import AsJson, console, print_json, settings
from courtside.errors import ConfigError

RUN_KINDS = ("job", "crawler", "workflow", "pipeline", "step", "load", "profile", "quality")
"""The kinds of run the jobs record (``runs --kind`` accepts only these; ``profile`` and
``quality`` are recorded by the profile job and the quality checks)."""

_STYLE = {
    "succeeded": "green",
    "succeeded_with_rejects": "yellow",
    "failed": "bold red",
    "running": "yellow",
    "skipped": "dim",
}


def _abandoned(pid: int | None, host: str | None) -> bool:
    """A run still marked running whose process is gone (killed)."""
    if pid is None or host != socket.gethostname():
        return False
    return not pid_alive(pid)


_KEY_COUNTS = (
    "rows_rejected",
    "files_quarantined",
    "rows_out",
    "files_processed",
    "files_missing",
    "partitions_written",
    "partitions_added",
    "partitions_removed",
)
# Always shown when non-zero, whatever else there is: input that was left out.
_REJECT_COUNTS = ("rows_rejected", "files_quarantined")


def _summary(counts: dict[str, int]) -> str:
    """The few counts that matter most, non-zero only (``--json`` has them all); rows
    rejected and files quarantined come first."""
    keys = [k for k in _KEY_COUNTS if counts.get(k)] or [k for k, v in counts.items() if v]
    keys = [k for k in keys if k in _REJECT_COUNTS] + [k for k in keys if k not in _REJECT_COUNTS]
    shown = max(4, sum(1 for k in keys if k in _REJECT_COUNTS) + 2)
    return " ".join(f"{k}={counts[k]}" for k in keys[:shown])


def _rejects_note(details: dict[str, object]) -> str:
    """Where a run's rejected rows and quarantined files went."""
    notes = []
    rejected = details.get("rejected")
    if isinstance(rejected, dict) and rejected:
        notes.append(
            f"rejected rows in errors/.../error=dedupe-rejected/ ({len(rejected)} file(s))"
        )
    quarantined = details.get("quarantined")
    if isinstance(quarantined, dict) and quarantined:
        notes.append(f"{len(quarantined)} file(s) in quarantine/")
    return "; ".join(notes)


def runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show the last N runs.")] = 20,
    kind: Annotated[
        str | None, typer.Option(help="Only this kind: " + ", ".join(RUN_KINDS) + ".")
    ] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only failed runs.")] = False,
    rejects: Annotated[
        bool,
        typer.Option("--rejects", help="Only runs that succeeded with rejected input."),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """List recent runs, newest first; workflow steps are shown under their workflow.

    A run that left input out (bad rows sent to errors/, unreadable files quarantined)
    shows as succeeded_with_rejects with its rows_rejected / files_quarantined counts.
    """
    from courtside.runs import RunRecord, RunRecorder

    if kind is not None and kind not in RUN_KINDS:
        raise ConfigError(
            f"--kind {kind[:40]!r} is not a kind of run; choose from " + ", ".join(RUN_KINDS)
        )
    recorder = RunRecorder(settings(ctx))
    status = "failed" if failed else ("succeeded_with_rejects" if rejects else None)
    records = recorder.list(limit=limit, kind=kind, status=status)
    if as_json:
        print_json([r.as_dict() for r in records])
        return
    listed = {r.id for r in records}
    children: dict[str, list[RunRecord]] = {}
    for r in records:
        if r.parent_id is not None and r.parent_id in listed:
            children.setdefault(r.parent_id, []).append(r)
    table = Table()
    table.add_column("run", no_wrap=True)
    table.add_column("kind / name", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("started (UTC)", no_wrap=True)
    table.add_column("s", justify="right", no_wrap=True)
    table.add_column("counts", overflow="fold", min_width=24)
    table.add_column("error", overflow="fold")

    def add(r: RunRecord, indent: str = "") -> None:
        status = r.status
        if status == "running" and _abandoned(r.pid, r.host):
            status = "abandoned"
        style = _STYLE.get(status, "red")
        counts = _summary(r.counts)
        error = r.error or r.details.get("skipped", "")
        if not error and status == "succeeded_with_rejects":
            error = _rejects_note(r.details)
        table.add_row(
            indent + r.id,
            escape(f"{r.kind} {r.name}"),
            f"[{style}]{status.upper() if status == 'failed' else status}[/{style}]",
            r.started_at.strftime("%m-%d %H:%M:%S"),
            f"{r.duration_s:.1f}" if r.duration_s is not None else "-",
            escape(counts),
            f"[red]{escape(error)}[/red]" if status == "failed" else escape(str(error)),
        )
        for child in sorted(children.get(r.id, []), key=lambda c: c.started_at):
            add(child, indent + "  └ ")

    for r in records:
        if r.parent_id not in listed:
            add(r)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("runs")(runs)
