"""``courtside detect --engine flink --print-job``: the same job for a Flink cluster.

:func:`prepare_cluster_job` exports what follows the consumer group's commit on
``tweets`` and ``control`` (one file each, nothing is committed), writes the players
table next to them and returns the ``flink run -py`` command that runs
:mod:`courtside.detect.flink_main` on them. Run the command against a cluster
(``FLINK_CONF_DIR`` or ``-m HOST:PORT`` names it); its output folder then holds the
alerts, side outputs, marks and counts as ``"<tag>\\t<json>"`` lines.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from courtside.config import Settings
from courtside.detect import flink_main
from courtside.detect.flink_env import FlinkPaths, python_path
from courtside.detect.flink_export import CONTROL, TWEETS, StreamExporter
from courtside.detect.report import DetectReport
from courtside.errors import ConfigError
from courtside.home import open_stream
from courtside.reference.players import PlayersTable, load_players

__all__ = ["ClusterJob", "flink_binary", "prepare_cluster_job"]


@dataclass(frozen=True)
class ClusterJob:
    """A prepared cluster run: the command and the folders it reads and writes."""

    command: list[str]
    tweets: Path
    control: Path
    out: Path
    players: Path
    report: DetectReport


def flink_binary() -> Path:
    """The ``flink`` command-line client shipped in the apache-flink wheel.

    Raises:
        ConfigError: when PyFlink is not installed.
    """
    spec = importlib.util.find_spec("pyflink")
    if spec is None or spec.origin is None:
        raise ConfigError("the flink engine needs PyFlink: pip install 'courtside[flink]'")
    return Path(spec.origin).parent / "bin" / "flink"


def prepare_cluster_job(
    settings: Settings,
    *,
    parallelism: int = 0,
    players: PlayersTable | None = None,
    monitor_ms: int | None = None,
) -> ClusterJob:
    """Export the pending records into ``state/flink/<group>/cluster/`` and build the
    ``flink run -py`` command of the same job (module docstring).

    Args:
        settings: Loaded settings (``[detect]``: event-time options, checkpoint interval).
        parallelism: Job parallelism (0: the cluster's default).
        players: The players table (default: the home's).
        monitor_ms: Keep watching the input folders (a never-ending job).
    """
    cfg = settings.detect
    root = FlinkPaths.of(settings).work / "cluster"
    shutil.rmtree(root, ignore_errors=True)
    report = DetectReport(engine="flink")
    with open_stream(settings) as backend:
        unlimited = 2**62  # one file per stream: a bounded source reads files in no order
        exporter = StreamExporter(
            backend, f"{cfg.group}-flink", root / "input", report, max_records=unlimited
        )
        exporter.max_bytes = unlimited
        allowed = exporter.bootstrap(commit=False)
        for stream in (TWEETS, CONTROL):
            exporter.export(stream)
    table = players if players is not None else load_players(settings.home)
    players_csv = root / "players.csv"
    players_csv.write_text(table.to_csv_text(), encoding="utf-8")
    out = root / "output"
    args = [
        "--tweets", str(exporter.directory(TWEETS)),
        "--control", str(exporter.directory(CONTROL)),
        "--out", out.resolve().as_uri(),
        "--players", str(players_csv),
        "--checkpoint-interval-s", str(cfg.flink_checkpoint_interval_s),
        "--execution-mode", cfg.flink_execution_mode,
        "--parallelism", str(parallelism),
    ]  # fmt: skip
    for name in flink_main._EVENT_TIME_OPTIONS:
        args += [f"--{name.replace('_', '-')}", str(getattr(cfg, name))]
    for team in sorted(allowed):
        args += ["--allowed", team]
    if monitor_ms is not None:
        args += ["--monitor-ms", str(monitor_ms)]
    python = sys.executable
    command = [str(flink_binary()), "run", "-py", flink_main.__file__]
    command += ["-pyclientexec", python, "-pyexec", python, "-pypath", python_path(), "--", *args]
    tweets, control = exporter.directory(TWEETS), exporter.directory(CONTROL)
    return ClusterJob(command, tweets, control, out, players_csv, report)
