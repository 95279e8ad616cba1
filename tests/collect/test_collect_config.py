"""Every numeric collector setting is bounded to what works: an out-of-range value is
one line naming the key when the configuration loads, never a crash later."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from courtside.config import load_settings
from courtside.errors import ConfigError

NUMERIC = [
    "x.stall_timeout_s",
    "x.connect_timeout_s",
    "x.max_line_kib",
    "x.rate_limit_max_s",
    "bluesky.rewind_s",
    "bluesky.max_frame_kib",
    "bluesky.reconnect_max_s",
    "bluesky.open_timeout_s",
]


@pytest.mark.parametrize("value", ["1e300", "inf", "nan", "-1", "1e12"])
@pytest.mark.parametrize("key", NUMERIC)
def test_out_of_range_numbers_are_refused_at_load(
    home: Path, monkeypatch: pytest.MonkeyPatch, key: str, value: str
) -> None:
    section, name = key.split(".")
    monkeypatch.setenv(f"COURTSIDE_{section.upper()}__{name.upper()}", value)
    with pytest.raises(ConfigError) as info:
        load_settings(home=home)
    assert info.value.key == key
    assert "\n" not in str(info.value)


def test_the_largest_accepted_waits_still_work(home: Path) -> None:
    """Each upper bound is a timeout the platform accepts (a free lock checks the
    timeout's range before it returns at once; 1e300 raises OverflowError)."""
    cfg = load_settings(home=home)
    checked = 0
    for key in NUMERIC:
        section, name = key.split(".")
        field = type(getattr(cfg, section)).model_fields[name]
        upper = next(m.le for m in field.metadata if getattr(m, "le", None) is not None)
        if name.endswith("_s"):
            lock = threading.Lock()
            assert lock.acquire(timeout=float(upper))
            lock.release()
            checked += 1
    assert checked == 6
    with pytest.raises(OverflowError):
        threading.Lock().acquire(timeout=1e300)


@pytest.mark.parametrize(
    ("key", "value"),
    [("bluesky.keywords", '["' + "k" * 201 + '"]'), ("bluesky.langs", '["' + "l" * 36 + '"]')],
)
def test_list_items_are_bounded(
    home: Path, monkeypatch: pytest.MonkeyPatch, key: str, value: str
) -> None:
    section, name = key.split(".")
    toml = home / "courtside.toml"
    toml.write_text(f"[{section}]\n{name} = {value}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(home=home)
    assert (info.value.key or "").startswith(key)
