"""``courtside up``: run the whole system as supervised processes.

Each component is one ``courtside`` command in its own process with its log under
``<home>/logs/``. A component that exits unexpectedly is restarted with exponential
backoff (reset once it has run for a while). The nightly pipeline runs on a fixed
interval. On SIGINT/SIGTERM producers stop first, then consumers get SIGTERM so they
flush their buffers and commit, then anything left after the grace period is killed.
The supervisor writes its state to ``<home>/state/up.json`` for ``courtside status``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from courtside._process import pid_alive
from courtside.up_config import COMPONENTS, UpSettings

log = logging.getLogger(__name__)

__all__ = [
    "COMPONENTS",
    "Component",
    "Supervisor",
    "UpSettings",
    "components_for",
    "nightly_args",
    "pid_alive",
    "read_state",
]


@dataclass
class Component:
    """One supervised command."""

    name: str
    args: list[str]
    producer: bool = False
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0
    next_start: float = 0.0
    backoff_s: float = 1.0
    log_file: IO[bytes] | None = field(default=None, repr=False)


def flink_job_state(home: Path) -> dict[str, Any] | None:
    """``<home>/state/flink.json``, the Flink detector's running job (web UI address, job
    id, status), or ``None`` when there is none or it cannot be read."""
    try:
        doc = json.loads((home / "state" / "flink.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def components_for(up: UpSettings, only: Collection[str] | None = None) -> list[Component]:
    """The long-running components that ``up`` starts, in start order.

    Args:
        up: The ``[up]`` switches.
        only: Exactly these components (names from :data:`COMPONENTS`), whatever the
            switches say; None: those the switches enable.
    """

    def wanted(name: str, switch: bool) -> bool:
        return name in only if only is not None else switch

    out: list[Component] = []
    if wanted("deliver", up.enable_delivery):
        out.append(Component("deliver", ["deliver"]))
    if wanted("detect", up.enable_kinesis_data_analytics):
        engine = ["--engine", "flink"] if up.detect_engine == "flink" else []
        out.append(Component("detect", ["detect", *engine]))
    if wanted("notify", up.enable_kinesis_data_analytics):
        out.append(Component("notify", ["notify", "--channel", up.notify_channel]))
    if wanted("dashboard", up.enable_quicksight):
        out.append(Component("dashboard", ["dashboard", "--port", str(up.dashboard_port)]))
    if wanted("collect", up.enable_data_collection):
        args = ["collect", "--source", up.collector_source]
        if up.collector_source == "synthetic":
            args += ["--rate", str(up.collector_rate)]
        out.append(Component("collect", args, producer=True))
    return out


def nightly_args(up: UpSettings) -> list[str] | None:
    """The nightly pipeline command, or None when every batch stage is switched off."""
    if not (up.enable_glue_etl or up.enable_step_functions or up.enable_redshift):
        return None
    args = ["pipeline", "nightly"]
    if not up.enable_glue_etl:
        args.append("--skip-workflow")
    if not up.enable_step_functions:
        args.append("--skip-daily")
    if not up.enable_redshift:
        args.append("--skip-load")
    return args


class Supervisor:
    """Starts, watches, restarts and stops the components."""

    def __init__(
        self,
        home: Path,
        up: UpSettings,
        components: list[Component],
        nightly: list[str] | None,
        *,
        base_cmd: list[str] | None = None,
        say: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.home = home
        self.up = up
        self.components = components
        self.nightly = nightly
        self.base_cmd = base_cmd or [
            sys.executable,
            "-c",
            "from courtside.cli import main; main()",
            "--home",
            str(home),
        ]
        self.say = say
        self.logs = home / "logs"
        self.state_path = home / "state" / "up.json"
        self._stop = threading.Event()
        self._nightly_proc: subprocess.Popen[bytes] | None = None
        self._next_nightly = time.monotonic() + up.nightly_interval_s
        self.nightly_runs = 0
        self._flink_job: object = None
        self.nightly_last: dict[str, Any] | None = None  # exit code and end of the last run

    # -- processes -------------------------------------------------------------------------
    def _spawn(self, name: str, args: list[str]) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
        self.logs.mkdir(parents=True, exist_ok=True)
        log_file = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - lives with the child
        proc = subprocess.Popen(
            [*self.base_cmd, *args],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops children
        )
        return proc, log_file

    def _start(self, comp: Component) -> None:
        comp.process, comp.log_file = self._spawn(comp.name, comp.args)
        comp.started_at = time.monotonic()
        self.say(f"started {comp.name} (pid {comp.process.pid})")

    def _check(self, comp: Component) -> None:
        now = time.monotonic()
        proc = comp.process
        if proc is None:
            if now >= comp.next_start:
                self._start(comp)
            return
        code = proc.poll()
        if code is None:
            if now - comp.started_at > 60:
                comp.backoff_s = 1.0  # stable again
            return
        if comp.log_file:
            comp.log_file.close()
        comp.process = None
        comp.restarts += 1
        comp.next_start = now + comp.backoff_s
        self.say(
            f"{comp.name} exited with code {code}; restarting in {comp.backoff_s:.0f}s "
            f"(see {self.logs / (comp.name + '.log')})"
        )
        comp.backoff_s = min(comp.backoff_s * 2, self.up.restart_backoff_max_s)

    def _check_nightly(self) -> None:
        if self.nightly is None:
            return
        if self._nightly_proc is not None:
            code = self._nightly_proc.poll()
            if code is None:
                return
            self.say(f"nightly pipeline finished with code {code}")
            self._nightly_proc = None
            self.nightly_last = {"exit_code": code, "finished": time.time()}
        if time.monotonic() >= self._next_nightly:
            self._next_nightly = time.monotonic() + self.up.nightly_interval_s
            self._nightly_proc, _ = self._spawn("nightly", self.nightly)
            self.nightly_runs += 1
            self.say("started the nightly pipeline")

    def _write_state(self, running: bool) -> None:
        state: dict[str, Any] = {
            "pid": os.getpid(),
            "running": running,
            "updated": time.time(),
            "components": {
                c.name: {
                    "pid": c.process.pid if c.process else None,
                    "args": c.args,
                    "restarts": c.restarts,
                    "up_s": round(time.monotonic() - c.started_at, 1) if c.process else 0,
                }
                for c in self.components
            },
            "nightly_runs": self.nightly_runs,
            "nightly": self._nightly_state(),
        }
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_name(".up.json.tmp")
        tmp.write_text(json.dumps(state, indent=2))
        os.replace(tmp, self.state_path)

    def _nightly_state(self) -> dict[str, Any]:
        """The nightly scheduler as ``courtside status`` shows it (times: epoch seconds)."""
        running = self._nightly_proc is not None and self._nightly_proc.poll() is None
        return {
            "enabled": self.nightly is not None,
            "args": self.nightly,
            "interval_s": self.up.nightly_interval_s,
            "next_run": time.time() + max(0.0, self._next_nightly - time.monotonic()),
            "running": running,
            "pid": self._nightly_proc.pid if running and self._nightly_proc else None,
            "runs": self.nightly_runs,
            "last": self.nightly_last,
        }

    # -- driving ---------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask :meth:`run` to shut everything down."""
        self._stop.set()

    def run(self) -> int:
        """Supervise until :meth:`stop`; return 0 after a clean shutdown."""
        for comp in self.components:
            self._start(comp)
        try:
            while not self._stop.wait(0.5):
                for comp in self.components:
                    self._check(comp)
                self._check_nightly()
                self._announce_flink()
                self._write_state(True)
        finally:
            clean = self._shutdown()
            self._write_state(False)
        return 0 if clean else 1

    def _announce_flink(self) -> None:
        """Say where the Flink detector's web UI is, once per job, when it has started."""
        if self.up.detect_engine != "flink":
            return
        job = flink_job_state(self.home)
        if job and job.get("rest_url") and job.get("job_id") != self._flink_job:
            self._flink_job = job.get("job_id")
            self.say(f"Flink web UI: {job['rest_url']} (job {job.get('job_id')})")

    def _terminate(self, comps: list[Component], grace_s: float) -> bool:
        clean = True
        for comp in comps:
            if comp.process and comp.process.poll() is None:
                comp.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for comp in comps:
            if comp.process is None:
                continue
            try:
                comp.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{comp.name} did not stop in {grace_s:.0f}s; killing it")
                comp.process.kill()
                comp.process.wait()
                clean = False
            if comp.log_file:
                comp.log_file.close()
        return clean

    def _shutdown(self) -> bool:
        self.say("stopping: producers first, then consumers flush and commit")
        grace = self.up.stop_grace_s
        producers = [c for c in self.components if c.producer]
        consumers = [c for c in self.components if not c.producer]
        clean = self._terminate(producers, grace)
        if self._nightly_proc is not None and self._nightly_proc.poll() is None:
            self._nightly_proc.send_signal(signal.SIGTERM)
            try:
                self._nightly_proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._nightly_proc.kill()
                clean = False
        clean = self._terminate(consumers, grace) and clean
        self.say("all components stopped" if clean else "stopped (some were killed)")
        return clean


def read_state(home: Path) -> dict[str, Any] | None:
    """The last state written by ``courtside up`` (None when it never ran)."""
    path = home / "state" / "up.json"
    try:
        state: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return state
