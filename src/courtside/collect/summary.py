"""What each figure of a collector run means, for the summary ``courtside collect``
prints (the ``--json`` output keeps the short keys)."""

from __future__ import annotations

from courtside.collect.base import CollectReport

EVENT_LABELS: dict[str, str] = {
    # connections (x, bluesky)
    "connections": "connections opened",
    "reconnects": "reconnects (after a drop or a failed attempt)",
    "disconnects": "connections closed by the server or broken",
    "stalls": "stalled connections (no data or keep-alive in time)",
    "network_errors": "connection attempts that failed (network)",
    # x
    "keepalives": "keep-alive lines",
    "posts": "posts put on the stream",
    "included_posts": "posts from includes.tweets put on the stream",
    "partial_errors": "records that came with partial errors",
    # bluesky
    "identity_events": "identity events (handles learnt)",
    "identity_bad_handles": "identity events with an unusable handle",
    "account_events": "account events (skipped)",
    "other_events": "events of other kinds (skipped)",
    "other_collections": "commits to other collections (skipped)",
    "post_updates": "post updates (skipped)",
    "post_deletes": "post deletes (skipped)",
    "other_ops": "commits with other operations (skipped)",
    "filtered_keywords": "posts without a keyword (skipped)",
    "filtered_langs": "posts in other languages (skipped)",
    # replay
    "files": "files replayed",
    "blank_lines": "blank lines (skipped)",
    # every source
    "stopped_by_signal": "stopped by Ctrl-C or SIGTERM",
}

_PREFIXES: dict[str, str] = {
    "http_": "answers with HTTP status {}",
    "inband_error:": "in-band error objects {}",
}


def describe(key: str) -> str | None:
    """The words for an event counter, or None for a key nobody described."""
    label = EVENT_LABELS.get(key)
    if label is not None:
        return label
    for prefix, template in _PREFIXES.items():
        if key.startswith(prefix) and len(key) > len(prefix):
            return template.format(key[len(prefix) :])
    return None


def summary_lines(report: CollectReport, stream: str) -> list[str]:
    """The run's summary: a headline, then one line per reject reason and counter."""
    lines = [
        f"collected {report.records} record(s) from {report.source} onto {stream} in "
        f"{report.seconds:.1f}s: {report.annotated} annotated, "
        f"{report.rejected_total} rejected"
    ]
    for code, n in sorted(report.rejected.items()):
        lines.append(f"  rejected as {code}: {n}")
    for key, n in sorted(report.events.items()):
        lines.append(f"  {describe(key) or key.replace('_', ' ')}: {n}")
    return lines
