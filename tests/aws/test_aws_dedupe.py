"""The de-duplication job with the lake on S3 (moto_server): the same rows as on a folder
lake, bookmarks, quarantine, rejects, hostile keys and a crash in the middle of
publishing a partition."""

from __future__ import annotations

import io
import secrets
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from cli_runner_helpers import Courtside
from courtside.aws import AwsSettings, client
from courtside.batch import rows as rows_module
from courtside.batch.dedupe import run_dedupe
from courtside.batch.state import Bookmarks
from courtside.config import Settings, load_settings
from courtside.generate.generator import GeneratorConfig, generate
from courtside.home import init_home
from courtside.lake.base import Lake, is_hidden
from courtside.lake.local import LocalLake
from courtside.lake.s3 import S3Lake
from courtside.lake.tables import MARKER_PREFIX, partition_version, table_files
from courtside.records import loads, to_delivered
from courtside.reference.players import PlayersTable

pytestmark = pytest.mark.aws

DAY1 = "year=2020/month=03/day=01"
DAY2 = "year=2020/month=03/day=02"


def _s3_client(aws_endpoint: str) -> Any:
    return client("s3", AwsSettings(endpoint_url=aws_endpoint, region="us-east-1"))


def _s3_settings(home: Path, aws_endpoint: str, **extra: object) -> Settings:
    bucket = f"courtside-{secrets.token_hex(4)}"
    _s3_client(aws_endpoint).create_bucket(Bucket=bucket)
    settings = load_settings(
        home=home,
        lake_root=f"s3://{bucket}/lake",
        aws={"endpoint_url": aws_endpoint, "region": "us-east-1", "max_attempts": 2},
        **extra,
    )
    init_home(settings)
    return settings


def _folder_settings(home: Path, **extra: object) -> Settings:
    settings = load_settings(home=home, **extra)
    init_home(settings)
    return settings


def _bucket_keys(aws_endpoint: str, settings: Settings) -> list[str]:
    lake = settings.places.lake
    assert isinstance(lake, S3Lake)
    pages = _s3_client(aws_endpoint).get_paginator("list_objects_v2").paginate(Bucket=lake.bucket)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", ()))


def _delivered(count: int, seed: int, days: int = 3) -> list[dict[str, Any]]:
    config = GeneratorConfig(seed=seed, count=count, duplicate_rate=0.3, span_s=days * 86400)
    rows = []
    for raw in generate(config, PlayersTable.default()):
        try:
            row = to_delivered(loads(raw))
        except Exception:  # noqa: BLE001 - malformed on purpose
            continue
        rows.append(dict(row, year="2020", month="03", day=f"{int(row['day']) % days + 1:02d}"))
    return rows


class RawWriter:
    """Puts raw objects through the lake seam, with names that sort by a counter (the
    same names on every lake the writer is given)."""

    def __init__(self) -> None:
        self.seq = 0

    def name(self) -> str:
        self.seq += 1
        ts = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=self.seq)
        return f"courtside-deliver-{ts:%Y%m%dT%H%M%S%f}Z-{self.seq:010x}.json"

    def rows(self, lakes: list[Lake], rows: list[dict[str, Any]], per_file: int = 50) -> None:
        by_day: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_day.setdefault(f"year={row['year']}/month={row['month']}/day={row['day']}", [])
            by_day[f"year={row['year']}/month={row['month']}/day={row['day']}"].append(row)
        for part, day in sorted(by_day.items()):
            for i in range(0, len(day), per_file):
                self.lines(lakes, part, [orjson.dumps(r) + b"\n" for r in day[i : i + per_file]])

    def lines(self, lakes: list[Lake], partition: str, lines: list[bytes]) -> str:
        key = f"raw/{partition}/{self.name()}"
        for lake in lakes:
            lake.put(key, b"".join(lines), durable=False)
        return key


def output(lake: Lake, fmt: str = "parquet") -> list[dict[str, Any]]:
    """Every row of ``tweets/`` as a reader of the table contract sees it (committed
    objects only), with its partition values, sorted by id."""
    import pyarrow.parquet as pq

    out: list[dict[str, Any]] = []
    for obj in table_files(lake, "tweets", suffix=f".{fmt}"):
        data = lake.read_bytes(obj.key)
        found = (
            pq.read_table(io.BytesIO(data)).to_pylist()
            if fmt == "parquet"
            else [orjson.loads(line) for line in data.splitlines() if line.strip()]
        )
        values = dict(seg.split("=", 1) for seg in obj.parent.split("/")[1:])
        out += [{**row, **values} for row in found]
    return sorted(out, key=lambda r: str(r["id"]))


def _no_scratch_left(settings: Settings) -> None:
    scratch = settings.state_dir / "dedupe-scratch"
    assert not scratch.exists() or not any(scratch.iterdir())


@pytest.mark.parametrize("fmt", ["parquet", "json"])
def test_s3_lake_gives_the_rows_of_a_folder_lake(
    tmp_path: Path, aws_endpoint: str, fmt: str
) -> None:
    s3 = _s3_settings(tmp_path / "s3", aws_endpoint, batch={"format": fmt})
    local = _folder_settings(tmp_path / "local", batch={"format": fmt})
    lakes = [s3.places.lake, local.places.lake]
    rows = _delivered(400, seed=5)
    writer = RawWriter()
    writer.rows(lakes, rows[:250])
    good = orjson.dumps(rows[0])
    mixed = writer.lines(lakes, DAY1, [good + b"\n", good[:25] + b"\n", b"[1, 2]\n"])

    first = {name: run_dedupe(cfg) for name, cfg in (("s3", s3), ("local", local))}
    assert output(lakes[0], fmt) == output(lakes[1], fmt)
    assert len(output(lakes[0], fmt)) == first["s3"].rows_out > 0
    assert first["s3"].counts() == first["local"].counts()
    assert first["s3"].rejected[mixed]["rows"] == 2
    assert lakes[0].exists(f"errors/{DAY1}/error=dedupe-rejected/{mixed.rsplit('/', 1)[1]}")
    _no_scratch_left(s3)

    # A re-run finds nothing new and leaves every object as it is.
    before = _bucket_keys(aws_endpoint, s3)
    assert run_dedupe(s3).files_new == 0
    assert _bucket_keys(aws_endpoint, s3) == before
    assert set(Bookmarks(s3.places, "dedupe").processed()) == set(
        Bookmarks(local.places, "dedupe").processed()
    )

    # Incremental: new posts and re-deliveries; existing rows win on both lakes.
    writer.rows(lakes, rows[250:] + [dict(r, text="redelivered") for r in rows[:30]])
    second = {name: run_dedupe(cfg) for name, cfg in (("s3", s3), ("local", local))}
    assert second["s3"].counts() == second["local"].counts()
    out = output(lakes[0], fmt)
    assert out == output(lakes[1], fmt)
    assert len(out) == len({r["id"] for r in out}) and not any(
        r["text"] == "redelivered" for r in out
    )
    # A post of day 3 delivered again under day 1: the other partitions' ids (fetched
    # as an id-only file from S3) make it a duplicate, on both lakes.
    elsewhere = next(r for r in rows if r["day"] == "03")
    writer.rows(lakes, [dict(elsewhere, day="01", text="moved")])
    third = {name: run_dedupe(cfg) for name, cfg in (("s3", s3), ("local", local))}
    assert third["s3"].counts() == third["local"].counts()
    assert third["s3"].rows_dropped == 1 and third["s3"].partitions == [DAY1]
    assert output(lakes[0], fmt) == output(lakes[1], fmt) == out
    # Each partition holds its committed run only: nothing superseded stays behind.
    for key in _bucket_keys(aws_endpoint, s3):
        if "/tweets/" in key:
            part = key.rsplit("/", 1)[0].split("/", 1)[1]
            version = partition_version(lakes[0], part)
            assert version.run_id is not None and not version.stale, key
    _no_scratch_left(s3)


def test_a_bad_raw_file_is_quarantined_on_s3(
    tmp_path: Path, aws_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = _s3_settings(tmp_path / "s3", aws_endpoint)
    lake = s3.places.lake
    writer = RawWriter()
    rows = _delivered(60, seed=8, days=1)
    writer.rows([lake], rows[:20], per_file=20)
    line = orjson.dumps(rows[20])
    broken = writer.lines([lake], DAY1, [line + b"\n", line[:20] + b"\n"])
    real = rows_module.split_rows

    def failing_read(source: Path, cleaned: Path, conn: Any) -> Any:
        if source.name == broken.rsplit("/", 1)[1]:
            raise OSError(5, "Input/output error")
        return real(source, cleaned, conn)

    monkeypatch.setattr(rows_module, "split_rows", failing_read)
    result = run_dedupe(s3)

    assert list(result.quarantined) == [broken]
    assert "Input/output error" in result.quarantined[broken]
    assert not lake.exists(broken)
    assert lake.exists(f"quarantine/{broken}")
    reason = lake.read_bytes(f"quarantine/{broken}.reason.txt").decode()
    assert "Input/output error" in reason
    (noted,) = Bookmarks(s3.places, "dedupe").quarantined()
    assert (noted.path, noted.moved_to) == (broken, f"quarantine/{broken}")
    assert result.status == "succeeded_with_rejects"
    assert {r["id"] for r in output(lake)} == {r["id"] for r in rows[:20]}
    assert run_dedupe(s3).files_new == 0  # the quarantined file is not read again
    _no_scratch_left(s3)


def test_hostile_keys_and_values_cannot_escape_the_prefix(
    tmp_path: Path, aws_endpoint: str
) -> None:
    s3 = _s3_settings(tmp_path / "s3", aws_endpoint)
    lake = s3.places.lake
    assert isinstance(lake, S3Lake)
    bucket = _s3_client(aws_endpoint)
    post = {"id": "h1", "text": "hi", "year": "../../../etc", "month": "..", "day": "/x"}
    body = orjson.dumps(post) + b"\n"
    hostile = [
        f"{DAY1}/../../../../../outside.json",
        "year=../month=03/day=01/up.json",
        "year=2020/month=03/day=01/../../month=04/day=01/sideways.json",
        f"{DAY1}/back\\slash.json",
        f"{DAY1}/ctl\x01.json",
        f"/{DAY1}/leading.json",
        "year=2020/month=13/day=01/bad-month.json",
    ]
    for rel in hostile:
        bucket.put_object(Bucket=lake.bucket, Key=f"lake/raw/{rel}", Body=body)
    RawWriter().lines([lake], DAY1, [body])

    result = run_dedupe(s3)

    # Keys with a ``..`` segment are hidden objects to the lake seam (never listed); the
    # others are outside a date partition: reported, never read.
    listed = [f"raw/{rel}" for rel in hostile if not is_hidden(f"raw/{rel}")]
    assert sorted(result.misplaced) == sorted(listed), result.misplaced
    assert [(r["id"], r["year"], r["month"], r["day"]) for r in output(lake)] == [
        ("h1", "2020", "03", "01")
    ]
    keys = _bucket_keys(aws_endpoint, s3)
    assert all(k.startswith("lake/") for k in keys), keys
    written = [k for k in keys if not k.startswith("lake/raw/")]
    assert written and all(k.startswith(f"lake/tweets/{DAY1}/") for k in written), written
    # Nothing local but the home folder, no lake folder in it, and no scratch left.
    assert [p.name for p in tmp_path.iterdir()] == ["s3"]
    assert not (tmp_path / "s3" / "lake").exists()
    _no_scratch_left(s3)


def _crash_at_the_marker(monkeypatch: pytest.MonkeyPatch, lake_class: type[Lake]) -> list[str]:
    """Make the lake fail when a run that put data objects puts its commit marker (a
    crash between the two publish steps); returns the markers refused."""
    runs_with_data: set[str] = set()
    refused: list[str] = []
    put, put_file = lake_class.put, lake_class.put_file

    def recording_put_file(self: Lake, key: str, path: Path, *, move: bool = False) -> int:
        runs_with_data.add(key.rsplit("/", 1)[1].split("-")[1])
        return put_file(self, key, path, move=move)

    def failing_put(self: Lake, key: str, data: Any, *, durable: bool = True) -> int:
        name = key.rsplit("/", 1)[1]
        if name.startswith(MARKER_PREFIX) and name[len(MARKER_PREFIX) :] in runs_with_data:
            refused.append(key)
            raise RuntimeError("injected crash before the commit marker")
        return put(self, key, data, durable=durable)

    monkeypatch.setattr(lake_class, "put_file", recording_put_file)
    monkeypatch.setattr(lake_class, "put", failing_put)
    return refused


@pytest.mark.parametrize("where", ["s3", "folder"])
def test_a_crash_between_data_objects_and_marker_then_a_rerun(
    tmp_path: Path, aws_endpoint: str, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    reference = _folder_settings(tmp_path / "reference")
    settings = (
        _s3_settings(tmp_path / "s3", aws_endpoint)
        if where == "s3"
        else _folder_settings(tmp_path / "folder")
    )
    lake = settings.places.lake
    rows = _delivered(300, seed=9, days=2)
    day1 = [r for r in rows if r["day"] == "01"]
    writer = RawWriter()
    writer.rows([lake, reference.places.lake], day1[:60])
    run_dedupe(settings)
    old = output(lake)
    assert old and {r["day"] for r in old} == {"01"}

    # New raw files for the existing day 1 and for a new day 2; the run dies after the
    # data objects, before the commit markers.
    writer.rows([lake, reference.places.lake], rows)
    refused = _crash_at_the_marker(monkeypatch, type(lake))
    with pytest.raises(RuntimeError, match="injected crash"):
        run_dedupe(settings)
    assert refused
    assert output(lake) == old  # readers: the old day 1, and no day 2 at all
    uncommitted = [o for o in lake.list_objects("tweets") if o.name.startswith("part-")]
    assert len(uncommitted) > len(table_files(lake, "tweets"))  # the dead run's objects
    monkeypatch.undo()

    rerun = run_dedupe(settings)
    assert rerun.files_new > 0
    run_dedupe(reference)
    out = output(lake)
    assert out == output(reference.places.lake)
    assert len(out) == len({r["id"] for r in out}) == len({r["id"] for r in rows})
    for part in (DAY1, DAY2):
        version = partition_version(lake, f"tweets/{part}")
        assert version.run_id is not None and version.files and not version.stale
    assert run_dedupe(settings).files_new == 0
    if isinstance(lake, LocalLake):
        assert not (lake.root / ".courtside-staging").exists()


@pytest.mark.spark
def test_spark_on_an_s3_lake_gives_the_rows_of_a_folder_lake(
    tmp_path: Path, aws_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("java") is None:
        pytest.skip("Spark tests need Java 17 on PATH")
    pytest.importorskip("pyspark", reason="Spark tests need pyspark")
    # The enrichment runs in Spark's Python workers, which PySpark starts with
    # $PYSPARK_PYTHON (its SparkContext reads the variable, not spark.pyspark.python).
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    from courtside.batch.spark_dedupe import SparkEngine
    from courtside.engines.config import SparkSettings
    from courtside.engines.spark import spark_session

    s3 = _s3_settings(tmp_path / "s3", aws_endpoint)
    local = _folder_settings(tmp_path / "local")
    lakes = [s3.places.lake, local.places.lake]
    rows = _delivered(300, seed=12)
    writer = RawWriter()
    writer.rows(lakes, rows[:200], per_file=40)
    good = orjson.dumps(rows[0])
    writer.lines(lakes, DAY2, [good + b"\n", good[:25] + b"\n"])
    session = spark_session(
        SparkSettings(master="local[2]", driver_memory="1g"), app="courtside-tests"
    )
    try:
        engine = SparkEngine(session)
        first = [run_dedupe(cfg, engine=engine) for cfg in (s3, local)]
        assert first[0].counts() == first[1].counts() and first[0].rows_rejected == 1
        assert output(lakes[0]) == output(lakes[1])
        writer.rows(lakes, rows[200:], per_file=40)
        second = [run_dedupe(cfg, engine=engine) for cfg in (s3, local)]
        assert second[0].counts() == second[1].counts()
    finally:
        session.stop()
    out = output(lakes[0])
    assert out == output(lakes[1])
    assert len(out) == len({r["id"] for r in out}) == len({r["id"] for r in rows})
    _no_scratch_left(s3)


def _cli_env(aws_endpoint: str, lake_root: str) -> dict[str, str]:
    return {
        "COURTSIDE_LAKE_ROOT": lake_root,
        "COURTSIDE_AWS__ENDPOINT_URL": aws_endpoint,
        "COURTSIDE_AWS__REGION": "us-east-1",
        "COURTSIDE_AWS__MAX_ATTEMPTS": "1",
    }


def test_cli_dedupe_json_on_s3_and_a_missing_bucket_in_one_line(
    tmp_path: Path, aws_endpoint: str, courtside: Courtside
) -> None:
    s3 = _s3_settings(tmp_path / "s3", aws_endpoint)
    lake = s3.places.lake
    RawWriter().rows([lake], _delivered(80, seed=3, days=2))
    env = _cli_env(aws_endpoint, s3.lake_url)
    proc = courtside("etl", "dedupe", "--format", "json", "--json", home=s3.home, env=env)
    report = orjson.loads(proc.stdout)
    assert report["status"] == "succeeded" and report["counts"]["partitions_written"] == 2
    assert len(output(lake, "json")) == report["counts"]["rows_out"] > 0
    assert all(o.name.endswith(".json") for o in table_files(lake, "tweets"))

    missing = _cli_env(aws_endpoint, "s3://courtside-nobucket-d1/lake")
    proc = courtside("etl", "dedupe", home=tmp_path / "other", env=missing, code=1, text=True)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "courtside-nobucket-d1" in lines[0] and "deploy" in lines[0]
