"""Helpers for the Flink tests: shared inputs, detector processes, a standalone cluster."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import psutil
from detect_helpers import MINUTE, T0, append, core, roster, tweet, write_roster

from cli_runner_helpers import COMMAND
from clock_helpers import FakeClock
from courtside.config import Settings, load_settings
from courtside.detect.embedded import EmbeddedDetector
from courtside.detect.flink_env import free_port
from courtside.detect.flink_export import MARK_PREFIX
from courtside.generate import GeneratorConfig, generate
from courtside.home import init_home, open_stream
from courtside.reference.control import change_event

# Bad records of every kind the job must count without crashing.
HOSTILE = [
    b"",
    b"   ",
    b"\xff\xfe not utf-8",
    b"[1, 2, 3]",
    b'"a string"',
    b"{not json",
    MARK_PREFIX.encode() + b'{"stream": "tweets", "file": 999, "last_seq": 999999}',
    # Valid JSON spread over lines (newlines between tokens are whitespace) ...
    tweet("a3", ["Bo Beta"], T0 + 61_000).replace(b",", b",\n\r"),
    # ... and invalid JSON: a raw line break inside a string.
    tweet("a3", ["Bo Beta"], T0 + 62_000).replace(b"hello", b"hel\nlo"),
]


def flink_inputs(count: int = 4_000) -> tuple[list[bytes], list[bytes]]:
    """Generated tweets (out of order only within the watermark bound, 1% malformed,
    with tampering bursts), bursts of the allowed Team C, hostile records; two control
    events (allow Team C, one without a team)."""
    cfg = GeneratorConfig(
        count=count,
        tampering=15,
        span_s=1_500,
        out_of_order_rate=0.3,
        malformed_rate=0.01,
        start=datetime(2020, 3, 1, tzinfo=UTC),
    )
    tweets = list(generate(cfg, roster()))
    # Team C is allowed from the start: its bursts must not alert in either engine. Record
    # i of the generator is at about i * 375 ms, so minute w is near index w * 160.
    for w in (17, 9, 3):
        burst = [tweet(f"c{k}", ["Anna Alpha"], T0 + w * MINUTE + 500 * k) for k in range(3)]
        tweets[w * 160 : w * 160] = burst
    tweets[200:200] = HOSTILE
    control = [
        orjson.dumps(change_event("INSERT", "Team C", True, None)),
        orjson.dumps({"eventName": "INSERT", "dynamodb": {"NewImage": {"control": {}}}}),
    ]
    return tweets, control


def make_home(root: Path, name: str, control: list[bytes], tweets: list[bytes]) -> Settings:
    """A home with the small roster, ``control`` then ``tweets`` on the streams (appended
    at 2020-03-01T00:00:00Z and 10 ms later: before anything a test appends itself)."""
    settings = load_settings(home=root / name)
    init_home(settings)
    write_roster(settings.home)
    clock = FakeClock()
    append(settings, "control", control, clock)
    clock.advance(0.01)  # control strictly before the tweets
    if tweets:
        append(settings, "tweets", tweets, clock)
    return settings


def embedded_alerts(root: Path, tweets: list[bytes], control: list[bytes]) -> list[tuple[Any, ...]]:
    """The embedded engine's alerts on the same input (the reference)."""
    settings = make_home(root, "embedded", control, tweets)
    EmbeddedDetector(settings, players=roster()).run(once=True)
    return sorted(core(a) for a in alerts_of(settings))


def alerts_of(settings: Settings) -> list[dict[str, Any]]:
    with open_stream(settings) as backend:
        return [orjson.loads(r.data) for r in backend.read("alerts", 0, 1_000_000)]


def committed(settings: Settings, stream: str = "tweets") -> int:
    with open_stream(settings) as backend:
        return backend.committed(stream, f"{settings.detect.group}-flink")


def flink_state(settings: Settings) -> dict[str, Any]:
    path = settings.state_dir / "flink.json"
    return json.loads(path.read_text()) if path.exists() else {}


def wait_until(check: Callable[[], Any], what: str, timeout_s: float = 240.0) -> Any:
    """Poll ``check`` until it returns something true."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - 127.0.0.1
        return json.loads(answer.read())


class Detector:
    """``courtside detect --engine flink`` as a child process in its own session."""

    def __init__(self, settings: Settings, *args: str, state_backend: str = "hashmap") -> None:
        self.settings = settings
        self.rest_port = free_port()
        env = dict(
            os.environ,
            COURTSIDE_DETECT__FLINK_REST_PORT=str(self.rest_port),
            COURTSIDE_DETECT__FLINK_CHECKPOINT_INTERVAL_S="1",
            COURTSIDE_DETECT__FLINK_STATE_BACKEND=state_backend,
        )
        env.pop("PYFLINK_GATEWAY_DISABLED", None)  # see flink_job.make_env
        env.pop("FLINK_LOG_DIR", None)  # a run in this process set it to its own home
        cmd = [*COMMAND, "--home", str(settings.home), "detect", "--engine", "flink", *args]
        self.log = settings.home / f"detector-{time.time_ns()}.log"
        with open(self.log, "wb") as sink:
            self.proc = subprocess.Popen(
                cmd, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
            )

    def running_job(self) -> str:
        """Wait until the job runs (state/flink.json says so); return its id."""

        def ready() -> str | None:
            assert self.proc.poll() is None, self.output()
            state = flink_state(self.settings)
            if state.get("status") == "running" and state.get("pid") == self.proc.pid:
                return str(state["job_id"])
            return None

        return str(wait_until(ready, "the Flink job to run"))

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 180) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout_s)

    def kill_9(self) -> None:
        """kill -9 the Flink JVM first, then this detector process."""
        parent = psutil.Process(self.proc.pid)
        for child in parent.children(recursive=True):
            if "java" in child.name():
                child.kill()
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)


@contextmanager
def standalone_cluster(root: Path) -> Iterator[dict[str, str]]:
    """A Flink cluster (one JobManager, one TaskManager with 2 slots) started with the
    scripts of the apache-flink wheel, on free 127.0.0.1 ports; yields the environment
    for the ``flink`` client. Both daemons are stopped by their pid files."""
    import pyflink

    flink_home = Path(pyflink.__file__).parent
    conf, logs, pids = root / "conf", root / "log", root / "pid"
    for folder in (conf, logs, pids):
        folder.mkdir(parents=True, exist_ok=True)
    shipped = (flink_home / "conf" / "config.yaml").read_text()
    java_opts = next(ln for ln in shipped.splitlines() if ln.strip().startswith("all:"))
    rest_port = free_port()
    options = {
        "env.java.opts.all": java_opts.split("all:", 1)[1].strip(),
        "jobmanager.rpc.address": "127.0.0.1",
        "jobmanager.rpc.port": free_port(),
        "jobmanager.bind-host": "127.0.0.1",
        "jobmanager.memory.process.size": "1024m",
        "taskmanager.host": "127.0.0.1",
        "taskmanager.bind-host": "127.0.0.1",
        "taskmanager.rpc.port": free_port(),
        "taskmanager.data.port": free_port(),
        "taskmanager.numberOfTaskSlots": 2,
        "taskmanager.memory.process.size": "1536m",
        "blob.server.port": free_port(),
        "rest.address": "127.0.0.1",
        "rest.bind-address": "127.0.0.1",
        "rest.port": rest_port,
    }
    (conf / "config.yaml").write_text("".join(f"{k}: {v}\n" for k, v in options.items()))
    for name in ("log4j.properties", "log4j-console.properties", "log4j-cli.properties"):
        shutil.copy(flink_home / "conf" / name, conf / name)
    env = dict(
        os.environ, FLINK_CONF_DIR=str(conf), FLINK_LOG_DIR=str(logs), FLINK_PID_DIR=str(pids)
    )
    env.pop("JAVA_HOME", None)
    try:
        for script in ("jobmanager.sh", "taskmanager.sh"):
            subprocess.run(
                ["bash", str(flink_home / "bin" / script), "start"], env=env, check=True, timeout=60
            )
        url = f"http://127.0.0.1:{rest_port}"

        def ready() -> bool:
            try:
                return bool(get_json(url + "/overview")["taskmanagers"] >= 1)
            except OSError:
                return False

        wait_until(ready, "the standalone cluster", 120)
        yield env | {"REST_URL": url}
    finally:
        for pid_file in pids.glob("*.pid"):
            for line in pid_file.read_text().split():
                try:
                    os.kill(int(line), signal.SIGTERM)
                except (ProcessLookupError, ValueError):
                    pass
