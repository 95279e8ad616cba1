"""Entry point to run the detector job on a Flink cluster (``flink run -py``).

The local runner (:mod:`courtside.detect.flink_runner`) collects the job's output into
the courtside home. On a cluster the job reads JSON-lines inputs from any Flink file
system (local, S3, HDFS) and writes each output as JSON lines with a ``FileSink``, which
commits files on checkpoints (exactly once)::

    flink run -py src/courtside/detect/flink_main.py -pyexec /path/to/venv/bin/python \\
        -- --tweets s3://bucket/tweets/ --control s3://bucket/control/ \\
           --out s3://bucket/detect/ --monitor-ms 10000 --allowed "Boston Celtics"

Outputs: ``<out>/alerts/``, ``<out>/late/``, ``<out>/all/``, ``<out>/error/``. To read
Kafka or Kinesis instead of files, build the two sources with the Kafka or Kinesis
connector and pass them to :func:`courtside.detect.flink_job.build_job` (README).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from pyflink.common.serialization import Encoder
from pyflink.common.typeinfo import Types
from pyflink.datastream import DataStream
from pyflink.datastream.connectors.file_system import FileSink, OutputFileConfig, RollingPolicy

from courtside.detect import flink_job
from courtside.detect.config import DetectSettings
from courtside.reference.players import PlayersTable

TAGS = (flink_job.ALERT, flink_job.LATE, flink_job.ALL, flink_job.ERROR)


def add_file_sinks(stream: DataStream, out: str) -> None:
    """Split the tagged output of :func:`~courtside.detect.flink_job.build_job` into one
    JSON-lines ``FileSink`` per tag under ``out``."""
    for tag in TAGS:
        prefix = tag + "\t"
        sink = (
            FileSink.for_row_format(f"{out.rstrip('/')}/{tag}", Encoder.simple_string_encoder())
            .with_output_file_config(
                OutputFileConfig.builder().with_part_prefix(tag).with_part_suffix(".json").build()
            )
            .with_rolling_policy(RollingPolicy.on_checkpoint_rolling_policy())
            .build()
        )
        (
            stream.filter(lambda line, p=prefix: line.startswith(p))
            .name(f"select {tag}")
            .uid(f"select-{tag}")
            .map(lambda line: line.partition("\t")[2], Types.STRING())
            .name(f"untag {tag}")
            .uid(f"untag-{tag}")
            .sink_to(sink)
            .name(f"{tag} sink")
            .uid(f"{tag}-sink")
        )


def main(argv: Sequence[str] | None = None) -> None:
    """Build and run the job from command-line arguments."""
    parser = argparse.ArgumentParser(description="courtside tampering detector (Flink job)")
    parser.add_argument("--tweets", required=True, help="tweets JSON-lines file or folder")
    parser.add_argument("--control", required=True, help="control events file or folder")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--players", type=Path, help="players CSV (default: packaged roster)")
    parser.add_argument("--allowed", action="append", default=[], help="team allowed at start")
    parser.add_argument("--monitor-ms", type=int, help="watch the inputs for new files")
    parser.add_argument("--checkpoint-ms", type=int, default=10_000)
    parser.add_argument("--parallelism", type=int, default=1)
    parser.add_argument("--local", action="store_true", help="use this interpreter for UDFs")
    for name, default in DetectSettings().model_dump().items():
        if name.endswith("_s") or name == "min_count":
            parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    args = parser.parse_args(argv)
    cfg = DetectSettings(
        window_s=args.window_s,
        lateness_s=args.lateness_s,
        out_of_orderness_s=args.out_of_orderness_s,
        idleness_s=args.idleness_s,
        min_count=args.min_count,
    )
    players = PlayersTable.from_csv(args.players) if args.players else PlayersTable.default()
    if args.local:
        env = flink_job.make_env(args.parallelism)
    else:
        from pyflink.datastream import StreamExecutionEnvironment

        env = StreamExecutionEnvironment.get_execution_environment()
        env.set_parallelism(args.parallelism)
    env.enable_checkpointing(args.checkpoint_ms)
    stream = flink_job.file_job(
        env,
        args.tweets,
        args.control,
        cfg,
        players.to_csv_text(),
        args.allowed,
        args.monitor_ms,
    )
    add_file_sinks(stream, args.out)
    env.execute("courtside-detect")


if __name__ == "__main__":
    main()
