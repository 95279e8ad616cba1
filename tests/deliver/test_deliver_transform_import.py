"""``courtside deliver --transform mypkg.mymod:fn`` run from the folder holding ``mypkg``
finds it without PYTHONPATH, and the folder never shadows an installed module."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
from deliver_helpers import raw_rows

from courtside.config import Settings
from courtside.home import open_stream

COURTSIDE = Path(sys.executable).with_name("courtside")  # the installed console script


def _project(folder: Path) -> None:
    (folder / "mypkg").mkdir()
    (folder / "mypkg" / "__init__.py").write_text("")
    (folder / "mypkg" / "mymod.py").write_text(
        "from courtside.deliver import Dropped, Ok\n"
        "def fn(record: dict) -> Ok | Dropped:\n"
        "    if record['id'] == '2':\n"
        "        return Dropped()\n"
        "    record['text'] = record['text'].upper()\n"
        "    return Ok(record)\n"
    )
    # A module of the same name as an installed one must not replace it.
    (folder / "orjson.py").write_text(
        "raise ImportError('the current directory shadowed orjson')\n"
    )


def test_transform_module_in_the_current_directory(
    home: Path, settings: Settings, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    _project(work)
    with open_stream(settings) as backend:
        backend.append_many(
            "tweets",
            [
                orjson.dumps(
                    {"data": {"id": str(i), "text": "hi", "created_at": "2020-03-01T10:00:00Z"}}
                )
                for i in range(3)
            ],
        )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [str(COURTSIDE), "--home", str(home), "deliver", "--once"]
        + ["--transform", "mypkg.mymod:fn"],
        cwd=work,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert "delivered 2, failed 0, dropped 1" in proc.stdout.decode()
    assert sorted((r["id"], r["text"]) for r in raw_rows(settings.lake)) == [
        ("0", "HI"),
        ("1", "HI"),
    ]


def test_a_missing_transform_module_is_a_clear_error(home: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(COURTSIDE), "--home", str(home), "deliver", "--once", "--transform", "nopkg.m:fn"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "cannot import transform module 'nopkg.m'" in err and "Traceback" not in err
