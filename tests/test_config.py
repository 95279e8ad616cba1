"""Configuration: TOML file, environment, validation and secrets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import pytest

from courtside.config import is_list_type, load_settings, load_with_sources
from courtside.config_reference import sections
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


# -- every numeric setting is bounded to what works (issue 10, point 10) -------------------
def _numeric_fields() -> list[Any]:
    out = []
    for section, model in sections():
        for name, info in model.model_fields.items():
            kinds = [a for a in get_args(info.annotation) or (info.annotation,)]
            if bool in kinds or not any(k in (int, float) for k in kinds):
                continue
            out.append(pytest.param(section, name, int in kinds, id=f"{section}.{name}"))
    return out


NUMERIC = _numeric_fields()


def test_the_numeric_fields_are_found() -> None:
    ids = {p.id for p in NUMERIC}
    assert {"detect.window_s", "deliver.buffer_mib", "up.nightly_interval_s"} <= ids
    assert {"stream.retention_hours", "batch.duckdb_threads", "notify.smtp_port"} <= ids
    assert len(ids) >= 40


@pytest.mark.parametrize("section,name,is_int", NUMERIC)
@pytest.mark.parametrize("bad", ["huge", "inf", "-inf", "nan", "negative"])
def test_every_numeric_setting_refuses_what_cannot_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, section: str, name: str, is_int: bool, bad: str
) -> None:
    values = {"huge": str(10**30) if is_int else "1e300", "negative": "-1"}
    env = f"COURTSIDE_{section.upper()}__{name.upper()}"
    monkeypatch.setenv(env, values.get(bad, bad))
    with pytest.raises(ConfigError) as info:
        load_settings(home=tmp_path)
    message = str(info.value)
    assert info.value.key == f"{section}.{name}" and f"{section}.{name}" in message
    assert "\n" not in message and len(message) < 300


@pytest.mark.parametrize("section,name,is_int", NUMERIC)
def test_toml_infinity_and_huge_numbers_are_refused_too(
    tmp_path: Path, section: str, name: str, is_int: bool
) -> None:
    for literal in ("inf", "nan", "1e300", str(2**63 - 1)):
        (tmp_path / "courtside.toml").write_text(f"[{section}]\n{name} = {literal}\n")
        with pytest.raises(ConfigError, match=rf"{section}\.{name}"):
            load_settings(home=tmp_path)


@pytest.mark.parametrize("section,name,is_int", NUMERIC)
def test_the_upper_bound_itself_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, section: str, name: str, is_int: bool
) -> None:
    bound = _upper_bound(section, name)
    value = bound if not is_int or isinstance(bound, int) else int(bound)
    monkeypatch.setenv(f"COURTSIDE_{section.upper()}__{name.upper()}", str(value))
    assert getattr(getattr(load_settings(home=tmp_path), section), name) == value


def _upper_bound(section: str, name: str) -> float:
    from annotated_types import Le, Lt

    info = dict(sections())[section].model_fields[name]
    for meta in info.metadata:
        if isinstance(meta, Le):
            return meta.le  # type: ignore[return-value]
        if isinstance(meta, Lt):
            return meta.lt - 1  # type: ignore[operator,no-any-return]
    raise AssertionError(f"{section}.{name} has no upper bound")


def test_a_cli_option_is_bounded_like_the_file(tmp_path: Path) -> None:
    from courtside.cli._common import with_options

    with pytest.raises(ConfigError, match=r"--window-s 1000000000000.0: .*less than or equal"):
        with_options(load_settings(home=tmp_path), "detect", {"window_s": 1e12})


# -- list settings from the environment (issue 10, point 11) -------------------------------
def _list_fields() -> list[Any]:
    return [
        pytest.param(section, name, id=f"{section}.{name}")
        for section, model in sections()
        for name, info in model.model_fields.items()
        if is_list_type(info.annotation)
    ]


LISTS = _list_fields()


def test_the_list_fields_are_found() -> None:
    assert {"notify.mail_to", "bluesky.keywords", "bluesky.langs"} <= {p.id for p in LISTS}


@pytest.mark.parametrize("section,name", LISTS)
@pytest.mark.parametrize(
    "raw,expected",
    [
        ('["a@x.org", "b@y.org"]', ["a@x.org", "b@y.org"]),
        ("a@x.org,b@y.org", ["a@x.org", "b@y.org"]),
        (" a@x.org , b@y.org ,", ["a@x.org", "b@y.org"]),
        ("only", ["only"]),
        ("", []),
        ("[]", []),
    ],
    ids=["json", "comma", "spaces", "one", "empty", "json-empty"],
)
def test_every_list_setting_takes_json_or_commas_from_the_environment(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    section: str,
    name: str,
    raw: str,
    expected: list[str],
) -> None:
    monkeypatch.setenv(f"COURTSIDE_{section.upper()}__{name.upper()}", raw)
    assert getattr(getattr(load_settings(home=tmp_path), section), name) == expected


def test_a_bad_json_list_is_one_line_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURTSIDE_NOTIFY__MAIL_TO", '["a@x.org",')
    with pytest.raises(ConfigError, match="COURTSIDE_NOTIFY__MAIL_TO: not a JSON list"):
        load_settings(home=tmp_path)
    monkeypatch.setenv("COURTSIDE_NOTIFY__MAIL_TO", '[1, {"a": 2}]')
    with pytest.raises(ConfigError, match=r"notify\.mail_to"):
        load_settings(home=tmp_path)


# -- locations the code cannot serve (issue 11, point 2) -----------------------------------
@pytest.mark.parametrize(
    "env,value",
    [
        ("COURTSIDE_LAKE_ROOT", "S3A://bucket/lake"),
        ("COURTSIDE_LAKE_ROOT", "gs://bucket/lake"),
        ("COURTSIDE_LAKE_ROOT", "https://example.org/lake"),
        ("COURTSIDE_HOME", "s3://bucket/home"),
        ("COURTSIDE_WAREHOUSE__DUCKDB_FILE", "s3://bucket/w.duckdb"),
        ("COURTSIDE_NOTIFY__SMTP_CAFILE", "https://example.org/ca.pem"),
    ],
)
def test_url_locations_are_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError, match="locations are not supported") as info:
        load_settings()
    assert "\n" not in str(info.value)


def test_url_location_from_a_flag_or_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="s3:// locations"):
        load_settings(home="s3://bucket/home")
    with pytest.raises(ConfigError, match="s3:// locations"):
        load_settings(home=Path("s3://bucket/home"))  # a Path makes it "s3:/bucket/home"
    # The lake may be on S3 (issue 13); other schemes are refused in one line.
    (tmp_path / "courtside.toml").write_text('lake_root = "s3://my-bucket/lake/"\n')
    assert load_settings(home=tmp_path).lake_url == "s3://my-bucket/lake"
    assert load_settings(home=tmp_path, lake_root=Path("s3://b-1/x")).lake_url == "s3://b-1/x"
    folder = tmp_path / "file-lake"
    assert load_settings(home=tmp_path, lake_root=folder.as_uri()).lake == folder
    for bad in ("ftp://host/lake", "s3://Bad_Bucket/x", "s3://b/../x", "gs://b/x"):
        (tmp_path / "courtside.toml").write_text(f'lake_root = "{bad}"\n')
        with pytest.raises(ConfigError, match="lake_root") as info:
            load_settings(home=tmp_path)
        assert "\n" not in str(info.value)


def test_local_paths_still_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURTSIDE_LAKE_ROOT", str(tmp_path / "my:lake"))
    assert load_settings(home=tmp_path).lake == (tmp_path / "my:lake").resolve()


def test_a_home_or_lake_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(ConfigError, match="home .* is not a folder"):
        load_settings(home=afile)
    with pytest.raises(ConfigError, match="lake_root .* is not a folder"):
        load_settings(home=tmp_path, lake_root=afile)


# -- where each value came from (issue 11, point 7) ----------------------------------------
def test_sources_default_file_env_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "courtside.toml").write_text("[deliver]\nbuffer_mib = 2.5\ngzip_level = 5\n")
    monkeypatch.setenv("COURTSIDE_DELIVER__GZIP_LEVEL", "7")
    loaded = load_with_sources(home=tmp_path, lake_root=tmp_path / "lake2")
    assert loaded.source("deliver.buffer_mib") == "file"
    assert loaded.source("deliver.gzip_level") == "env"
    assert loaded.env_names["deliver.gzip_level"] == "COURTSIDE_DELIVER__GZIP_LEVEL"
    assert loaded.source("lake_root") == "flag" and loaded.source("home") == "flag"
    assert loaded.source("detect.window_s") == "default"
    assert loaded.config_file == tmp_path / "courtside.toml"


def test_config_does_not_import_the_supervisor() -> None:
    code = "import sys, courtside.config; assert 'courtside.supervisor' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
