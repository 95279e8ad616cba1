"""``courtside streams``: inputs checked, partial puts reported exactly, delete and reset."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cli_runner_helpers import courtside
from courtside.config import Settings
from courtside.home import open_stream


def run(
    home: Path, *args: str, stdin: bytes = b"", env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    proc = courtside(*args, home=home, stdin=stdin, env=env, ok=False, timeout_s=120)
    err = " ".join(line.strip() for line in proc.stderr.decode().splitlines())
    assert "Traceback" not in err
    return proc.returncode, proc.stdout.decode(), err


def _lines(n: int) -> bytes:
    return b"".join(b'{"n": %d}\n' % i for i in range(n))


@pytest.mark.parametrize("batch", ["1000", "7"])
def test_put_stopping_at_a_bad_line_says_exactly_what_was_appended(
    settings: Settings, tmp_path: Path, batch: str
) -> None:
    data = tmp_path / "in.jsonl"
    data.write_bytes(_lines(1500) + b"x" * 2000 + b"\n" + _lines(3))
    env = {"COURTSIDE_STREAM__MAX_RECORD_MIB": "0.001"}  # 1048 bytes
    code, _, err = run(settings.home, "streams", "put", "tweets", str(data), "--batch", batch,
                       env=env)  # fmt: skip
    assert code == 1
    assert "stopped at line 1501 of" in err and "record of 2000 bytes exceeds" in err
    assert "appended lines 1-1500 (1500 record(s), seq 1-1500) to tweets" in err
    assert "nothing from line 1501 on" in err
    with open_stream(settings) as backend:
        records = backend.read("tweets", 0, 10_000)
    assert [r.data for r in records] == _lines(1500).splitlines()


def test_put_stopping_on_the_first_line_appends_nothing(settings: Settings) -> None:
    env = {"COURTSIDE_STREAM__MAX_RECORD_MIB": "0.001"}
    code, _, err = run(settings.home, "streams", "put", "tweets", "-", stdin=b"y" * 5000, env=env)
    assert code == 1 and "stopped at line 1 of stdin" in err and "nothing was appended" in err
    with open_stream(settings) as backend:
        assert backend.last_seq("tweets") == 0


def test_put_reports_lines_and_sequence_numbers(settings: Settings) -> None:
    code, out, _ = run(settings.home, "streams", "put", "tweets", "-", stdin=_lines(5))
    assert code == 0 and "appended 5 record(s) (5 line(s)) to tweets, seq 1-5" in out


def test_unknown_streams_are_refused_unless_created(settings: Settings) -> None:
    code, _, err = run(settings.home, "streams", "put", "nosuch", "-", stdin=b"a\n")
    assert code == 1 and "no stream named 'nosuch'" in err and "--create" in err
    for args in (
        ("tail", "nosuch"),
        ("trim", "nosuch", "--max-age-hours", "1"),
        ("delete", "nosuch", "--yes"),
        ("reset-group", "nosuch", "g", "--to", "0"),
    ):
        code, out, err = run(settings.home, "streams", *args)
        assert code == 1 and "no stream named 'nosuch'" in err, args
    with open_stream(settings) as backend:
        assert not backend.has_stream("nosuch")
    code, _, _ = run(settings.home, "streams", "put", "nosuch", "-", "--create", stdin=b"a\n")
    assert code == 0
    code, out, _ = run(settings.home, "streams", "tail", "nosuch")
    assert code == 0 and out == "a\n"


@pytest.mark.parametrize(
    "args",
    [
        ("trim", "tweets", "--max-age-hours", "-1"),
        ("trim", "tweets", "--max-mib", "-0.5"),
        ("trim", "tweets", "--max-age-hours", "nan"),
        ("trim", "tweets", "--max-age-hours", "inf"),
        ("tail", "tweets", "-n", "-3"),
        ("tail", "tweets", "--from", "-1"),
        ("put", "tweets", "-", "--batch", "0"),
        ("reset-group", "tweets", "deliver", "--to", "-1"),
        ("reset-group", "tweets", "deliver", "--to", "soon"),
        ("reset-group", "tweets", "deliver", "--to", "99"),
    ],
    ids=lambda a: "-".join(a[:1] + a[2:]),
)
def test_bad_bounds_are_refused_and_change_nothing(
    settings: Settings, args: tuple[str, ...]
) -> None:
    with open_stream(settings) as backend:
        backend.append_many("tweets", [b"a", b"b", b"c"])
        backend.commit("tweets", "deliver", 2)
    code, _, err = run(settings.home, "streams", *args)
    assert code == 1 and f"invalid option {args[2] if args[0] == 'trim' else ''}" in err
    with open_stream(settings) as backend:
        assert len(backend.read("tweets")) == 3
        assert backend.committed("tweets", "deliver") == 2


def test_trim_zero_hours_empties_the_stream(settings: Settings) -> None:
    with open_stream(settings) as backend:
        backend.append_many("tweets", [b"a", b"b"])
    code, out, _ = run(settings.home, "streams", "trim", "tweets", "--max-age-hours", "0")
    assert code == 0 and "trimmed 2 record(s)" in out


def test_delete_needs_yes_and_reset_group_moves_the_position(settings: Settings) -> None:
    with open_stream(settings) as backend:
        backend.append_many("tweets", [b"a", b"b", b"c", b"d"])
        backend.commit("tweets", "deliver", 3)
    code, out, err = run(
        settings.home, "streams", "reset-group", "tweets", "deliver", "--to", "earliest"
    )
    assert code == 0 and "committed 3 -> 0 (lag now 4)" in out
    code, out, _ = run(
        settings.home, "streams", "reset-group", "tweets", "deliver", "--to", "latest"
    )
    assert code == 0 and "committed 0 -> 4 (lag now 0)" in out
    code, _, err = run(settings.home, "streams", "reset-group", "tweets", "nosuch", "--to", "0")
    assert code == 1 and "no consumer group 'nosuch' on stream 'tweets' (groups: deliver)" in err
    code, _, err = run(settings.home, "streams", "delete", "tweets")
    assert code == 1 and "its 4 record(s): add --yes" in err
    code, out, _ = run(settings.home, "streams", "delete", "tweets", "--yes")
    assert code == 0 and "deleted stream tweets (4 record(s))" in out
    code, out, _ = run(settings.home, "streams", "--json")
    shown = json.loads(out)
    assert {s["name"]: s["length"] for s in shown["streams"]}["tweets"] == 0
    assert shown["groups"] == []


def test_delete_and_reset_are_refused_while_the_consumer_runs(settings: Settings) -> None:
    with open_stream(settings) as backend:
        backend.append_many("tweets", [b"a", b"b"])
        consumer = backend.consumer("tweets", "deliver")
        consumer.poll(1)
        code, _, err = run(
            settings.home, "streams", "reset-group", "tweets", "deliver", "--to", "0"
        )
        assert code == 1
        busy = "cannot reset group 'deliver': consumer group 'deliver' on stream 'tweets'"
        assert f"{busy} is in use by pid {os.getpid()}" in err
        code, _, err = run(settings.home, "streams", "delete", "tweets", "--yes")
        assert code == 1 and "cannot delete stream 'tweets'" in err
        code, out, _ = run(settings.home, "streams", "--json")
        (group,) = json.loads(out)["groups"]
        assert group["active"] and group["holder"].startswith(f"pid {os.getpid()} since")
        assert (group["read_seq"], group["committed_seq"], group["buffered"], group["lag"]) == (
            1,
            0,
            1,
            2,
        )
        assert group["unread"] == 1
        code, out, _ = run(settings.home, "status", "--json")
        (group,) = json.loads(out)["groups"]  # courtside status shows the same
        assert (group["active"], group["read_seq"], group["buffered"]) == (True, 1, 1)
        code, out, _ = run(settings.home, "status")
        assert "buffered" in out and f"active (pid {os.getpid()}" in out
        consumer.close()
    code, _, _ = run(settings.home, "streams", "delete", "tweets", "--yes")
    assert code == 0
