"""Running ``courtside`` as a user does: a subprocess with its own cwd and environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def courtside(
    *args: str,
    home: Path | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
    ok: bool = True,
    timeout_s: float = 300,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``courtside [--home HOME] ARGS`` with stdout and stderr piped.

    ``env`` is added to a copy of the environment without any ``COURTSIDE_*`` variable.
    With ``ok`` the command must exit 0.
    """
    base = {k: v for k, v in os.environ.items() if not k.startswith("COURTSIDE_")}
    prefix = ["--home", str(home)] if home is not None else []
    proc = subprocess.run(
        [sys.executable, "-c", "from courtside.cli import main; main()", *prefix, *args],
        input=stdin,
        capture_output=True,
        timeout=timeout_s,
        cwd=cwd,
        env={**base, **(env or {})},
    )
    if ok:
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc
