"""The ``spark-submit`` entry point: a courtside command as a Spark application.

Submit this file with a courtside command line; the command runs in the driver that
``spark-submit`` started, and every Spark job of it (dedupe, the daily job, ``sql``) uses
the session of that driver, so ``--master`` (and ``--conf``, ``--executor-memory``, ...)
decide where the executors run::

    spark-submit --master spark://host:7077 "$(python -m courtside.engines.submit --path)" \\
        pipeline nightly --engine spark --home /data/courtside-home

Commands that run several jobs (``pipeline nightly``, ``etl workflow``, ``job daily``
over a range) share one application: the jobs do not stop a session ``spark-submit``
owns. courtside must be installed in the Python that runs the driver (and, for jobs
with Python code on the executors, in ``spark.pyspark.python`` of the workers). In
client mode the driver reads and writes the lake too: the lake path must mean the same
folder on the driver and the workers (one machine, a shared file system, or an object
store).

The command must say ``--engine spark``: a DuckDB job would run in the driver alone.
Run as ``python -m courtside.engines.submit ...`` (no ``spark-submit``), the same command
uses the ``[spark]`` master instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["main"]

_USAGE = (
    "usage: spark-submit [options] submit.py <courtside command> --engine spark [options]\n"
    "       python -m courtside.engines.submit --path   (prints this file's path)"
)


def _engine(args: list[str]) -> str | None:
    for i, arg in enumerate(args):
        if arg == "--engine" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--engine="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the courtside command in ``argv`` (default: the process's arguments).

    Returns:
        2 for a command line without ``--engine spark``, else exits as the CLI does.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--path"]:
        print(Path(__file__).resolve())  # noqa: T201
        return 0
    if _engine(args) != "spark":
        print(f"courtside: the command must run with --engine spark\n{_USAGE}", file=sys.stderr)  # noqa: T201
        return 2
    from courtside.cli import main as cli

    sys.argv = ["courtside", *args]
    cli()
    return 0


if __name__ == "__main__":
    sys.exit(main())
