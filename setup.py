"""Build step: VADER's scoring compiled with mypyc when this machine can (optional).

Everything else is in ``pyproject.toml``. ``courtside.enrich.vader`` stays the pure-Python
source that runs everywhere. A copy of it, stamped with the SHA-256 of the source, is
compiled to the extension ``courtside.enrich._vader_mypyc``; ``courtside.enrich.vader``
uses the extension only when its stamp matches the source next to it (an edited
``vader.py`` is never shadowed by a stale build). No mypyc, no C compiler, or a failed
compile: the build goes on without the extension, and scores are the same, only slower.
``COURTSIDE_NO_MYPYC=1`` skips the compile.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from setuptools import setup

HERE = Path(__file__).resolve().parent
SOURCE = Path("src/courtside/enrich/vader.py")
COPY_ROOT = Path("build/mypyc-src")
MODULE = "_vader_mypyc"


def _compiled_copy() -> Path:
    """``build/mypyc-src/courtside/enrich/_vader_mypyc.py``: the source plus its stamp."""
    source = (HERE / SOURCE).read_bytes()
    stamp = hashlib.sha256(source).hexdigest()
    folder = HERE / COPY_ROOT / "courtside" / "enrich"
    folder.mkdir(parents=True, exist_ok=True)
    for init in (folder.parent / "__init__.py", folder / "__init__.py"):
        init.write_text("", encoding="utf-8")
    copy = folder / f"{MODULE}.py"
    copy.write_bytes(source + f'\nBUILT_FROM = "{stamp}"\n'.encode())
    return COPY_ROOT / "courtside" / "enrich" / f"{MODULE}.py"


def _ext_modules() -> list[Any]:
    if os.environ.get("COURTSIDE_NO_MYPYC"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("courtside: mypyc is not available; VADER runs as pure Python", file=sys.stderr)
        return []
    try:
        copy = _compiled_copy()
        extensions = mypycify(
            [str(copy)],
            opt_level="3",
            target_dir=str(Path("build") / "mypyc"),
        )
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - any failure: pure Python
        print(f"courtside: mypyc could not compile VADER ({exc}); pure Python", file=sys.stderr)
        return []
    for extension in extensions:
        extension.optional = True  # a compiler failure does not fail the install
    return extensions


setup(ext_modules=_ext_modules())
