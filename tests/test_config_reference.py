"""The configuration reference is generated from the settings models and cannot drift."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from courtside.config import load_settings
from courtside.config_reference import (
    check_complete,
    config_template,
    iter_keys,
    readme_block,
    readme_table,
    reference_markdown,
    sections,
)
from courtside.home import init_home


def test_every_key_is_documented() -> None:
    assert check_complete() == [], "add these keys to their section's Attributes: docstring"


def test_the_reference_lists_every_section_and_key_with_type_default_and_env() -> None:
    text = reference_markdown()
    names = [s for s, _ in sections()]
    assert {"notify", "batch", "catalog", "up", "warehouse", "x", "bluesky"} <= set(names)
    for section in names:
        assert f"## `[{section}]`" in text
    for key in iter_keys():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{key.name}` |"))
        assert f"`{key.env}`" in text and key.description[:20] in text
        assert row.count("|") >= 6
    assert "`COURTSIDE_LAKE_ROOT`" in text and "`COURTSIDE_UP__ENABLE_REDSHIFT`" in text
    assert "0.001 <= x <= 604,800" in text  # detect.window_s, bounds included


def test_committed_reference_matches_the_models(repo_root: Path) -> None:
    committed = (repo_root / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), (
        "docs/configuration.md is stale: run "
        "`courtside config reference --out docs/configuration.md --readme README.md`"
    )


def test_readme_lists_every_key_of_every_section(repo_root: Path) -> None:
    block = readme_block((repo_root / "README.md").read_text(encoding="utf-8"))
    assert block == readme_table(), (
        "README's key table is stale: run `courtside config reference --readme README.md`"
    )
    for key in iter_keys():
        assert f"`{key.name}`" in block


def test_init_writes_a_template_with_every_section_and_key(tmp_path: Path) -> None:
    cfg = load_settings(home=tmp_path / "home")
    init_home(cfg)
    text = (cfg.home / "courtside.toml").read_text(encoding="utf-8")
    assert text == config_template()
    for section, _ in sections():
        assert f"\n[{section}]\n" in text
    for key in iter_keys():
        if key.name != "home":
            assert re.search(rf"^# {key.name} = ", text, re.M), key.dotted
    assert tomllib.loads(text) == {s: {} for s, _ in sections()}  # all commented out


def test_uncommenting_every_key_of_the_template_gives_the_defaults(tmp_path: Path) -> None:
    lines = []
    for line in config_template().splitlines():
        match = re.match(r"^# (\w+ = .*)$", line)
        lines.append(match.group(1).split("  # ")[0] if match else line)
    (tmp_path / "courtside.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    from_file = load_settings(home=tmp_path)
    assert from_file.model_dump(exclude={"home"}) == load_settings(home=tmp_path / "x").model_dump(
        exclude={"home"}
    )


def test_refresh_readme_replaces_only_its_block(tmp_path: Path) -> None:
    from courtside.config_reference import README_BEGIN, README_END, refresh_readme
    from courtside.errors import ConfigError

    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\n{README_BEGIN}\nold\n{README_END}\n\nafter\n")
    refresh_readme(readme)
    assert readme.read_text() == f"# title\n\n{readme_table()}\n\nafter\n"
    readme.write_text("no markers here")
    with pytest.raises(ConfigError, match="markers"):
        refresh_readme(readme)
