"""A local AWS-protocol server for ``courtside demo --aws``, the tests and the benchmarks:
``moto_server`` (PyPI ``moto[server]``, the ``aws-local`` extra) in a separate process on
a free 127.0.0.1 port (an in-process server deadlocks with Arrow's S3 client)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from courtside.errors import ConfigError


@dataclass
class MotoServer:
    """A running ``moto_server``."""

    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        """Stop the server (and wait for it)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto_server(timeout_s: float = 30.0) -> MotoServer:
    """Start ``moto_server`` and wait until it accepts connections.

    Raises:
        ConfigError: when moto is not installed (``pip install 'courtside[aws-local]'``).
        RuntimeError: when it does not start in ``timeout_s``.
    """
    import importlib.util

    if importlib.util.find_spec("moto") is None:
        raise ConfigError(
            "the local AWS server needs moto: pip install 'courtside[aws-local]' (or make demo-aws)"
        )
    # moto's own server, with Kinesis' reshard behaviour corrected (see moto_main.py).
    command = [sys.executable, "-m", "courtside.aws.moto_main"]
    port = _free_port()
    process = subprocess.Popen(
        [*command, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "false"},
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return MotoServer(process, f"http://127.0.0.1:{port}")
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"moto_server did not start on 127.0.0.1:{port} in {timeout_s:.0f} s")
