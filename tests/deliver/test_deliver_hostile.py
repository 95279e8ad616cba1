"""Nothing derived from a record can write outside the lake (property-based)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from courtside.config import load_settings
from courtside.deliver.service import deliver
from courtside.errors import LakeError
from courtside.home import init_home, open_stream
from courtside.lake.layout import safe_value, within

HOSTILE = st.one_of(
    st.sampled_from(
        [
            "..",
            "../..",
            "/abs",
            "a/b",
            "%2e%2e",
            "\x00",
            "2020\x00",
            "x" * 5000,
            "..\\..",
            "~",
            "2020/../../..",
            "0000",
            "99",
            "-1",
            "２０２０",
            " 2020",
        ]
    ),
    st.text(min_size=0, max_size=40),
)


def _record(year: object, month: object, day: object, created_at: object) -> bytes:
    post = {"id": "1", "text": "t", "created_at": created_at}
    return orjson.dumps({"data": post, "year": year, "month": month, "day": day})


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(created_at=HOSTILE, year=HOSTILE, month=HOSTILE, day=HOSTILE)
def test_hostile_partition_values_never_escape(
    tmp_path_factory: pytest.TempPathFactory, created_at: str, year: str, month: str, day: str
) -> None:
    base = tmp_path_factory.mktemp("hostile")
    home = base / "home"
    (tmp_path_factory.getbasetemp() / "hostile_transform.py").write_text(
        "from courtside.deliver import Ok\n"
        "import json, os\n"
        "def run(rec):\n"
        "    rec.update(json.loads(os.environ['HOSTILE_PARTS']))\n"
        "    return Ok(rec)\n"
    )
    import os
    import sys

    sys.path.insert(0, str(tmp_path_factory.getbasetemp()))
    os.environ["HOSTILE_PARTS"] = orjson.dumps({"year": year, "month": month, "day": day}).decode()
    try:
        settings = load_settings(home=home, deliver={"transform": "hostile_transform:run"})
        init_home(settings)
        with open_stream(settings) as backend:
            backend.append_many(
                "tweets",
                [
                    _record(year, month, day, created_at),
                    _record(year, month, day, "2020-03-01T00:00:00Z"),
                ],
            )
        report = deliver(settings, once=True)
    finally:
        sys.path.remove(str(tmp_path_factory.getbasetemp()))
        os.environ.pop("HOSTILE_PARTS", None)
    assert report.records == 2
    assert report.delivered + report.failed == 2
    outside = [p for p in base.rglob("*") if p.is_file() and home not in p.parents]
    assert outside == []
    for path in (home / "lake" / "raw").rglob("*.json"):
        rel = path.relative_to(home / "lake" / "raw").parts
        assert rel[0].startswith("year=") and rel[0][5:].isdigit() and len(rel[0]) == 9
        assert rel[1].startswith("month=") and rel[2].startswith("day=")


@pytest.mark.parametrize("value", ["..", "../x", "/abs", "a/b", "\x00", "", ".hidden", "x" * 200])
def test_safe_value_refuses_path_tricks(value: str) -> None:
    with pytest.raises(LakeError):
        safe_value(value)


@pytest.mark.parametrize("rel", ["../x", "/etc/passwd", "a/../../b", "raw/\x00"])
def test_within_refuses_escapes(tmp_path: Path, rel: str) -> None:
    with pytest.raises(LakeError):
        within(tmp_path, rel)
