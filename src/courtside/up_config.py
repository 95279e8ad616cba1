"""Configuration of ``courtside up`` (the ``[up]`` section).

It lives apart from :mod:`courtside.supervisor` so that :mod:`courtside.config` does not
import the process supervisor.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from courtside._model import Section

COMPONENTS = ("collect", "deliver", "detect", "notify", "dashboard")
"""The long-running components ``courtside up`` can start (``--only`` accepts these)."""


class UpSettings(Section):
    """What ``courtside up`` runs; the switches mirror the original's Terraform variables.

    Attributes:
        enable_data_collection: Run a collector (``collect``) feeding the tweets stream.
        collector_source: The collector's source: ``x``, ``bluesky`` or ``synthetic``.
        collector_rate: Posts per second of the synthetic collector.
        enable_delivery: Run the delivery stream (``deliver``) into the lake.
        enable_kinesis_data_analytics: Run the tampering detector (``detect``) and the
            notifier (``notify``).
        detect_engine: The detector's engine: ``embedded`` or ``flink`` (a PyFlink
            mini-cluster with checkpoints; its web UI address is shown by ``up`` and
            ``status``).
        notify_channel: The notifier's channel: ``console``, ``email``, ``webhook`` or
            ``sns``.
        enable_glue_etl: The nightly pipeline runs the workflow (dedupe, then crawl).
        enable_step_functions: The nightly pipeline runs the daily job for pending days.
        enable_redshift: The nightly pipeline loads the warehouse.
        enable_quicksight: Run the dashboard.
        dashboard_port: TCP port of the dashboard.
        nightly_interval_s: Seconds between two runs of the nightly pipeline (the first
            runs this long after start-up).
        restart_backoff_max_s: Cap of the exponential wait before restarting a crashed
            component (starts at 1 s).
        stop_grace_s: On Ctrl-C, how long each component may take to flush and exit
            before it is killed.
    """

    enable_data_collection: bool = True
    collector_source: Literal["x", "bluesky", "synthetic"] = "synthetic"
    collector_rate: float = Field(default=20.0, gt=0, le=100_000)
    enable_delivery: bool = True
    enable_kinesis_data_analytics: bool = True
    detect_engine: Literal["embedded", "flink"] = "embedded"
    notify_channel: Literal["console", "email", "webhook", "sns"] = "console"
    enable_glue_etl: bool = True
    enable_step_functions: bool = True
    enable_redshift: bool = True
    enable_quicksight: bool = True
    dashboard_port: int = Field(default=8501, gt=0, lt=65536)
    nightly_interval_s: float = Field(default=3600.0, ge=1, le=7 * 86400)
    restart_backoff_max_s: float = Field(default=30.0, gt=0, le=3600)
    stop_grace_s: float = Field(default=30.0, gt=0, le=3600)
