"""Side-output recovery: nothing of an unfinished epoch stays behind after a crash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from courtside.detect.sideoutputs import ALL_ZONE, SideOutputWriter
from courtside.lake.local import LocalLake


def test_abort_stray_removes_half_written_stages_of_its_own_only(tmp_path: Path) -> None:
    writer = SideOutputWriter(LocalLake(tmp_path), "detect-detect")
    part = tmp_path / ALL_ZONE / "year=2020" / "month=03" / "day=01"
    part.mkdir(parents=True)
    staged = ".detect-detect-20261127T211205310228Z-622e8e49d4.json.pending"
    # A kill -9 inside a put leaves its temporary of the staged file (named with the
    # process id of the killed writer).
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    (part / f".{staged}.{dead.stdout.strip()}.tmp").write_bytes(b'{"partial": ')
    (part / staged).write_bytes(b"{}\n")
    other = ".detect-detect-x-20261127T211205310228Z-622e8e49d4.json.pending.tmp"
    (part / f".{other}").write_bytes(b"not ours")
    assert writer.abort_stray() == 2
    assert sorted(p.name for p in part.iterdir()) == [f".{other}"]
