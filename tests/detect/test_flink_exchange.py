"""What the Flink runner does around the job, without a JVM: the exporter's files and
marks, the publisher's exactly-once publishing, restore points and settings."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
from pathlib import Path

import orjson
import pytest
from detect_helpers import T0, append, lake_docs, tweet

from cli_runner_helpers import Courtside
from courtside.config import Settings, load_settings
from courtside.detect.flink_env import (
    FlinkPaths,
    flink_config,
    latest_checkpoint,
    restore_point,
    valid_restore_path,
)
from courtside.detect.flink_export import CONTROL, MARK_PREFIX, TWEETS, StreamExporter
from courtside.detect.flink_publish import OutputPublisher
from courtside.detect.report import DetectReport
from courtside.errors import ConfigError
from courtside.home import open_stream
from courtside.reference.control import change_event
from courtside.stream.local import LocalStream

GROUP = "detect-flink"


def _exporter(settings: Settings, backend: LocalStream, **kw: int) -> StreamExporter:
    return StreamExporter(backend, GROUP, FlinkPaths.of(settings).input, DetectReport(), **kw)


def _files(exporter: StreamExporter, stream: str) -> list[Path]:
    return sorted(exporter.directory(stream).glob(f"{stream}-*.jsonl"))


def test_exporter_writes_one_outstanding_file_with_a_mark_and_commits_on_marks(
    settings: Settings,
) -> None:
    append(settings, "tweets", [tweet("a0", ["Bo Beta"], T0 + i) for i in range(5)])
    with open_stream(settings) as backend:
        exporter = _exporter(settings, backend, max_records=3)
        assert exporter.export(TWEETS) == 3
        assert exporter.export(TWEETS) == 0, "one outstanding file at a time"
        (first,) = _files(exporter, TWEETS)
        assert first.name == "tweets-000000000-1-3.jsonl"
        lines = first.read_bytes().splitlines()
        assert len(lines) == 4
        assert lines[-1] == (MARK_PREFIX + '{"stream":"tweets","file":0,"last_seq":3}').encode()
        assert backend.committed("tweets", GROUP) == 0, "nothing is committed before a mark"

        exporter.on_mark(TWEETS, 3)
        assert backend.committed("tweets", GROUP) == 3
        assert exporter.export(TWEETS) == 2
        exporter.on_mark(TWEETS, 5)
        # The newest covered file stays (a checkpoint may hold the reader at its end).
        assert [p.name for p in _files(exporter, TWEETS)] == ["tweets-000000001-4-5.jsonl"]
        assert exporter.export(TWEETS) == 0

    # A new exporter (a restart) finds its place from the files and the commit.
    append(settings, "tweets", [tweet("a0", ["Bo Beta"], T0 + 9)])
    with open_stream(settings) as backend:
        again = _exporter(settings, backend)
        assert again.export(TWEETS) == 1
        assert _files(again, TWEETS)[-1].name == "tweets-000000002-6-6.jsonl"
        again.reset()
        assert _files(again, TWEETS) == []


@pytest.mark.parametrize(
    ("record", "code"),
    [
        (b"", "EmptyRecord"),
        (b" \t ", "EmptyRecord"),
        (b"\xff\xfe", "NotUtf8"),
        (b'{"a":\n"x\ny"}', "NotJson"),
        (MARK_PREFIX.encode() + b"{}", "NotJson"),
    ],
    ids=["empty", "blank", "not-utf8", "newline-in-string", "fake-mark"],
)
def test_exporter_counts_records_the_line_reader_would_alter(
    settings: Settings, record: bytes, code: str
) -> None:
    append(settings, "tweets", [record, b'{"a":\r\n 1}'])
    with open_stream(settings) as backend:
        exporter = _exporter(settings, backend)
        exporter.export(TWEETS)
        lines = _files(exporter, TWEETS)[0].read_bytes().splitlines()
    assert exporter.report.errors_by_code == {code: 1}
    assert exporter.report.tweets == 2
    assert lines[0] == b'{"a":1}'  # line breaks between tokens: one canonical line
    assert len(lines) == 2 and lines[1].startswith(MARK_PREFIX.encode())


def test_exporter_bootstrap_takes_control_before_the_first_pending_tweet(
    settings: Settings,
) -> None:
    events = [change_event("INSERT", team, True, None) for team in ("Team A", "Team B")]
    append(settings, "control", [orjson.dumps(e) for e in events])
    append(settings, "tweets", [tweet("a0", ["Bo Beta"], T0)])
    append(settings, "control", [orjson.dumps(change_event("REMOVE", "Team A", False, True))])
    with open_stream(settings) as backend:
        exporter = _exporter(settings, backend)
        assert exporter.bootstrap(commit=False) == {"Team A", "Team B"}
        assert backend.committed("control", GROUP) == 0
        assert exporter.bootstrap() == {"Team A", "Team B"}
        assert backend.committed("control", GROUP) == 2
        assert exporter.export(CONTROL) == 1  # the change after the first tweet


def _part(output: Path, name: str, lines: list[str]) -> Path:
    path = output / name
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _alert(version: int, total: int) -> str:
    doc = {"alert_id": "x1", "version": version, "update": version > 1, "team": "Team A"}
    return "alert\t" + json.dumps(doc | {"tamperingPlayer": "Bo Beta", "total": total})


def test_publisher_publishes_each_part_file_once_even_when_repeated(settings: Settings) -> None:
    append(settings, "tweets", [tweet("a0", ["Bo Beta"], T0 + i) for i in range(3)])
    output = FlinkPaths.of(settings).output
    doc = {"id": "p1", "event_time_ms": T0, "team": "Team A", "player": "Anna Alpha"}
    lines = [
        "all\t" + json.dumps(doc),
        "late\t" + json.dumps(doc | {"window_start": "x"}),
        _alert(1, 2),
        _alert(2, 3),
        'error\t{"code":"NotJson","message":"record is not JSON","where":"tweet"}',
        'counts\t{"tweets":3,"code:UnknownAuthor":2,"unknown_destinations":1}',
        'mark\t{"stream":"tweets","file":0,"last_seq":3}',
    ]
    with open_stream(settings) as backend:
        exporter = _exporter(settings, backend)
        exporter.export(TWEETS)
        report = exporter.report
        publisher = OutputPublisher(
            backend, settings.places.lake, output, "flink-detect", report, exporter
        )
        _part(output, ".part-1.lines.inprogress.abc", lines)  # in progress: invisible
        path = _part(output, "part-1.lines", lines)
        copy, stamp = path.read_bytes(), path.stat().st_mtime_ns
        assert publisher.poll(checkpoint=7) == 1
        assert path.stat().st_size == 0, "a published part file becomes a tombstone"
        assert publisher.poll(checkpoint=7) == 0
        # A crash before the tombstone was made: a restarted publisher sees the file again.
        path.write_bytes(copy)
        os.utime(path, ns=(stamp, stamp))
        again = DetectReport()
        OutputPublisher(
            backend, settings.places.lake, output, "flink-detect", again, exporter
        ).poll()
        alerts = [orjson.loads(r.data) for r in backend.read("alerts", 0, 100)]
        assert backend.committed("tweets", GROUP) == 3
    assert [(a["version"], a["total"], a["detector"]) for a in alerts] == [
        (1, 2, "flink"),
        (2, 3, "flink"),
    ]
    assert (report.alerts, report.updates, again.alerts, again.updates) == (1, 1, 0, 0)
    assert report.errors_by_code == {"NotJson": 1}
    assert report.skipped_by_reason == {"UnknownAuthor": 2}
    assert (report.unknown_destinations, report.evaluated, report.late) == (1, 1, 1)
    assert lake_docs(settings.lake, "flink-all-tweets") == [doc]  # same name, replaced
    assert len(list((settings.lake / "flink-late-events").rglob("*.json"))) == 1


def test_publisher_sweeps_tombstones_two_checkpoints_later_except_kept(
    settings: Settings,
) -> None:
    output = FlinkPaths.of(settings).output
    with open_stream(settings) as backend:
        exporter = _exporter(settings, backend)
        publisher = OutputPublisher(
            backend, settings.places.lake, output, "flink-detect", exporter.report, exporter
        )
        for name in ("part-a", "part-b"):
            _part(output, name, ['counts\t{"allowed_skipped":1}'])
        publisher.poll(checkpoint=4)
        assert publisher.sweep(5) == 0
        assert publisher.sweep(6, keep=["part-b"]) == 1
        assert sorted(p.name for p in output.iterdir()) == ["part-b"]
        assert exporter.report.allowed_skipped == 2


def _checkpoint(root: Path, job: str, n: int, *, complete: bool = True) -> Path:
    path = root / job / f"chk-{n}"
    path.mkdir(parents=True)
    if complete:
        (path / "_metadata").write_bytes(b"x")
    return path


def test_restore_point_is_the_newest_complete_checkpoint_or_savepoint(
    settings: Settings, tmp_path: Path
) -> None:
    paths = FlinkPaths.of(settings)
    assert restore_point(paths) is None
    old = _checkpoint(paths.checkpoints, "job1", 3)
    os.utime(old / "_metadata", ns=(1, 1))
    newer = _checkpoint(paths.checkpoints, "job2", 1)
    _checkpoint(paths.checkpoints, "job2", 2, complete=False)  # still being written
    assert latest_checkpoint(paths.checkpoints) == newer
    savepoint = tmp_path / "savepoint-1"
    savepoint.mkdir()
    (savepoint / "_metadata").write_bytes(b"x")
    os.utime(newer / "_metadata", ns=(2, 2))
    assert restore_point(paths, savepoint) == savepoint
    shutil.rmtree(savepoint)
    assert restore_point(paths, savepoint) == newer
    assert valid_restore_path(f"file:{newer}") == newer.resolve()
    with pytest.raises(ConfigError, match="not a Flink savepoint"):
        valid_restore_path(str(tmp_path))


def test_flink_settings_reach_the_job_configuration(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURTSIDE_DETECT__FLINK_STATE_BACKEND", "rocksdb")
    monkeypatch.setenv("COURTSIDE_DETECT__FLINK_CHECKPOINT_INTERVAL_S", "2.5")
    settings = load_settings(home=home)
    paths = FlinkPaths.of(settings)
    conf = flink_config(
        settings.detect, paths, rest_port=9999, checkpoint_interval_s=2.5, restore=home
    )
    assert conf["state.backend.type"] == "rocksdb"
    assert conf["execution.checkpointing.interval"] == "2500 ms"
    assert conf["execution.checkpointing.dir"] == paths.checkpoints.as_uri()
    assert conf["rest.port"] == "9999" and conf["rest.bind-address"] == "127.0.0.1"
    assert conf["python.execution-mode"] == "thread"
    assert conf["execution.state-recovery.path"] == home.as_uri()
    src = str(Path(__file__).resolve().parents[2] / "src")
    assert src in conf["python.pythonpath"].split(os.pathsep)
    monkeypatch.setenv("COURTSIDE_DETECT__FLINK_STATE_BACKEND", "memory")
    with pytest.raises(ConfigError, match="flink_state_backend"):
        load_settings(home=home)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stop-with-savepoint"], "--stop-with-savepoint needs --engine flink"),
        (["--print-job"], "--print-job needs --engine flink"),
        (["--from-savepoint", "x"], "--from-savepoint needs --engine flink"),
        (["--engine", "flink", "--once", "--stop-with-savepoint"], "--once drains instead"),
    ],
    ids=["savepoint-embedded", "print-job-embedded", "from-embedded", "savepoint-once"],
)
def test_detect_refuses_flink_options_that_do_not_apply(
    courtside: Courtside, home: Path, args: list[str], message: str
) -> None:
    proc = courtside("detect", *args, home=home, ok=False)
    assert proc.returncode == 1
    assert message in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()


@pytest.mark.skipif(
    shutil.which("java") is None or importlib.util.find_spec("pyflink") is None,
    reason="needs Java 17 and apache-flink",
)
def test_detect_flink_stops_with_one_line_before_starting_flink(
    courtside: Courtside, home: Path
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {"COURTSIDE_DETECT__FLINK_REST_PORT": str(port)}
        args = ["detect", "--engine", "flink", "--once"]
        proc = courtside(*args, home=home, env=env, ok=False, timeout_s=120)
    assert proc.returncode == 1
    assert f"127.0.0.1:{port} is in use" in " ".join(proc.stderr.decode().split())
    missing = courtside(
        "detect", "--engine", "flink", "--from-savepoint", "/nope", home=home, ok=False
    )
    assert missing.returncode == 1
    said = " ".join(missing.stderr.decode().split())
    assert "is not a Flink savepoint or checkpoint folder" in said
    for done in (proc, missing):
        assert "Traceback" not in done.stderr.decode()
    state = json.loads((home / "state" / "flink.json").read_text())
    assert state["status"] == "failed"
    # A RocksDB checkpoint cannot be restored into the heap backend: said before the JVM.
    paths = FlinkPaths.of(load_settings(home=home))
    _checkpoint(paths.checkpoints, "job1", 4)
    paths.job_file.write_text('{"initial_allowed": [], "state_backend": "rocksdb"}')
    proc = courtside("detect", "--engine", "flink", "--once", home=home, ok=False)
    assert proc.returncode == 1
    said = " ".join(proc.stderr.decode().split())  # the console wraps long lines
    assert "holds rocksdb state but [detect] flink_state_backend is hashmap" in said
