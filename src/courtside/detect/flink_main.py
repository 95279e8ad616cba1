"""Entry point to run the detector job on a Flink cluster (``flink run -py``).

The same job as the local runner (:func:`courtside.detect.flink_job.file_job`): inputs
are two folders of JSON-lines files on any Flink file system (local, S3, HDFS), read once
or, with ``--monitor-ms``, continuously; the output is one folder of ``"<tag>\\t<json>"``
lines (tags ``alert``, ``late``, ``all``, ``error``, ``mark``, ``counts``) written by a
``FileSink`` that commits part files with checkpoints. ``courtside detect --engine flink
--print-job`` exports the streams of a home and prints the whole command, e.g.::

    flink run -py .../courtside/detect/flink_main.py -pyexec VENV/bin/python \\
        -pyclientexec VENV/bin/python -pypath SRC:VENV/site-packages \\
        -- --tweets DIR --control DIR --out DIR --players players.csv

To read Kafka or Kinesis instead of files, build the two sources with those connectors
and pass them to :func:`courtside.detect.flink_job.build_job` (README).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from courtside.detect.config import DetectSettings
from courtside.reference.players import PlayersTable

_EVENT_TIME_OPTIONS = ("window_s", "lateness_s", "out_of_orderness_s", "idleness_s", "min_count")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The job's command-line arguments."""
    parser = argparse.ArgumentParser(description="courtside tampering detector (Flink job)")
    parser.add_argument("--tweets", required=True, help="folder of tweets JSON-lines files")
    parser.add_argument("--control", required=True, help="folder of control-event files")
    parser.add_argument("--out", required=True, help="output folder (FileSink)")
    parser.add_argument("--players", type=Path, help="players CSV (default: packaged roster)")
    parser.add_argument("--allowed", action="append", default=[], help="team allowed at start")
    parser.add_argument("--monitor-ms", type=int, help="keep watching the inputs for new files")
    parser.add_argument("--checkpoint-interval-s", type=float, default=10.0)
    parser.add_argument("--execution-mode", choices=("thread", "process"), default="thread")
    parser.add_argument("--parallelism", type=int, default=0, help="0: the cluster's default")
    defaults = DetectSettings()
    for name in _EVENT_TIME_OPTIONS:
        value = getattr(defaults, name)
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Build the job from command-line arguments and run it on the current cluster."""
    from pyflink.common import Configuration
    from pyflink.datastream import StreamExecutionEnvironment

    from courtside.detect import flink_job

    args = parse_args(argv)
    cfg = DetectSettings(**{name: getattr(args, name) for name in _EVENT_TIME_OPTIONS})
    players = PlayersTable.from_csv(args.players) if args.players else PlayersTable.default()
    conf = Configuration()
    conf.set_string("python.execution-mode", args.execution_mode)
    interval_ms = int(args.checkpoint_interval_s * 1000)
    conf.set_string("execution.checkpointing.interval", f"{interval_ms} ms")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    if args.parallelism:
        env.set_parallelism(args.parallelism)
    stream = flink_job.file_job(
        env,
        args.tweets,
        args.control,
        cfg,
        players.to_csv_text(),
        args.allowed,
        args.monitor_ms,
    )
    flink_job.output_sink(stream, args.out)
    env.execute("courtside-detect")


if __name__ == "__main__":
    main()
