"""``courtside config show | check | reference``."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner_helpers import Courtside
from courtside.config_reference import iter_keys, reference_markdown


def test_show_gives_every_key_its_value_and_source_with_secrets_masked(
    courtside: Courtside, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    courtside("init", home=home)
    (home / "courtside.toml").write_text(
        '[deliver]\nbuffer_mib = 2.5\n[notify]\nsmtp_password = "hunter2-file"\n'
    )
    env = {
        "COURTSIDE_DETECT__WINDOW_S": "30",
        "COURTSIDE_X__BEARER_TOKEN": "canary-token-123",
        "COURTSIDE_WAREHOUSE__URL": "postgresql://u:pw-canary@127.0.0.1/db",
        "COURTSIDE_NOTIFY__MAIL_TO": "a@x.org,b@x.org",
    }
    proc = courtside("config", "show", "--json", home=home, env=env)
    shown = json.loads(proc.stdout)
    keys = {k["key"]: k for k in shown["keys"]}
    assert set(keys) == {k.dotted for k in iter_keys()}
    assert keys["deliver.buffer_mib"] == {
        "key": "deliver.buffer_mib",
        "value": 2.5,
        "source": "file",
        "env": "COURTSIDE_DELIVER__BUFFER_MIB",
    }
    assert keys["detect.window_s"]["value"] == 30 and keys["detect.window_s"]["source"] == "env"
    assert keys["notify.mail_to"]["value"] == ["a@x.org", "b@x.org"]
    assert keys["home"]["source"] == "flag" and keys["up.stop_grace_s"]["source"] == "default"
    for secret in ("x.bearer_token", "warehouse.url", "notify.smtp_password"):
        assert keys[secret]["value"] == "********", secret
    assert keys["notify.webhook_url"]["value"] is None  # unset secrets say so
    assert shown["config_file"] == str(home / "courtside.toml")
    table = courtside("config", "show", home=home, env=env).stdout.decode()
    for out in (proc.stdout.decode(), table, proc.stderr.decode()):
        for canary in ("hunter2-file", "canary-token-123", "pw-canary"):
            assert canary not in out
    assert "deliver.buffer_mib" in table and "file" in table


def test_home_from_the_environment_is_reported_as_env(courtside: Courtside, tmp_path: Path) -> None:
    env = {"COURTSIDE_HOME": str(tmp_path)}
    keys = {
        k["key"]: k
        for k in json.loads(courtside("config", "show", "--json", env=env).stdout)["keys"]
    }
    assert keys["home"]["source"] == "env" and keys["home"]["value"] == str(tmp_path)


def test_check_exits_0_when_valid_and_1_with_one_line(courtside: Courtside, tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok = courtside("config", "check", home=home)
    assert b"configuration valid" in ok.stdout and b"courtside init" in ok.stderr
    courtside("init", home=home)
    (home / "courtside.toml").write_text("[up]\nnightly_interval_s = 1e300\n")
    bad = courtside("config", "check", home=home, ok=False)
    assert bad.returncode == 1
    assert bad.stderr.decode().splitlines() == [
        "error: invalid config up.nightly_interval_s = 1e+300: "
        "Input should be less than or equal to 604800"
    ]


def test_reference_prints_or_writes_the_generated_markdown(
    courtside: Courtside, tmp_path: Path
) -> None:
    assert courtside("config", "reference").stdout.decode() == reference_markdown()
    out = tmp_path / "docs" / "configuration.md"
    courtside("config", "reference", "--out", str(out))
    assert out.read_text() == reference_markdown()
