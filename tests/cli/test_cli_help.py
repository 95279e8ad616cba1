"""Help that tells the truth and reads well at 80 columns, for every command.

Flags (``--json``, ``--once``, ``-v``) show no value placeholder because they take none;
paragraphs are reflowed instead of breaking where the docstring did; nothing is
wrapped at a hyphen inside a name such as ``--buffer-interval-s``; a ``[section]`` in
the text is shown as written.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from typer import _click as click
from typer.core import TyperGroup, TyperOption
from typer.main import get_command

from cli_runner_helpers import courtside
from courtside.cli import app

WIDTH = 80


def _commands() -> list[list[str]]:
    paths: list[list[str]] = [[]]

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                paths.append([*path, name])
                walk(sub, [*path, name])

    walk(get_command(app), [])
    return paths


COMMANDS = _commands()


def _help(path: list[str]) -> str:
    result = courtside.invoke(*path, "--help", env={"COLUMNS": str(WIDTH)})
    assert result.exit_code == 0, result.output
    return result.output


def _command(path: list[str]) -> Any:
    command: Any = get_command(app)
    for name in path:
        command = command.commands[name]
    return command


def test_every_command_is_covered() -> None:
    names = {" ".join(p) for p in COMMANDS}
    assert {"", "deliver", "notify", "config show", "streams tail", "players export"} <= names
    assert len(names) > 40


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "courtside")
def test_help_is_honest_and_fits_80_columns(path: list[str]) -> None:
    text = _help(path)
    for line in text.splitlines():
        assert len(line) <= WIDTH, line
        # A hyphenated word or option is never split over two lines.
        assert not re.search(r"\w-$", line), line
    for param in _command(path).params:
        if not isinstance(param, TyperOption) or not (param.is_flag or param.count):
            continue
        for opt in param.opts:
            row = next((ln for ln in text.splitlines() if opt in ln.split(",")[-1]), "")
            assert not re.search(rf"{re.escape(opt)}\s+<", row), f"{opt} takes no value: {row}"
    assert "<bool>" not in text


@pytest.mark.parametrize("path", [p for p in COMMANDS if p], ids=" ".join)
def test_help_paragraphs_are_reflowed_not_broken_where_the_docstring_was(
    path: list[str],
) -> None:
    command = _command(path)
    first = " ".join((command.help or "").split("\n\n")[0].split())
    if not first:
        pytest.skip("no help text")
    text = _help(path)
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    assert first in paragraphs, f"{first!r} is not one reflowed paragraph of the help"


def test_flags_take_no_value_as_help_says() -> None:
    bad = courtside.invoke("status", "--json", "true")
    assert bad.exit_code != 0
    verbose = courtside.invoke("-vv", "--help")
    assert verbose.exit_code == 0 and "-v, --verbose " in verbose.output
    assert "<int>" not in next(ln for ln in verbose.output.splitlines() if "--verbose" in ln)


def test_notify_help_names_its_section() -> None:
    assert "[notify] section" in " ".join(_help(["notify"]).split())


def test_load_help_says_how_the_default_target_is_chosen() -> None:
    text = " ".join(_help(["load"]).split())
    assert "Default: postgres when --url or warehouse.url is set, else the DuckDB file" in text


def test_root_help_in_a_real_process_at_80_columns() -> None:
    proc = courtside("--help", env={"COLUMNS": "80"})
    out = proc.stdout.decode()
    assert "--log-file" in out and "--install-completion" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    # The command list shows the whole first sentence, not click's "(e.g." cut.
    assert "(e.g. twitter_nba_db.tweets)" in " ".join(out.split())
