"""Where a local Flink job keeps its files, how it is configured, and where it resumes.

Everything lives under the home's state folder::

    state/flink.json                        the running job: web UI address, job id, status
    state/flink/<group>/input/{tweets,control}/   files the job reads (flink_export)
    state/flink/<group>/output/             the job's committed output (flink_publish)
    state/flink/<group>/job.json            what a restored job must be built with
    state/flink/checkpoints/<group>/<job id>/chk-<n>/   retained checkpoints
    state/flink/savepoints/<group>/savepoint-*/         savepoints

No PyFlink import here: the CLI uses this module to validate options before the JVM starts.
"""

from __future__ import annotations

import os
import site
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import orjson

import courtside
from courtside.config import Settings
from courtside.detect.config import DetectSettings
from courtside.errors import ConfigError
from courtside.lake.layout import write_atomic

__all__ = [
    "FlinkPaths",
    "checkpoint_number",
    "flink_config",
    "free_port",
    "latest_checkpoint",
    "python_path",
    "read_json",
    "restore_point",
    "valid_restore_path",
    "write_json",
]

_METADATA = "_metadata"


@dataclass(frozen=True)
class FlinkPaths:
    """The files of one consumer group's Flink job (see the module docstring)."""

    state_dir: Path
    group: str

    @classmethod
    def of(cls, settings: Settings, group: str | None = None) -> FlinkPaths:
        """The paths of ``group`` (default ``settings.detect.group``) in the home."""
        return cls(settings.state_dir, group or settings.detect.group)

    @property
    def work(self) -> Path:
        """The group's working folder."""
        return self.state_dir / "flink" / self.group

    @property
    def input(self) -> Path:
        """Folder of the exported input files."""
        return self.work / "input"

    @property
    def output(self) -> Path:
        """Folder the job's ``FileSink`` writes."""
        return self.work / "output"

    @property
    def job_file(self) -> Path:
        """How the job was built (``initial_allowed``) and which files savepoints name."""
        return self.work / "job.json"

    @property
    def checkpoints(self) -> Path:
        """Root of the retained checkpoints."""
        return self.state_dir / "flink" / "checkpoints" / self.group

    @property
    def savepoints(self) -> Path:
        """Root of the savepoints."""
        return self.state_dir / "flink" / "savepoints" / self.group

    @property
    def state_file(self) -> Path:
        """``state/flink.json``: the running job, for ``courtside up`` and humans."""
        return self.state_dir / "flink.json"


def read_json(path: Path) -> dict[str, object] | None:
    """A small JSON state file, or ``None`` when it is missing or unreadable."""
    try:
        doc = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


def write_json(path: Path, doc: dict[str, object]) -> None:
    """Replace a small JSON state file atomically."""
    write_atomic(path, orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")


def checkpoint_number(path: Path) -> int:
    """``n`` of a ``chk-<n>`` folder (-1 for anything else, e.g. a savepoint)."""
    name = path.name
    return int(name[4:]) if name.startswith("chk-") and name[4:].isdigit() else -1


def latest_checkpoint(root: Path) -> Path | None:
    """The newest complete retained checkpoint under ``root`` (any job), or ``None``.

    A checkpoint is complete once Flink has written its ``_metadata`` file.
    """
    found = [p.parent for p in root.glob(f"*/chk-*/{_METADATA}")] if root.exists() else []
    return max(found, key=lambda p: ((p / _METADATA).stat().st_mtime_ns, p.name), default=None)


def restore_point(paths: FlinkPaths, savepoint: Path | None = None) -> Path | None:
    """Where a new job resumes: the newer of the latest retained checkpoint and the
    savepoint the last job stopped with (``savepoint``), if any."""
    points = [p for p in (latest_checkpoint(paths.checkpoints), savepoint) if p is not None]
    points = [p for p in points if (p / _METADATA).exists()]
    return max(points, key=lambda p: (p / _METADATA).stat().st_mtime_ns, default=None)


def valid_restore_path(value: str) -> Path:
    """Check a ``--from-savepoint`` argument: a savepoint or retained checkpoint folder.

    Raises:
        ConfigError: when the folder holds no ``_metadata`` file.
    """
    path = Path(value.removeprefix("file://").removeprefix("file:")).expanduser()
    if not (path / _METADATA).is_file():
        raise ConfigError(
            f"--from-savepoint {value!r} is not a Flink savepoint or checkpoint folder "
            f"(no {_METADATA} file in it)"
        )
    return path.resolve()


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def python_path() -> str:
    """``PYTHONPATH`` for Python functions run by Flink (thread mode runs them inside the
    JVM, whose embedded interpreter does not read this venv's ``.pth`` files): the folder
    holding ``courtside`` and this interpreter's site-packages."""
    entries = [str(Path(courtside.__file__).resolve().parents[1])]
    entries += site.getsitepackages()
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        entries.append(site.getusersitepackages())
    seen: list[str] = []
    for entry in entries:
        if entry not in seen and os.path.isdir(entry):
            seen.append(entry)
    return os.pathsep.join(seen)


def flink_config(
    cfg: DetectSettings,
    paths: FlinkPaths,
    *,
    rest_port: int,
    checkpoint_interval_s: float,
    restore: Path | None = None,
) -> dict[str, str]:
    """Flink options of a local job: Python execution, checkpoints, state backend, REST.

    Args:
        cfg: The ``[detect]`` section.
        paths: The job's paths.
        rest_port: Port of the REST API and web UI on 127.0.0.1.
        checkpoint_interval_s: Checkpoint interval.
        restore: Checkpoint or savepoint to resume from.
    """
    conf = {
        "python.execution-mode": cfg.flink_execution_mode,
        "python.pythonpath": python_path(),
        "python.executable": sys.executable,
        "python.client.executable": sys.executable,
        "execution.checkpointing.interval": f"{int(checkpoint_interval_s * 1000)} ms",
        "execution.checkpointing.dir": paths.checkpoints.resolve().as_uri(),
        "execution.checkpointing.savepoint-dir": paths.savepoints.resolve().as_uri(),
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
        "execution.checkpointing.num-retained": "1",
        "state.backend.type": cfg.flink_state_backend,
        "restart-strategy.type": "fixed-delay",
        "restart-strategy.fixed-delay.attempts": "2",
        "restart-strategy.fixed-delay.delay": "2 s",
        "rest.address": "127.0.0.1",
        "rest.bind-address": "127.0.0.1",
        "rest.port": str(rest_port),
    }
    if restore is not None:
        conf["execution.state-recovery.path"] = restore.resolve().as_uri()
    return conf
