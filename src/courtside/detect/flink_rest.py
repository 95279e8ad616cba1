"""A small client of Flink's REST API (the one behind the web UI).

Used to watch and stop the detector job, the same way for the local mini-cluster and for
a Flink cluster: job status and failure cause, checkpoint counts, stop with a savepoint
(``POST /jobs/<id>/stop``), cancel. Standard library only.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from courtside.errors import TerminalError, TransientError

__all__ = ["FlinkJobError", "FlinkRest", "FlinkUnreachableError", "TERMINAL_STATES"]

TERMINAL_STATES = frozenset({"FINISHED", "CANCELED", "FAILED"})


class FlinkJobError(TerminalError):
    """The Flink job failed or could not be stopped as asked."""


class FlinkUnreachableError(TransientError):
    """Flink's REST API does not answer (not started yet, or its JVM is gone)."""


class FlinkRest:
    """Calls to one Flink REST endpoint.

    Args:
        url: Base URL, e.g. ``http://127.0.0.1:8081``.
        timeout_s: Timeout of one request.
    """

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One request; the decoded JSON answer.

        Raises:
            FlinkUnreachableError: nothing answers on the port.
            FlinkJobError: Flink answered with an error.
        """
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1 URL
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:  # noqa: S310
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:500].decode("utf-8", "replace")
            raise FlinkJobError(f"Flink REST {method} {path}: HTTP {exc.code} {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise FlinkUnreachableError(
                f"Flink REST API at {self.url} does not answer: {exc}"
            ) from None
        return json.loads(raw) if raw else None

    def job(self, job_id: str) -> dict[str, Any]:
        """``GET /jobs/<id>``: state, vertices (operator chains) and plan."""
        return dict(self.call("GET", f"/jobs/{job_id}"))

    def state(self, job_id: str) -> str:
        """The job's state (``RUNNING``, ``FINISHED``, ``FAILED``, ...)."""
        return str(self.job(job_id)["state"])

    def running_tasks(self, job_id: str) -> bool:
        """True when the job and every one of its tasks run (a savepoint needs that)."""
        job = self.job(job_id)
        return job["state"] == "RUNNING" and all(
            v.get("status") == "RUNNING" for v in job.get("vertices", [])
        )

    def failure(self, job_id: str) -> str:
        """First line of the root exception of a failed job (or ``"unknown"``)."""
        try:
            info = self.call("GET", f"/jobs/{job_id}/exceptions")
        except (FlinkJobError, FlinkUnreachableError):
            return "unknown"
        root = (info or {}).get("root-exception") or ""
        history = (info or {}).get("exceptionHistory", {}).get("entries", [])
        if not root and history:
            root = history[0].get("stacktrace", "")
        lines = [ln for ln in str(root).splitlines() if "Error" in ln or "Exception" in ln]
        return (lines[-1] if lines else str(root).split("\n", 1)[0] or "unknown")[:300]

    def checkpoints_completed(self, job_id: str) -> int:
        """Completed checkpoints of the job so far."""
        info = self.call("GET", f"/jobs/{job_id}/checkpoints")
        return int(info.get("counts", {}).get("completed", 0))

    def wait(self, job_id: str, states: frozenset[str], timeout_s: float) -> str:
        """Wait until the job is in one of ``states``; return the state reached."""
        deadline = time.monotonic() + timeout_s
        while True:
            state = self.state(job_id)
            if state in states or time.monotonic() > deadline:
                return state
            time.sleep(0.2)

    def stop_with_savepoint(
        self, job_id: str, target_dir: str, *, drain: bool, timeout_s: float = 300.0
    ) -> str:
        """Stop the job with a savepoint and wait for it; return the savepoint's location.

        Args:
            job_id: The job.
            target_dir: Folder (URI) for the savepoint.
            drain: Advance event time to the end first (every window fires; for a
                bounded end of input).
            timeout_s: Longest wait.

        Raises:
            FlinkJobError: the savepoint failed or took too long.
        """
        deadline = time.monotonic() + timeout_s
        while not self.running_tasks(job_id):  # a savepoint needs every task running
            if time.monotonic() > deadline or self.state(job_id) in TERMINAL_STATES:
                raise FlinkJobError(f"cannot stop job {job_id}: it is {self.state(job_id)}")
            time.sleep(0.2)
        body = {"drain": drain, "targetDirectory": target_dir, "formatType": "CANONICAL"}
        trigger = self.call("POST", f"/jobs/{job_id}/stop", body)["request-id"]
        while time.monotonic() < deadline:
            status = self.call("GET", f"/jobs/{job_id}/savepoints/{trigger}")
            if status["status"]["id"] == "COMPLETED":
                operation = status.get("operation") or {}
                if "location" in operation:
                    return str(operation["location"])
                cause = str(operation.get("failure-cause", {}).get("stack-trace", "?"))
                raise FlinkJobError(f"stop-with-savepoint failed: {cause.splitlines()[0][:300]}")
            time.sleep(0.2)
        raise FlinkJobError(f"stop-with-savepoint of job {job_id} took over {timeout_s:.0f} s")

    def cancel(self, job_id: str) -> None:
        """Cancel the job (its retained checkpoints stay)."""
        self.call("PATCH", f"/jobs/{job_id}?mode=cancel")
