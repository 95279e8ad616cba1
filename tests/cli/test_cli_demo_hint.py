"""The demo's closing hint: each suggested command on one line, never wrapped inside."""

from __future__ import annotations

import shlex
from pathlib import Path

from cli_runner_helpers import Courtside
from courtside.cli.demo import next_steps


def test_next_steps_are_whole_runnable_commands() -> None:
    home = Path("/tmp/a folder/with 'quotes'")
    lines = next_steps(home)
    assert len(lines) == 2
    for line in lines:
        command = line.split("    # ")[0]
        words = shlex.split(command)
        assert words[:3] == ["courtside", "--home", str(home)]
    assert shlex.split(lines[1].split("    # ")[0])[-1].startswith("SELECT count(*)")


def test_the_demo_hint_does_not_wrap_even_with_a_long_home(
    courtside: Courtside, tmp_path: Path
) -> None:
    home = tmp_path.joinpath(*["a-long-folder-name-for-the-demo"] * 6)
    proc = courtside("demo", "--posts", "200", "--days", "1", home=home, env={"COLUMNS": "60"})
    lines = proc.stdout.decode().splitlines()
    hint = [ln for ln in lines if ln.lstrip().startswith("courtside --home")]
    assert len(hint) == 2 and all(len(ln) > 160 for ln in hint)
    assert hint == next_steps(home)
