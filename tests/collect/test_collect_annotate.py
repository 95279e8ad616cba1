"""The Athlete annotator and the stream sink's batching/cursor contract."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from courtside.collect.annotate import Annotator, handles, tokens
from courtside.collect.base import CollectReport, Output, Stopper, StreamSink
from courtside.errors import StreamBusyError, StreamError
from courtside.records import athletes
from courtside.reference.players import Player, PlayersTable
from courtside.stream.local import LocalStream

ROSTER = PlayersTable(
    [
        Player("luka7doncic", "Luka Dončić", "Dallas Mavericks"),
        Player("KingJames", "LeBron James", "Los Angeles Lakers"),
        Player("Giannis_An34", "Giannis Antetokounmpo", "Milwaukee Bucks"),
        Player("Thanasis_ante43", "Thanasis Antetokounmpo", "Milwaukee Bucks"),
        Player("DLo", "D'Angelo Russell", "Minnesota Timberwolves"),
        Player("pjwashington", "P.J. Washington", "Charlotte Hornets"),
        Player("kevinlove", "Kevin Love", "Cleveland Cavaliers"),
        Player("JHarden13", "James Harden", "Houston Rockets"),
        Player("StephenCurry30", "Stephen Curry", "Golden State Warriors"),
        Player("sdotcurry", "Seth Curry", "Dallas Mavericks"),
        Player("KellyOubreJr", "Kelly Oubre Jr.", "Phoenix Suns"),
    ]
)


def names(text: str, mentions: Iterable[str] = ()) -> list[str]:
    return [p.name for p in Annotator(ROSTER).match(text, mentions)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Luka Dončić with 40", ["Luka Dončić"]),
        ("LUKA DONCIC with 40", ["Luka Dončić"]),  # case and accents
        ("luka   doncic!", ["Luka Dončić"]),
        ("Lukas Doncicz", []),  # whole words only
        ("@luka7doncic and @KINGJAMES", ["Luka Dončić", "LeBron James"]),
        ("mail me at fan@luka7doncic.com", []),  # not a mention
        ("@luka7doncic.bsky.social", []),  # a Bluesky handle, not the X account
        ("D'Angelo Russell and DAngelo Russell", ["D'Angelo Russell"]),
        ("PJ Washington", ["P.J. Washington"]),
        ("Kelly Oubre is back", ["Kelly Oubre Jr."]),
        ("Harden and LeBron James", ["James Harden", "LeBron James"]),  # order of mention
        ("@KingJames loves Luka Doncic", ["Luka Dončić", "LeBron James"]),  # names first
        ("I love this game", []),  # "Love" is an everyday word: no short name
        ("Antetokounmpo dunks", []),  # two players share it: ambiguous
        ("Curry from deep", []),  # ambiguous last name
        ("the Greek Freak and Steph", ["Giannis Antetokounmpo", "Stephen Curry"]),
        ("Jamesharden", []),
    ],
)
def test_matching(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_mentions_entities_and_existing_annotations() -> None:
    annotator = Annotator(ROSTER)
    post: dict[str, Any] = {
        "text": "great game",
        "entities": {"mentions": [{"username": "jharden13"}, {"username": "nobody"}]},
    }
    assert annotator.annotate(post) == 1
    assert athletes(post) == ["James Harden"]
    assert post["context_annotations"][0]["domain"] == {
        "id": "60",
        "name": "Athlete",
        "description": "An athlete in the world, like Serena Williams",
    }
    existing = [{"domain": {"id": "11", "name": "Sport"}, "entity": {"id": "1", "name": "NBA"}}]
    kept: dict[str, Any] = {"text": "LeBron James", "context_annotations": list(existing)}
    assert annotator.annotate(kept) == 0 and kept["context_annotations"] == existing
    empty: dict[str, Any] = {"text": "nobody here"}
    assert annotator.annotate(empty) == 0 and "context_annotations" not in empty
    # Entity ids are stable across annotator instances.
    again: dict[str, Any] = {"text": "@JHarden13"}
    Annotator(ROSTER).annotate(again)
    assert again["context_annotations"] == post["context_annotations"][:1]


def test_full_roster_builds_and_tokens() -> None:
    annotator = Annotator(PlayersTable.default())
    assert [p.name for p in annotator.match("Giannis Antetokounmpo vs Luka Dončić")] == [
        "Giannis Antetokounmpo",
        "Luka Doncic",
    ]
    assert tokens("Ça va, @Fan_1.bsky.social? É") == ["ca", "va", "fan_1", "bsky", "social", "e"]
    assert handles("Ça va, @Fan_1.bsky.social? mail@x @Émile.") == ["fan_1.bsky.social", "emile"]


class _Flaky(LocalStream):
    """A stream whose first appends fail, to check the sink's ordering."""

    def __init__(self, path: Any, fail: list[Exception]) -> None:
        super().__init__(path)
        self.fail = fail

    def append_many(self, stream: str, records: Iterable[bytes]) -> list[int]:
        if self.fail:
            raise self.fail.pop(0)
        return super().append_many(stream, records)


def test_sink_saves_the_cursor_only_after_the_append(tmp_path: Any) -> None:
    durable: list[Any] = []
    backend = _Flaky(tmp_path / "s.db", [StreamBusyError("busy")])
    sink = StreamSink(backend, batch_records=3, on_durable=durable.append)
    sink.put(b'{"a": 1}')
    sink.mark(10)
    sink.put(b'{"a": 2}')
    sink.mark(20)
    assert durable == [] and sink.pending == 2
    sink.flush()  # retried past the busy error
    assert durable == [20] and [r.data for r in backend.read("tweets")] == [
        b'{"a": 1}',
        b'{"a": 2}',
    ]
    backend.fail = [StreamError("disk full")]
    sink.put(b'{"a": 3}')
    sink.mark(30)
    with pytest.raises(StreamError):
        sink.flush()
    assert durable == [20]  # not advanced past records that are not durable
    sink.flush()
    assert durable == [20, 30] and len(backend.read("tweets")) == 3
    backend.close()


def test_sink_batches_and_delays(tmp_path: Any) -> None:
    now = [0.0]
    with LocalStream(tmp_path / "s.db") as backend:
        sink = StreamSink(backend, batch_records=2, max_delay_s=1.0, clock=lambda: now[0])
        sink.put(b"1")
        sink.maybe_flush()
        assert sink.pending == 1
        now[0] = 1.5
        sink.maybe_flush()
        assert sink.pending == 0 and len(backend.read("tweets")) == 1
        sink.put(b"2")
        sink.put(b"3")  # batch full: appended at once
        assert sink.pending == 0 and len(backend.read("tweets")) == 3


def test_output_limit_and_size(tmp_path: Any) -> None:
    with LocalStream(tmp_path / "s.db") as backend:
        report = CollectReport("test")
        output = Output(
            StreamSink(backend, stopper=Stopper()), report, limit=1, max_record_bytes=200
        )
        big = {"data": {"id": "1", "text": "x" * 300, "created_at": "2020-01-01T00:00:00Z"}}
        assert not output.post(big) and report.rejected == {"RecordTooLarge": 1}
        ok = {"data": {"id": "2", "text": "ok", "created_at": "2020-01-01T00:00:00Z"}}
        assert output.post(ok) and output.full
