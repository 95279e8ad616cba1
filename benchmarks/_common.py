"""Shared helpers for the benchmark scripts (they print figures; they are not tests)."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
from pathlib import Path


def machine() -> str:
    """One line describing the machine the figures come from."""
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
        f"{mem_gib:.0f} GiB, Python {platform.python_version()}"
    )


#: CPU seconds (user + system) of the last :func:`run_cli` child: unlike its wall time,
#: not stretched when other work on a shared machine takes the core it is pinned to.
last_cpu_s = 0.0


def run_cli(home: Path, *args: str, one_core: bool = True) -> tuple[float, float, str]:
    """Run ``courtside --home HOME ARGS`` in a child; return (seconds, peak RSS MiB, stdout).

    The child's peak RSS comes from getrusage(RUSAGE_CHILDREN) around this one child.
    """
    import time

    cmd = [
        sys.executable,
        "-c",
        "from courtside.cli import main; main()",
        "--home",
        str(home),
        *args,
    ]
    if one_core and sys.platform.startswith("linux"):
        cmd = ["taskset", "-c", "0", *cmd]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    global last_cpu_s
    last_cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr.decode()}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kib / 1024, proc.stdout.decode()


def rss_mib() -> float:
    """This process's peak RSS so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
