"""``courtside demo``: a bounded run of the pipeline for a first-time user.

Steps run in order; each is skipped with a note when its stage is not installed, so the
demo always shows what this build can do. Figures come from the steps' own reports.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from courtside.config import Settings
from courtside.deliver.service import deliver
from courtside.generate import Generator, GeneratorConfig
from courtside.home import init_home, open_stream
from courtside.lake.layout import ZONES
from courtside.reference.players import load_players


@dataclass
class DemoReport:
    """What the demo did: one entry per step, plus the lake's record counts per zone."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    zones: dict[str, dict[str, int]] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    top_players: list[tuple[str, int]] = field(default_factory=list)
    seconds: float = 0.0


def _zone_counts(settings: Settings) -> dict[str, dict[str, int]]:
    import gzip

    lake = settings.places.lake
    out: dict[str, dict[str, int]] = {}
    # The standard zones first, then every other table the run wrote (the sentiment
    # table, profiles, the detector's errors...).
    for zone in list(ZONES) + [z for z in lake.list_folders() if z not in ZONES]:
        objects = lake.list_objects(zone)
        records = 0
        for obj in objects:
            if obj.name.endswith(".gz"):
                records += gzip.decompress(lake.read_bytes(obj.key)).count(b"\n")
            elif obj.name.endswith(".parquet"):
                import pyarrow.parquet as pq

                with lake.open(obj.key) as fh:
                    records += pq.ParquetFile(fh).metadata.num_rows
            elif obj.name.endswith((".json", ".jsonl")):
                records += lake.read_bytes(obj.key).count(b"\n")
        out[zone] = {
            "files": len(objects),
            "records": records,
            "bytes": sum(o.size for o in objects),
        }
    return out


def run_demo(
    settings: Settings,
    *,
    posts: int = 50_000,
    days: int = 3,
    seed: int = 42,
    say: Callable[[str], None] = lambda _: None,
    notify_channel: str | None = None,
) -> DemoReport:
    """Generate ``posts`` over ``days`` days and run every available stage on them (and,
    with ``notify_channel``, send the alerts through that channel once each)."""
    started = time.monotonic()
    report = DemoReport()
    init_home(settings)
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    config = GeneratorConfig(
        seed=seed,
        count=posts,
        start=end - timedelta(days=days),
        span_s=days * 86_400,
        duplicate_rate=0.05,
        out_of_order_rate=0.05,
        late_rate=0.005,
        malformed_rate=0.002,
        tampering=max(3, posts // 5_000),
    )
    gen = Generator(config, load_players(settings.home))
    say(f"generating {posts:,} posts over {days} days into the tweets stream")
    with open_stream(settings) as backend:
        batch: list[bytes] = []
        for record in gen:
            batch.append(record)
            if len(batch) == 5_000:
                backend.append_many("tweets", batch)
                batch = []
        if batch:
            backend.append_many("tweets", batch)
    report.steps.append({"step": "generate", "records": gen.emitted, **gen.stats})

    say("delivering the stream into the lake (raw/, original-data/, errors/)")
    delivery = deliver(settings, once=True)
    report.steps.append({"step": "deliver", **delivery.as_dict()})

    say("detecting tampering on the stream (embedded event-time engine, --once)")
    from courtside.detect.embedded import run_embedded

    # Bad records are counted in the report; the demo does not log each one.
    detect_log = logging.getLogger("courtside.detect")
    level = detect_log.level
    detect_log.setLevel(logging.ERROR)
    try:
        detection = run_embedded(settings, once=True)
    finally:
        detect_log.setLevel(level)
    report.steps.append({"step": "detect", **detection.as_dict()})
    with open_stream(settings) as backend:
        alerts = {}
        for rec in backend.read("alerts", 0, 100_000):
            alert = json.loads(rec.data)
            alerts[alert.get("alert_id", rec.seq)] = alert  # an update replaces its alert
    report.alerts = list(alerts.values())
    if notify_channel is not None:
        from courtside.notify.service import run_notifier

        say(f"sending each alert once through the {notify_channel} channel")
        notified = run_notifier(settings, notify_channel, once=True)
        report.steps.append({"step": "notify", **notified.as_dict()})

    say("running the nightly pipeline: dedupe -> crawl -> daily job per day -> load")
    from courtside.pipeline import run_nightly

    nightly = run_nightly(settings)
    report.steps.append({"step": "nightly", **nightly.as_dict()})
    from courtside.warehouse.loader import open_warehouse

    with open_warehouse(settings) as warehouse:
        result = warehouse.query(
            "SELECT player, sum(total) AS total FROM playerstotaltweets "
            "GROUP BY player ORDER BY total DESC, player LIMIT 10"
        )
        report.top_players = [(str(r[0]), int(r[1])) for r in result.rows]

    report.zones = _zone_counts(settings)
    report.seconds = time.monotonic() - started
    return report
