"""Configuration: TOML file, environment, validation and secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from courtside.config import load_settings
from courtside.errors import ConfigError


def test_defaults(tmp_path: Path) -> None:
    s = load_settings(home=tmp_path)
    assert s.deliver.buffer_mib == 5.0 and s.deliver.max_open_partitions == 500
    assert s.detect.window_s == 60 and s.detect.lateness_s == 30
    assert s.detect.out_of_orderness_s == 20 and s.detect.idleness_s == 90
    assert s.lake == (tmp_path / "lake").resolve()
    assert s.stream_path == (tmp_path / "streams.db").resolve()


def test_toml_file_then_env_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "courtside.toml").write_text(
        "[deliver]\nbuffer_mib = 2.5\nbuffer_interval_s = 10\n[detect]\nwindow_s = 30\n"
    )
    monkeypatch.setenv("COURTSIDE_DELIVER__BUFFER_MIB", "8")
    s = load_settings(home=tmp_path)
    assert s.deliver.buffer_mib == 8.0
    assert s.deliver.buffer_interval_s == 10.0
    assert s.detect.window_s == 30.0


def test_home_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURTSIDE_HOME", str(tmp_path / "elsewhere"))
    assert load_settings().home == tmp_path / "elsewhere"


@pytest.mark.parametrize(
    "toml,key",
    [
        ("[deliver]\nbuffer_mib = -1\n", "deliver.buffer_mib"),
        ("[deliver]\nmax_open_partitions = 'many'\n", "deliver.max_open_partitions"),
        ("[deliver]\nnot_a_key = 1\n", "deliver.not_a_key"),
        ("[detect]\nmin_count = 0\n", "detect.min_count"),
        ("[stream]\nsynchronous = 'sometimes'\n", "stream.synchronous"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, toml: str, key: str) -> None:
    (tmp_path / "courtside.toml").write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings(home=tmp_path)
    assert info.value.key == key and key in str(info.value)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "courtside.toml").write_text("[deliver\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(home=tmp_path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(home=tmp_path, config_file=tmp_path / "nope.toml")


def test_secrets_never_print(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    canary = "AAAA-canary-token-1234"
    monkeypatch.setenv("COURTSIDE_X__BEARER_TOKEN", canary)
    monkeypatch.setenv("COURTSIDE_NOTIFY__SMTP_PASSWORD", canary)
    s = load_settings(home=tmp_path)
    assert s.x.bearer_token is not None and s.x.bearer_token.get_secret_value() == canary
    assert canary not in repr(s) and canary not in str(s) and canary not in s.model_dump_json()


def test_bad_secret_value_is_not_echoed(tmp_path: Path) -> None:
    (tmp_path / "courtside.toml").write_text("[notify]\nsmtp_password = 12345678\n")
    with pytest.raises(ConfigError) as info:
        load_settings(home=tmp_path)
    assert "12345678" not in str(info.value)
