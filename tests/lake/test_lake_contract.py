"""The object-store contract every lake backend honours (see courtside/lake/base.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from courtside.errors import LakeError
from courtside.lake import Lake, check_key, join_key

KEY = "raw/year=2020/month=05/day=01/a.json"


def test_put_then_read_list_exists(lake: Lake) -> None:
    assert lake.put(KEY, b"one\n") == 4
    assert lake.exists(KEY)
    assert lake.read_bytes(KEY) == b"one\n"
    [obj] = lake.list_objects("raw")
    assert (obj.key, obj.size, obj.name) == (KEY, 4, "a.json")
    assert obj.parent == "raw/year=2020/month=05/day=01"
    assert obj.mtime_ms > 0
    assert lake.list_objects("") == [obj]
    assert lake.list_objects("raw/") == [obj]


def test_put_chunks_and_replace(lake: Lake) -> None:
    lake.put(KEY, [b"a", b"b", b"c"])
    lake.put(KEY, b"new")
    assert lake.read_bytes(KEY) == b"new"
    assert len(lake.list_objects("raw")) == 1


def test_list_is_sorted_recursive_and_scoped(lake: Lake) -> None:
    for key in ("raw/b/2.json", "raw/a/1.json", "rawer/x.json", "tweets/t.parquet"):
        lake.put(key, b"x")
    assert [o.key for o in lake.list_objects("raw")] == ["raw/a/1.json", "raw/b/2.json"]
    assert lake.list_objects("missing") == []
    assert lake.list_folders("") == ["raw", "rawer", "tweets"]
    assert lake.list_folders("raw") == ["a", "b"]
    assert lake.list_folders("nothing/here") == []


def test_hidden_objects_are_skipped_unless_asked(lake: Lake) -> None:
    lake.put("t/p/_marker", b"m")
    lake.put("t/p/.tmp-file", b"t")
    lake.put("t/.staging/x.json", b"s")
    lake.put("t/p/data.json", b"d")
    assert [o.key for o in lake.list_objects("t")] == ["t/p/data.json"]
    hidden = {o.key for o in lake.list_objects("t", hidden=True)}
    assert hidden == {"t/p/_marker", "t/p/.tmp-file", "t/.staging/x.json", "t/p/data.json"}
    assert lake.list_folders("t") == ["p"]
    assert lake.list_objects("t/.staging") == []


def test_delete_missing_ignored_and_folders_vanish(lake: Lake) -> None:
    lake.put("z/y=1/a", b"1")
    lake.put("z/y=1/b", b"2")
    assert lake.delete(["z/y=1/a", "z/y=1/nope"]) == 1
    assert lake.list_folders("z") == ["y=1"]
    assert lake.delete(["z/y=1/b"]) == 1
    assert lake.list_folders("z") == []
    assert lake.list_objects("z") == []
    assert not lake.exists("z/y=1/b")


def test_copy_and_put_file(lake: Lake, tmp_path: Path) -> None:
    lake.put("a/src.json", b"payload")
    lake.copy("a/src.json", "b/dst.json")
    assert lake.read_bytes("b/dst.json") == b"payload"
    assert lake.read_bytes("a/src.json") == b"payload"
    local = tmp_path / "staged.parquet"
    local.write_bytes(b"P" * 1000)
    assert lake.put_file("c/f.parquet", local) == 1000
    assert local.exists()
    assert lake.put_file("c/g.parquet", local, move=True) == 1000
    assert lake.read_bytes("c/g.parquet") == b"P" * 1000
    with pytest.raises(LakeError):
        lake.copy("a/missing.json", "b/x.json")


def test_move_from_a_hidden_stage_is_repeatable(lake: Lake) -> None:
    lake.put("z/d=1/.stage.json.pending", b"staged")
    assert lake.list_objects("z") == []
    assert lake.move("z/d=1/.stage.json.pending", "z/d=1/final.json")
    assert lake.read_bytes("z/d=1/final.json") == b"staged"
    assert not lake.exists("z/d=1/.stage.json.pending")
    # After a crash the caller repeats the move: the source is gone, nothing changes.
    assert not lake.move("z/d=1/.stage.json.pending", "z/d=1/final.json")
    assert [o.key for o in lake.list_objects("z")] == ["z/d=1/final.json"]
    with pytest.raises(LakeError):
        lake.move("../escape", "z/x.json")


def test_open_missing_is_a_lake_error(lake: Lake) -> None:
    with pytest.raises(LakeError, match="does not exist"):
        lake.open("nothing/here.json")


def _failing_chunks() -> Iterator[bytes]:
    yield b"half of the object"
    raise RuntimeError("writer died")


def test_failed_put_leaves_no_object_and_keeps_the_old_one(lake: Lake) -> None:
    with pytest.raises(RuntimeError):
        lake.put("f/new.json", _failing_chunks())
    assert not lake.exists("f/new.json")
    assert lake.list_objects("f", hidden=True) == []
    lake.put("f/old.json", b"old")
    with pytest.raises(RuntimeError):
        lake.put("f/old.json", _failing_chunks())
    assert lake.read_bytes("f/old.json") == b"old"


def test_reader_never_sees_a_partial_object(lake: Lake) -> None:
    big = [b"x" * 65536] * 64
    full = 65536 * 64
    seen: set[int] = set()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            for obj in lake.list_objects("big"):
                seen.add(len(lake.read_bytes(obj.key)))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(10):
            lake.put(f"big/o{i % 2}.bin", big)
    finally:
        stop.set()
        thread.join()
    assert seen <= {full}


@pytest.mark.parametrize(
    "bad",
    [
        "../etc/passwd",
        "/etc/passwd",
        "a/../../b",
        "a//b",
        "a/./b",
        "a\\b",
        "a\x00b",
        "",
        "x" * 2000,
    ],
    ids=[
        "dotdot",
        "absolute",
        "nested-dotdot",
        "empty-segment",
        "dot",
        "backslash",
        "nul",
        "empty",
        "too-long",
    ],
)
def test_hostile_keys_are_refused_everywhere(lake: Lake, bad: str) -> None:
    with pytest.raises(LakeError):
        lake.put(bad, b"x")
    with pytest.raises(LakeError):
        lake.exists(bad)
    with pytest.raises(LakeError):
        lake.delete([bad])
    with pytest.raises(LakeError):
        check_key(bad)


def test_join_key_and_engine_url(lake: Lake) -> None:
    assert join_key("raw/", "/year=2020", "", "a.json") == "raw/year=2020/a.json"
    lake.put("e/a.json", b"1")
    url = lake.engine_url("e/a.json")
    assert url.endswith("e/a.json")
    assert lake.engine_url("e").endswith("/e")
    fs, base = lake.arrow_filesystem()
    with fs.open_input_stream(f"{base}/e/a.json") as fh:
        assert fh.read() == b"1"


def test_duckdb_reads_and_writes_engine_urls(lake: Lake) -> None:
    import duckdb

    lake.put("j/year=2020/a.json", b'{"id": "1"}\n{"id": "2"}\n')
    con = duckdb.connect()
    lake.register_duckdb(con)
    rows = con.execute(
        "SELECT id, year FROM read_json(?, hive_partitioning = true) ORDER BY id",
        [lake.engine_url("j") + "/*/*.json"],
    ).fetchall()
    assert rows == [("1", 2020), ("2", 2020)]
    target = lake.engine_url("p/out.parquet")
    if lake.is_local:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY (SELECT 42 AS x) TO '{target}' (FORMAT parquet)")
    assert [o.key for o in lake.list_objects("p")] == ["p/out.parquet"]
