"""The pipeline health section's parts: last runs, streams and consumer groups, lake
zones, error output. Each part is guarded on its own: a corrupt run record store or an
unreadable error file shows as an error in its place and hides nothing else."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from courtside.config import Settings
from courtside.dashboard import data
from courtside.dashboard.widgets import guarded, table

__all__ = ["errors_part", "lake_part", "runs_part", "streams_part"]


@guarded("Last runs")
def runs_part(settings: Settings) -> None:
    """The latest run of each job."""
    st.subheader("Last runs")
    runs = data.last_runs(settings)
    table(
        [
            {
                "job": f"{r.kind}/{r.name}",
                "status": r.status,
                "started": r.started_at,
                "seconds": f"{r.duration_s:.1f}" if r.duration_s is not None else "running",
                "counts": r.counts,
                "error": r.error,
                "failed/runs": f"{r.failed}/{r.runs}",
            }
            for r in runs
        ],
        key="runs",
    )


@guarded("Streams")
def streams_part(settings: Settings) -> None:
    """Stream lengths; each consumer group's committed, lag, read and buffered."""
    st.subheader("Streams")
    streams, groups = data.stream_health(settings)
    table(
        [
            {
                "stream": s.name,
                "records": s.length,
                "last seq": s.last_seq or 0,
                "MiB": "-" if s.bytes is None else f"{s.bytes / 2**20:.2f}",
            }
            for s in streams
        ],
        key="streams",
    )
    table(
        [
            {
                "stream": g.stream,
                "consumer group": g.group,
                "committed": g.committed_seq,
                "lag": g.lag,
                "read": g.read_seq,
                "buffered": g.buffered,
                "state": "active" if g.active else "idle",
            }
            for g in groups
        ]
        or [{"consumer group": "none yet"}],
        key="groups",
    )


@guarded("Lake")
def lake_part(zones: Callable[[], list[data.ZoneSize]]) -> None:
    """Files, partitions and size per lake zone."""
    st.subheader("Lake")
    found = zones()
    table(
        [
            {
                "zone": z.zone,
                "files": z.files,
                "partitions": z.partitions,
                "MiB": f"{z.bytes / 2**20:.3f}",
                "newest file": z.newest,
            }
            for z in found
        ],
        key="lake",
    )


@guarded("Error output")
def errors_part(summary: Callable[[], data.ErrorSummary]) -> None:
    """Records in errors/: per error code, and the latest ones."""
    st.subheader("Error output")
    errors = summary()
    st.metric("records in errors/", errors.total)
    if errors.total:
        left, right = st.columns([1, 3])
        with left:
            table([{"error code": c, "records": n} for c, n in errors.by_code], key="error-codes")
        with right:
            table(
                [{"arrived": t, "error code": c, "message": m} for t, c, m in errors.latest],
                key="error-latest",
            )
