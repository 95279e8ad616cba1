"""Helpers for delivery tests."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson


def raw_rows(lake: Path) -> list[dict[str, Any]]:
    rows = []
    for path in sorted((lake / "raw").rglob("*.json")):
        assert not path.name.startswith(".")
        rows += [orjson.loads(line) for line in path.read_bytes().splitlines()]
    return rows


def error_rows(lake: Path) -> list[dict[str, Any]]:
    rows = []
    for path in sorted((lake / "errors").rglob("*.json")):
        assert path.parent.name == "error=processing-failed"
        rows += [orjson.loads(line) for line in path.read_bytes().splitlines()]
    return rows


def original_lines(lake: Path) -> list[bytes]:
    lines: list[bytes] = []
    for path in sorted((lake / "original-data").rglob("*.json.gz")):
        lines += gzip.decompress(path.read_bytes()).split(b"\n")[:-1]
    return lines


def all_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def transform_settings(
    home: Path, tmp_path: Path, monkeypatch: Any, module: str, source: str
) -> Any:
    """Settings whose delivery runs ``module:run``, a transform written from ``source``."""
    from courtside.config import load_settings

    (tmp_path / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    return load_settings(home=home, deliver={"transform": f"{module}:run"})
