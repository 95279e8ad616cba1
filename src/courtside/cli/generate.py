"""``courtside generate``: the original's data-gen script."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from courtside.cli._common import console, print_json, progress_bar, settings
from courtside.errors import ConfigError
from courtside.generate import MALFORMED_KINDS, Generator, GeneratorConfig
from courtside.home import open_stream
from courtside.reference.players import load_players

_BATCH = 2000


def _parse_start(value: str | None, span_s: float) -> datetime:
    if value is None:
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return today - timedelta(seconds=span_s)
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--start must be an ISO-8601 date or time, got {value!r}") from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def generate(
    ctx: typer.Context,
    count: Annotated[int, typer.Option("--count", "-n", min=0, help="Records to emit.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same records).")] = 42,
    rate: Annotated[
        float, typer.Option(min=0, help="Records per second; 0 means as fast as possible.")
    ] = 0.0,
    start: Annotated[
        str | None,
        typer.Option(
            help="Event time of the first record, ISO-8601 UTC "
            "(default: midnight UTC today minus the span)."
        ),
    ] = None,
    span_h: Annotated[float, typer.Option(min=0.001, help="Hours of event time covered.")] = 24.0,
    duplicates: Annotated[float, typer.Option(min=0, max=1, help="Share re-delivered.")] = 0.0,
    out_of_order: Annotated[
        float, typer.Option(min=0, max=1, help="Share moved back 1-15 s.")
    ] = 0.0,
    late: Annotated[float, typer.Option(min=0, max=1, help="Share moved back 2-10 min.")] = 0.0,
    malformed: Annotated[
        float,
        typer.Option(min=0, max=1, help=f"Share broken ({', '.join(MALFORMED_KINDS)})."),
    ] = 0.0,
    tampering: Annotated[int, typer.Option(min=0, help="Tampering scenarios to include.")] = 0,
    legacy: Annotated[
        bool, typer.Option(help="Emit the original shape (data array + event_time ms).")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write JSONL here ('-' for stdout) instead of the tweets stream."
        ),
    ] = None,
    stream: Annotated[str, typer.Option(help="Target stream.")] = "tweets",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Generate realistic posts in the X API v2 filtered-stream shape."""
    cfg = settings(ctx)
    span_s = span_h * 3600
    config = GeneratorConfig(
        seed=seed,
        count=count,
        start=_parse_start(start, span_s),
        span_s=span_s,
        duplicate_rate=duplicates,
        out_of_order_rate=out_of_order,
        late_rate=late,
        malformed_rate=malformed,
        tampering=tampering,
        legacy=legacy,
    )
    gen = Generator(config, load_players(cfg.home))
    to_stdout = out is not None and str(out) == "-"
    sink = None if out is None else (sys.stdout.buffer if to_stdout else open(out, "wb"))  # noqa: SIM115
    backend = open_stream(cfg) if out is None else None
    started = time.monotonic()
    show = not to_stdout and count >= 10_000 and not as_json
    progress = progress_bar(show)
    try:
        with progress:
            task = progress.add_task("generating", total=count)
            batch: list[bytes] = []
            for i, record in enumerate(gen, 1):
                if sink is not None:
                    # A record with a newline inside would split; JSON from orjson has none.
                    sink.write(record + b"\n")
                else:
                    batch.append(record)
                    if len(batch) >= _BATCH or rate:
                        assert backend is not None
                        backend.append_many(stream, batch)
                        batch = []
                if rate:
                    delay = started + i / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                if i % 1000 == 0:
                    progress.update(task, completed=i)
            if batch and backend is not None:
                backend.append_many(stream, batch)
    finally:
        if sink is not None and not to_stdout:
            sink.close()
        if backend is not None:
            backend.close()
    elapsed = time.monotonic() - started
    summary = {
        "records": gen.emitted,
        "target": str(out) if out else f"stream:{stream}",
        "seconds": round(elapsed, 3),
        **gen.stats,
    }
    if as_json:
        print_json(summary)
    elif not to_stdout:
        console.print(
            f"generated {gen.emitted} records into {summary['target']} in {elapsed:.1f}s "
            f"({gen.stats['duplicates']} duplicates, {gen.stats['malformed']} malformed, "
            f"{gen.stats['late']} late, {gen.stats['tampering_posts']} tampering posts)",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
