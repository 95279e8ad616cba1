"""A standalone Spark cluster on 127.0.0.1 for the whole run: one master, one worker.

Both are started from the pyspark wheel (``bin/spark-class``), each in its own process
group so that teardown ends them and every executor they started. The worker is small
(1 core, 1 GiB); the fixture returns once the master's JSON page shows it alive.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from spark_helpers import SparkCluster

_START_TIMEOUT_S = 120.0


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait_s in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkCluster]:
    """A master and a worker on free ports of 127.0.0.1, stopped at the end of the run."""
    from courtside.engines.spark import java_missing_reason

    reason = java_missing_reason()
    if reason:
        pytest.skip(f"Spark cluster tests need Java and pyspark: {reason}")
    import pyspark

    spark_home = Path(pyspark.__file__).parent
    root = tmp_path_factory.mktemp("spark-cluster")
    work_dir = root / "work"
    master_port, master_ui, worker_port, worker_ui = _free_ports(4)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COURTSIDE_")},
        "SPARK_HOME": str(spark_home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(root / "logs"),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }
    spark_class = str(spark_home / "bin" / "spark-class")
    master_url = f"spark://127.0.0.1:{master_port}"
    commands = {
        "master": [
            spark_class, "org.apache.spark.deploy.master.Master",
            "--host", "127.0.0.1", "--port", str(master_port), "--webui-port", str(master_ui),
        ],
        "worker": [
            spark_class, "org.apache.spark.deploy.worker.Worker",
            "--host", "127.0.0.1", "--port", str(worker_port), "--webui-port", str(worker_ui),
            "--cores", "1", "--memory", "1g", "--work-dir", str(work_dir), master_url,
        ],
    }  # fmt: skip
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs = {name: root / f"{name}.log" for name in commands}
    cluster = SparkCluster(master_url, f"http://127.0.0.1:{master_ui}", spark_home, work_dir, env)
    try:
        for name, command in commands.items():
            with logs[name].open("wb") as log:
                procs[name] = subprocess.Popen(  # noqa: S603 - fixed arguments
                    command, stdout=log, stderr=subprocess.STDOUT, env=env,
                    cwd=root, start_new_session=True,
                )  # fmt: skip
        deadline = time.monotonic() + _START_TIMEOUT_S
        while True:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    pytest.fail(f"Spark {name} exited: {logs[name].read_text()[-2000:]}")
            try:
                if int(str(cluster.state().get("aliveworkers", 0))) >= 1:
                    break
            except OSError:
                pass  # the master's web UI is not up yet
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no Spark worker registered within {_START_TIMEOUT_S:.0f} s:\n"
                    + "\n".join(f"{n}: {p.read_text()[-1500:]}" for n, p in logs.items())
                )
            time.sleep(0.5)
        yield cluster
    finally:
        for name in ("worker", "master"):
            if name in procs:
                _stop(procs[name])
