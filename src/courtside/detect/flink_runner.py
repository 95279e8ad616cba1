"""Run the PyFlink job locally on the durable streams (``courtside detect --engine flink``).

One loop drives a Flink mini-cluster job (:mod:`courtside.detect.flink_job`):

* the :class:`~courtside.detect.flink_export.StreamExporter` feeds it ``tweets`` and
  ``control`` as files with end marks;
* the job checkpoints (``[detect] flink_checkpoint_interval_s``, state backend
  ``flink_state_backend``, retained under ``state/flink/checkpoints/<group>``) and its
  ``FileSink`` makes its output visible when a checkpoint completes;
* the :class:`~courtside.detect.flink_publish.OutputPublisher` publishes that output
  (alerts once per ``(alert_id, version)``, side outputs to the lake) and commits the
  consumer group ``<group>-flink`` as far as the marks in it reach.

So the stream positions and the window state are in the same checkpoint: after a crash
(kill -9 of the JVM or of this process) the next run restores the newest retained
checkpoint and goes on with no alert lost and none published twice.

Modes: ``once`` exports what is on the streams now, waits until a checkpoint covers it,
then stops the job with a draining savepoint (event time advances to the end: every open
window fires) and starts the next run afresh. Follow mode runs until SIGINT/SIGTERM
(``stop``): the job is cancelled (the next run resumes from the last checkpoint) or, with
``stop_with_savepoint``, stopped with a savepoint the next run resumes from. While the
job runs, Flink's REST API and web UI answer on 127.0.0.1 (``flink_rest_port``) and
``state/flink.json`` says where.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from courtside.config import Settings
from courtside.detect.flink_env import (
    FlinkPaths,
    flink_config,
    free_port,
    read_json,
    restore_point,
    valid_restore_path,
    write_json,
)
from courtside.detect.flink_export import CONTROL, TWEETS, StreamExporter
from courtside.detect.flink_publish import OutputPublisher
from courtside.detect.flink_rest import FlinkJobError, FlinkRest, FlinkUnreachableError
from courtside.detect.report import DetectReport
from courtside.errors import ConfigError
from courtside.home import open_stream, require_local_stream
from courtside.reference.players import PlayersTable, load_players
from courtside.signals import stop_on_signals

__all__ = ["FlinkJobError", "run_flink"]

log = logging.getLogger(__name__)

_MONITOR_MS = 200  # how often the sources look for new files
_LOOP_S = 0.2


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _root_cause(exc: Any) -> str:
    """The innermost Java exception of a py4j error, as one short line."""
    cause = exc.java_exception
    while cause.getCause() is not None:
        cause = cause.getCause()
    return str(cause.toString()).splitlines()[0][:300]


def _rest_port(cfg: Any) -> int:
    """The configured REST port, checked free, or any free port for 0."""
    if not cfg.flink_rest_port:
        return free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", cfg.flink_rest_port))
        except OSError:
            raise ConfigError(
                f"[detect] flink_rest_port: 127.0.0.1:{cfg.flink_rest_port} is in use (another "
                "Flink job?); choose another port, or 0 for any free one",
                key="detect.flink_rest_port",
            ) from None
    return int(cfg.flink_rest_port)


class _Background(threading.Thread):
    """Runs one function in a thread; :meth:`result` joins and re-raises its error."""

    def __init__(self, func: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self.func = func
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.func()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in result()
            self.error = exc

    def result(self) -> None:
        self.join()
        if self.error is not None:
            raise self.error


class _Job:
    """One run: the exporter, the publisher, the REST client and the state files."""

    def __init__(self, settings: Settings, report: DetectReport, backend: Any, **kw: Any) -> None:
        self.settings, self.report, self.backend = settings, report, backend
        self.cfg = settings.detect
        self.paths = FlinkPaths.of(settings)
        self.exporter = StreamExporter(backend, f"{self.cfg.group}-flink", self.paths.input, report)
        self.publisher = OutputPublisher(
            backend,
            settings.places.lake,
            self.paths.output,
            f"flink-{self.cfg.group}",
            report,
            self.exporter,
            on_alert=kw.get("on_alert"),
        )
        self.doc: dict[str, Any] = read_json(self.paths.job_file) or {}
        self.state: dict[str, Any] = {"engine": "flink", "group": self.cfg.group}
        self.state["pid"] = os.getpid()
        self.checkpoint = -1
        self.job_id = ""
        self.rest: FlinkRest | None = None
        self.result: Any = None  # the JobClient's execution-result future
        self.cleaned = False

    def prepare(self, from_savepoint: Path | None) -> tuple[Path | None, list[str]]:
        """Publish what a previous run left, choose where to resume, build the inputs."""
        self.publisher.poll()
        last = self.doc.get("savepoint")
        restore = from_savepoint or restore_point(self.paths, Path(last) if last else None)
        backend = self.cfg.flink_state_backend
        if restore is None:
            self.exporter.reset()
            self.publisher.reset()
            self.doc = {"initial_allowed": sorted(self.exporter.bootstrap())}
        else:
            written = self.doc.get("state_backend")
            if restore.name.startswith("chk-") and written not in (None, backend):
                raise ConfigError(
                    f"checkpoint {restore} holds {written} state but [detect] "
                    f"flink_state_backend is {backend}: a checkpoint only restores into its "
                    "own state backend (stop with --stop-with-savepoint to switch)",
                    key="detect.flink_state_backend",
                )
            self.publisher.adopt_tombstones(-1)
            log.info("resuming the Flink job from %s", restore)
        self.doc["state_backend"] = backend
        write_json(self.paths.job_file, self.doc)
        return restore, list(self.doc.get("initial_allowed", []))

    def save_state(self, status: str, **extra: Any) -> None:
        """Update ``state/flink.json``."""
        self.state.update(extra, status=status, updated_at=_now())
        write_json(self.paths.state_file, self.state)

    def ended(self) -> bool:
        """True once the job has ended; raises when it failed or its JVM is gone."""
        from py4j.protocol import Py4JError, Py4JJavaError

        try:
            if not self.result.done():
                return False
            self.result.result()
        except Py4JJavaError as exc:
            cause = _root_cause(exc)
            if "JobCancellationException" in cause:
                return True
            hint = ""
            if self.state.get("restored_from"):
                hint = f" (restored from {self.state['restored_from']}; delete it to start afresh)"
            raise FlinkJobError(f"the Flink job failed: {cause}{hint}") from None
        except Py4JError:
            raise FlinkJobError(
                "the Flink mini-cluster's JVM is gone; the next run resumes from the last "
                "checkpoint"
            ) from None
        return True

    def poll_job(self) -> None:
        """Check the job; raise when it ended (it should run) or failed. Updates the
        number of the latest completed checkpoint."""
        assert self.rest is not None
        if self.ended():
            raise FlinkJobError(f"the Flink job {self.job_id} ended unexpectedly")
        try:
            info = self.rest.call("GET", f"/jobs/{self.job_id}/checkpoints")
        except FlinkUnreachableError:
            return  # the next ended() tells why
        completed = (info.get("latest") or {}).get("completed") or {}
        self.checkpoint = int(completed.get("id", self.checkpoint))
        self.report.checkpoints = int(info.get("counts", {}).get("completed", 0))
        if self.report.checkpoints and not self.cleaned and self.paths.checkpoints.exists():
            # This job has a checkpoint of its own (a full one, restores do not claim the
            # old files): the checkpoints of earlier jobs are no longer needed.
            for old in self.paths.checkpoints.iterdir():
                if old.is_dir() and old.name != self.job_id:
                    shutil.rmtree(old, ignore_errors=True)
            self.cleaned = True

    def export(self, targets: dict[str, int] | None) -> None:
        """Write the next input file of each stream (when none is outstanding)."""
        for stream in (CONTROL, TWEETS):
            self.exporter.export(stream, None if targets is None else targets[stream])

    def export_while(self, targets: dict[str, int] | None) -> _Background:
        """The first export, in a thread while the JVM and the job start."""
        return _Background(lambda: self.export(targets))

    def step(self, targets: dict[str, int] | None) -> bool:
        """Publish, sweep, export; True when ``targets`` (once mode) are covered."""
        self.publisher.poll(self.checkpoint)
        self.publisher.sweep(self.checkpoint, self.doc.get("keep", []))
        self.export(targets)
        return targets is not None and all(
            self.exporter.committed(s) >= seq for s, seq in targets.items()
        )

    def _stop(self, how: str) -> None:
        assert self.rest is not None
        if how == "cancel":
            self.rest.cancel(self.job_id)
            return
        target = self.paths.work / "drain" if how == "drain" else self.paths.savepoints
        location = self.rest.stop_with_savepoint(
            self.job_id, target.resolve().as_uri(), drain=how == "drain"
        )
        if how == "savepoint":
            self.doc["savepoint"] = location.removeprefix("file:")
            log.warning("stopped with savepoint %s", self.doc["savepoint"])

    def finish(self, how: str) -> None:
        """Stop the job (``drain``, ``savepoint`` or ``cancel``) and publish its last output."""
        assert self.rest is not None
        paths = self.paths
        try:
            self.poll_job()
            self._stop(how)
        except FlinkUnreachableError:
            # The mini-cluster stops with its job: report the job's own failure, if any.
            deadline = time.monotonic() + 10
            while not self.ended():  # raises when the job failed
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        deadline = time.monotonic() + 120
        while not self.ended():
            if time.monotonic() > deadline:
                raise FlinkJobError(f"the Flink job {self.job_id} did not stop within 120 s")
            time.sleep(0.1)
        final = {p.name for p in self.publisher.visible()}
        self.publisher.poll(self.checkpoint)
        if how == "savepoint":  # files the savepoint may name: a restore re-commits them
            recent = {n for n, ck in self.publisher.tombstones.items() if ck >= self.checkpoint}
            self.doc["keep"] = sorted(final | recent)
        if how == "drain":  # every window fired: the next run starts afresh
            shutil.rmtree(paths.work / "drain", ignore_errors=True)
            shutil.rmtree(paths.checkpoints, ignore_errors=True)
            self.doc = {}
            paths.job_file.unlink(missing_ok=True)
        else:
            write_json(paths.job_file, self.doc)


def run_flink(
    settings: Settings,
    *,
    once: bool = True,
    players: PlayersTable | None = None,
    parallelism: int = 1,
    on_alert: Callable[[dict[str, Any]], None] | None = None,
    from_savepoint: str | Path | None = None,
    stop_with_savepoint: bool = False,
    handle_signals: bool = False,
    stop: threading.Event | None = None,
    config: dict[str, str] | None = None,
) -> DetectReport:
    """Run the Flink job on the streams in a local mini-cluster (see module docstring).

    Args:
        settings: Loaded settings (``settings.detect``; the group is ``<group>-flink``).
        once: Process what is on the streams and drain; else follow until stopped.
        players: The players table (default: the home's).
        parallelism: Parallelism of the job (a restore may change it).
        on_alert: Called with every alert published.
        from_savepoint: Resume from this savepoint or checkpoint folder instead of the
            newest retained checkpoint.
        stop_with_savepoint: On stop, take a savepoint (the next run resumes from it)
            instead of cancelling.
        handle_signals: SIGINT/SIGTERM stop the run (as ``stop`` does).
        stop: Set to stop a follow-mode run.
        config: Extra Flink options.

    Raises:
        FlinkJobError: the job failed, or its mini-cluster vanished.
    """
    from py4j.protocol import Py4JJavaError

    from courtside.detect import flink_job

    require_local_stream(settings, "the Flink detector")
    restore_arg = valid_restore_path(str(from_savepoint)) if from_savepoint else None
    stop = stop or threading.Event()
    report = DetectReport(engine="flink")
    table = players if players is not None else load_players(settings.home)
    signals = ExitStack()
    signals.enter_context(stop_on_signals(stop.set, enabled=handle_signals))
    backend = open_stream(settings)
    job = _Job(settings, report, backend, on_alert=on_alert)
    cfg = settings.detect
    first_export: _Background | None = None
    try:
        restore, initial = job.prepare(restore_arg)
        targets = {s: backend.last_seq(s) for s in (TWEETS, CONTROL)} if once else None
        first_export = job.export_while(targets)
        port = _rest_port(cfg)
        os.environ.setdefault("FLINK_LOG_DIR", str(job.paths.state_dir / "flink" / "log"))
        interval_s = min(cfg.flink_checkpoint_interval_s, 1.0) if once else None
        conf = flink_config(
            cfg,
            job.paths,
            rest_port=port,
            checkpoint_interval_s=interval_s or cfg.flink_checkpoint_interval_s,
            restore=restore,
        )
        conf.update(config or {})
        env = flink_job.make_env(parallelism, conf)
        inputs = job.exporter.directory(TWEETS), job.exporter.directory(CONTROL)
        stream = flink_job.file_job(
            env, str(inputs[0]), str(inputs[1]), cfg, table.to_csv_text(), initial, _MONITOR_MS
        )
        flink_job.output_sink(stream, job.paths.output.resolve().as_uri())
        job.save_state("starting", started_at=_now(), rest_url=f"http://127.0.0.1:{port}")
        try:
            client = env.execute_async(f"courtside-detect-{cfg.group}")
        except Py4JJavaError as exc:
            raise FlinkJobError(f"the Flink job did not start: {_root_cause(exc)}") from None
        job.job_id = str(client.get_job_id())
        job.result = client.get_job_execution_result()
        job.rest = FlinkRest(f"http://127.0.0.1:{port}")
        job.save_state(
            "running",
            job_id=job.job_id,
            parallelism=parallelism,
            restored_from=str(restore) if restore else None,
            checkpoints_dir=str(job.paths.checkpoints),
        )
        log.info("Flink job %s running; web UI http://127.0.0.1:%d", job.job_id, port)
        first_export.result()
        started = time.monotonic()
        how = "cancel"
        while True:
            job.poll_job()
            if job.step(targets):
                how = "drain"
                break
            if stop.is_set():
                how = "savepoint" if stop_with_savepoint else "cancel"
                break
            time.sleep(_LOOP_S)
        job.finish(how)
        log.info("flink job ran %.1f s (%s)", time.monotonic() - started, how)
        job.save_state("stopped", savepoint=job.doc.get("savepoint"))
    except BaseException:
        if job.rest is not None and job.job_id:
            try:
                job.rest.cancel(job.job_id)
            except (FlinkJobError, FlinkUnreachableError):
                pass
        job.save_state("failed")
        raise
    finally:
        if first_export is not None:
            first_export.join()  # it uses the backend closed below
        signals.close()
        report.tweets_seq = job.exporter.committed(TWEETS)
        report.control_seq = job.exporter.committed(CONTROL)
        backend.close()
    return report
