"""Partitions replaced as a unit (courtside/lake/tables.py), on every lake backend."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from courtside.errors import LakeError
from courtside.lake import Lake
from courtside.lake.tables import (
    MARKER_PREFIX,
    committed_files,
    data_key,
    new_run_id,
    partition_version,
    partitions,
    publish,
    table_files,
    vacuum,
)

PART = "tweets/year=2020/month=05/day=01"


def _contents(lake: Lake, part: str) -> list[bytes]:
    return sorted(lake.read_bytes(o.key) for o in committed_files(lake, part))


def test_publish_replaces_the_partition(lake: Lake, tmp_path: Path) -> None:
    first = publish(lake, PART, [b"a", b"b"], ext=".json")
    assert len(first) == 2
    assert _contents(lake, PART) == [b"a", b"b"]
    staged = tmp_path / "x.json"
    staged.write_bytes(b"c")
    publish(lake, PART, [staged], ext=".json")
    assert _contents(lake, PART) == [b"c"]
    assert not staged.exists()  # moved into place by default
    # Nothing of the first version is left behind, not even its marker.
    names = [o.name for o in lake.list_objects(PART, hidden=True)]
    assert len(names) == 2 and sum(n.startswith(MARKER_PREFIX) for n in names) == 1


def test_marker_records_files_and_meta(lake: Lake) -> None:
    run = new_run_id()
    keys = publish(lake, PART, [b"a"], ext=".json", run_id=run, meta={"rows": 1})
    marker = orjson.loads(lake.read_bytes(f"{PART}/{MARKER_PREFIX}{run}"))
    assert marker == {"run_id": run, "files": [keys[0].rsplit("/", 1)[1]], "rows": 1}


def test_crash_before_the_marker_keeps_the_old_version(lake: Lake) -> None:
    publish(lake, PART, [b"old"], ext=".json")
    crashed = new_run_id()
    lake.put(data_key(PART, crashed, 0, ".json"), b"new-but-uncommitted")
    assert _contents(lake, PART) == [b"old"]
    assert vacuum(lake, PART) == 1
    assert len(lake.list_objects(PART)) == 1


def test_crash_after_the_marker_shows_only_the_new_version(lake: Lake) -> None:
    publish(lake, PART, [b"old"], ext=".json")
    run = new_run_id()
    lake.put(data_key(PART, run, 0, ".json"), b"new")
    lake.put(f"{PART}/{MARKER_PREFIX}{run}", b"{}")  # killed before the deletes
    assert _contents(lake, PART) == [b"new"]
    version = partition_version(lake, PART)
    assert version.run_id == run and len(version.stale) == 2
    vacuum(lake, PART)
    assert partition_version(lake, PART).stale == []


def test_empty_partition_is_published_and_listed(lake: Lake) -> None:
    publish(lake, PART, [], ext=".json")
    assert committed_files(lake, PART) == []
    assert partition_version(lake, PART).exists
    assert partitions(lake, "tweets") == ["year=2020/month=05/day=01"]


def test_unmarked_partition_counts_every_visible_object(lake: Lake) -> None:
    lake.put(f"{PART}/written-by-another-tool.parquet", b"p")
    lake.put(f"{PART}/.hidden.tmp", b"t")
    version = partition_version(lake, PART)
    assert version.run_id is None
    assert [o.name for o in version.files] == ["written-by-another-tool.parquet"]
    assert vacuum(lake, PART) == 0


def test_partitions_and_table_files(lake: Lake) -> None:
    publish(lake, "t/year=2020/month=05/day=02", [b"2"], ext=".json")
    publish(lake, "t/year=2020/month=05/day=01", [b"1"], ext=".json")
    lake.put("t/not-a-partition/x.json", b"x")
    lake.put("t/.staging/year=2020/month=05/day=03/x.json", b"x")
    assert partitions(lake, "t") == ["year=2020/month=05/day=01", "year=2020/month=05/day=02"]
    assert [lake.read_bytes(o.key) for o in table_files(lake, "t")] == [b"1", b"2"]
    assert table_files(lake, "t", ["year=2020/month=05/day=02"], suffix=".parquet") == []
    assert partitions(lake, "missing") == []


def test_suffix_filter(lake: Lake) -> None:
    publish(lake, PART, [b"a"], ext=".parquet")
    assert len(committed_files(lake, PART, suffix=".parquet")) == 1
    assert committed_files(lake, PART, suffix=".json") == []


@pytest.mark.parametrize("bad", ["../x", "/abs", "a/../.."])
def test_hostile_partition_is_refused(lake: Lake, bad: str) -> None:
    with pytest.raises(LakeError):
        publish(lake, bad, [b"x"], ext=".json")


def test_bad_run_id_or_extension_refused() -> None:
    with pytest.raises(LakeError):
        data_key(PART, "not-a-run", 0, ".json")
    with pytest.raises(LakeError):
        data_key(PART, new_run_id(), 0, "/../x")
