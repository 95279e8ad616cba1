"""``courtside demo`` end to end, its summary checked against independent counts."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

from cli_runner_helpers import Courtside


def _independent_counts(lake: Path) -> tuple[int, set[str], Counter[str]]:
    """From the gzip backup of every original record, with plain json: how many records
    are valid, the distinct post ids, and distinct posts per Athlete name."""
    valid = 0
    ids: set[str] = set()
    per_player: dict[str, set[str]] = {}
    for path in (lake / "original-data").rglob("*.json.gz"):
        for line in gzip.decompress(path.read_bytes()).split(b"\n")[:-1]:
            try:
                rec = json.loads(line.decode("utf-8"))
                post = rec["data"][0] if isinstance(rec["data"], list) else rec["data"]
                assert isinstance(post, dict) and isinstance(post["created_at"], str)
                assert post["created_at"][:4].isdigit() and len(line) <= 1024 * 1024
                assert post["created_at"][4] == "-"
            except Exception:  # noqa: BLE001 - anything invalid is not counted
                continue
            valid += 1
            ids.add(post["id"])
            for ann in post.get("context_annotations", []):
                if ann["domain"]["id"] == "60":
                    per_player.setdefault(ann["entity"]["name"], set()).add(post["id"])
    return valid, ids, Counter({name: len(v) for name, v in per_player.items()})


def test_demo_summary_matches_independent_counts(courtside: Courtside, tmp_path: Path) -> None:
    home = tmp_path / "home"
    proc = courtside("demo", "--posts", "3000", "--days", "2", "--json", home=home)
    summary = json.loads(proc.stdout)
    valid, ids, per_player = _independent_counts(home / "lake")
    zones = summary["zones"]
    assert zones["original-data"]["records"] == 3000
    assert zones["raw"]["records"] == valid
    assert zones["raw"]["records"] + zones["errors"]["records"] == 3000
    assert zones["tweets"]["records"] == len(ids)  # one row per post after dedupe
    # The warehouse's top players are the independently counted top players.
    for player, total in summary["top_players"]:
        assert per_player[player] == total
    assert summary["top_players"][0][1] == max(per_player.values())
    # Tampering scenarios were generated, detected and reported.
    assert summary["alerts"], "the demo must detect its tampering scenarios"
    for alert in summary["alerts"]:
        assert alert["total"] >= 2 and len(alert["players"]) >= 1
        assert alert["window_start"] < alert["window_end"]
    steps = [s["step"] for s in summary["steps"]]
    assert steps == ["generate", "deliver", "detect", "nightly"]
