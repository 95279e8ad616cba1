"""Entities from the post's ``entities`` (any shape) or, when absent, from its text."""

from __future__ import annotations

from typing import Any

import pytest

from courtside.enrich.entities import Entities, entities_from_object, entities_from_text


@pytest.mark.parametrize(
    ("text", "hashtags"),
    [
        ("#LakeShow!", ("LakeShow",)),
        ("go #Lakers, #Celtics.", ("Lakers", "Celtics")),
        ("#NBA2K20 and #1 and #2021", ("NBA2K20",)),
        ("#_ #__a #a_b", ("__a", "a_b")),
        ("&#39; html entity, a#b, ##double", ()),
        ("#foo#bar", ()),
        ("#Ñandú's #café #नमस्ते #ルカ #勇士", ("Ñandú", "café", "नमस्ते", "ルカ", "勇士")),
        ("full width ＃全角", ("全角",)),
        ("keycap #️⃣ emoji", ()),
        ("#link://x", ()),
        ("(#Heat)", ("Heat",)),
    ],
)
def test_hashtags_from_text(text: str, hashtags: tuple[str, ...]) -> None:
    assert entities_from_text(text).hashtags == hashtags


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("@KingJames: wow", ("KingJames",)),
        ("hi @a_b and @luka7doncic.", ("a_b", "luka7doncic")),
        ("email me at fan@example.com", ()),
        ("@abcdefghijklmnop (16 chars)", ()),
        ("@abcdefghijklmno (15 chars)", ("abcdefghijklmno",)),
        ("@x@y", ()),
        ("＠fullwidth", ("fullwidth",)),
        ("@Jokić", ()),
        ("@", ()),
    ],
)
def test_mentions_from_text(text: str, mentions: tuple[str, ...]) -> None:
    assert entities_from_text(text).mentions == mentions


@pytest.mark.parametrize(
    ("text", "cashtags"),
    [
        ("$NKE up", ("NKE",)),
        ("buy $BRK.A and $rds_a.", ("BRK.A", "rds_a")),
        ("$TOOLONG $12 price$AAPL $ ", ()),
        ("($MSFT)", ()),
    ],
)
def test_cashtags_from_text(text: str, cashtags: tuple[str, ...]) -> None:
    assert entities_from_text(text).cashtags == cashtags


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("see https://t.co/abc.", ("https://t.co/abc",)),
        ("(https://en.wikipedia.org/wiki/Foo_(bar))", ("https://en.wikipedia.org/wiki/Foo_(bar)",)),
        ("(see http://nba.com)", ("http://nba.com",)),
        ("www.nba.com!", ("www.nba.com",)),
        ("HTTPS://NBA.COM/X?a=1&b=2", ("HTTPS://NBA.COM/X?a=1&b=2",)),
        ("https:// nothing, https://. and www..", ()),
        ("two https://a.b/c,https://d.e", ("https://a.b/c,https://d.e",)),
    ],
)
def test_urls_from_text(text: str, urls: tuple[str, ...]) -> None:
    assert entities_from_text(text).urls == urls


def test_x_entities_are_read_as_given() -> None:
    entities = {
        "hashtags": [{"start": 0, "end": 4, "tag": "NBA"}, {"tag": "NBA"}],
        "mentions": [{"username": "KingJames", "id": "1"}],
        "cashtags": [{"tag": "NKE"}],
        "urls": [
            {"url": "https://t.co/a", "expanded_url": "https://nba.com/a"},
            {"url": "https://t.co/b"},
            {"url": "https://t.co/c", "expanded_url": None},
        ],
        "annotations": [{"type": "Person"}],
    }
    found = entities_from_object(entities, "#Other text is ignored @someone")
    assert found == Entities(
        hashtags=("NBA", "NBA"),
        mentions=("KingJames",),
        cashtags=("NKE",),
        urls=("https://nba.com/a", "https://t.co/b", "https://t.co/c"),
        from_text=False,
        bad_items=0,
    )


def test_an_entities_object_without_a_kind_means_none_of_it() -> None:
    found = entities_from_object({"mentions": [{"username": "a"}]}, "#NotRead")
    assert found.hashtags == () and found.mentions == ("a",) and not found.from_text


@pytest.mark.parametrize(
    ("entities", "bad"),
    [
        ({"hashtags": "NBA"}, 1),
        ({"hashtags": {"tag": "NBA"}}, 1),
        ({"hashtags": [None, 5, "NBA", ["NBA"]]}, 4),
        ({"hashtags": [{"tag": None}, {"tag": 5}, {"tag": ""}, {"tag": ["x"]}, {}]}, 5),
        ({"mentions": [{"username": {"nested": "x"}}], "urls": [{"expanded_url": 5}]}, 2),
        ({"urls": [{}, {"url": None, "expanded_url": None}]}, 2),
    ],
)
def test_wrong_item_shapes_are_skipped_and_counted(entities: dict, bad: int) -> None:
    found = entities_from_object(entities, "#Text @ignored")
    assert found.bad_items == bad
    assert found.hashtags == found.mentions == found.urls == ()
    assert not found.from_text


@pytest.mark.parametrize("entities", ["#NBA", 5, ["hashtags"], True, 4.5])
def test_an_entities_value_of_the_wrong_shape_falls_back_to_the_text(entities: Any) -> None:
    found = entities_from_object(entities, "#NBA @KingJames")
    assert found.from_text and found.bad_items == 1
    assert (found.hashtags, found.mentions) == (("NBA",), ("KingJames",))


def test_no_entities_and_no_text_string() -> None:
    assert entities_from_object(None, None) == Entities(from_text=True)
    assert entities_from_object(None, 5) == Entities(from_text=True)
    assert entities_from_object("bad", ["#x"]) == Entities(from_text=True, bad_items=1)


def test_a_10_kb_text_is_scanned_without_trouble() -> None:
    text = "#NBA @KingJames https://t.co/x $NKE " * 300
    found = entities_from_text(text)
    assert len(found.hashtags) == len(found.mentions) == len(found.urls) == 300
    assert len(found.cashtags) == 300
