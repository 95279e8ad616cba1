"""Conversion of Bluesky posts (Jetstream ``commit`` events) into the incoming X shape.

Field mapping (``data`` is the post, as X would send it):

* ``id``: a stable decimal id derived from the post's AT URI
  ``at://<did>/app.bsky.feed.post/<rkey>``: the first 8 bytes of its BLAKE2b digest as an
  unsigned big-endian integer, shifted right by one bit so that it fits a signed 64-bit
  column (:func:`stable_id`). The same post always gets the same id, so duplicates that
  reconnects create are removed by the de-duplication job.
* ``author_id``: ``stable_id(did)``; ``includes.users[0]`` is the author with
  ``username`` = the handle when an ``identity`` event for the DID was seen, else the DID.
* ``created_at``: the record's ``createdAt`` normalised to UTC (``...sssZ``).
* ``lang``: the first of the record's ``langs`` (``und`` when none).
* ``entities``: mentions, hashtags and links from the rich-text facets. Facet offsets are
  UTF-8 byte offsets; X's are character offsets, so they are converted. A mention's
  ``username`` is the text it covers without the ``@``; its ``id`` is ``stable_id(did)``.
* replies and quotes become ``conversation_id``, ``in_reply_to_user_id`` and
  ``referenced_tweets`` (ids via :func:`stable_id` of the referenced URIs).
* ``source`` is ``"Bluesky"``; self-labels set ``possibly_sensitive``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from courtside.errors import RecordError
from courtside.records import iso_utc, parse_created_at

POST_COLLECTION = "app.bsky.feed.post"
_MENTION = "app.bsky.richtext.facet#mention"
_TAG = "app.bsky.richtext.facet#tag"
_LINK = "app.bsky.richtext.facet#link"
_MAX_FACETS = 100
_MAX_KEY = 512

__all__ = ["POST_COLLECTION", "convert_post", "post_uri", "stable_id"]


def stable_id(value: str) -> str:
    """A stable, positive 63-bit decimal id for ``value`` (an AT URI or a DID)."""
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest()
    return str(int.from_bytes(digest, "big") >> 1)


def post_uri(did: str, rkey: str) -> str:
    """The AT URI of a post."""
    return f"at://{did}/{POST_COLLECTION}/{rkey}"


def _uri_did(uri: Any) -> str | None:
    if isinstance(uri, str) and uri.startswith("at://did:"):
        return uri[5:].split("/", 1)[0]
    return None


def _str(value: Any, limit: int = _MAX_KEY) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def _entities(text: str, facets: Any) -> tuple[dict[str, list[dict[str, Any]]], list[dict]]:
    """X ``entities`` and mentioned users from rich-text facets (bad facets skipped)."""
    mentions: list[dict[str, Any]] = []
    hashtags: list[dict[str, Any]] = []
    urls: list[dict[str, Any]] = []
    users: list[dict[str, Any]] = []
    if not isinstance(facets, list):
        return {}, users
    raw = text.encode("utf-8")
    for facet in facets[:_MAX_FACETS]:
        if not isinstance(facet, dict):
            continue
        index, features = facet.get("index"), facet.get("features")
        if not isinstance(index, dict) or not isinstance(features, list):
            continue
        start_b, end_b = index.get("byteStart"), index.get("byteEnd")
        if not (isinstance(start_b, int) and isinstance(end_b, int)):
            continue
        if not 0 <= start_b <= end_b <= len(raw):
            continue
        try:
            start = len(raw[:start_b].decode("utf-8"))
            segment = raw[start_b:end_b].decode("utf-8")
        except UnicodeDecodeError:  # offsets inside a character: not a usable facet
            continue
        end = start + len(segment)
        for feature in features:
            if not isinstance(feature, dict):
                continue
            kind = feature.get("$type")
            if kind == _MENTION and _str(feature.get("did")):
                username = segment.lstrip("@").strip()
                if not username:
                    continue
                uid = stable_id(feature["did"])
                mentions.append({"start": start, "end": end, "username": username, "id": uid})
                users.append({"id": uid, "username": username, "name": username})
            elif kind == _TAG and _str(feature.get("tag"), 640):
                hashtags.append({"start": start, "end": end, "tag": feature["tag"]})
            elif kind == _LINK and _str(feature.get("uri"), 3000):
                uri = feature["uri"]
                urls.append(
                    {
                        "start": start,
                        "end": end,
                        "url": uri,
                        "expanded_url": uri,
                        "display_url": segment,
                    }
                )
    entities = {
        k: v for k, v in (("mentions", mentions), ("hashtags", hashtags), ("urls", urls)) if v
    }
    return entities, users


def _quoted_uri(embed: Any) -> str | None:
    if not isinstance(embed, dict):
        return None
    kind = embed.get("$type")
    inner = embed.get("record")
    if kind == "app.bsky.embed.recordWithMedia" and isinstance(inner, dict):
        inner = inner.get("record")
    elif kind != "app.bsky.embed.record":
        return None
    uri = inner.get("uri") if isinstance(inner, dict) else None
    return uri if isinstance(uri, str) and f"/{POST_COLLECTION}/" in uri else None


def convert_post(
    event: Mapping[str, Any], handles: Mapping[str, str], rule: dict[str, str]
) -> dict[str, Any]:
    """The incoming-shape record for a Jetstream ``commit`` create of a post.

    Args:
        event: The Jetstream event (``kind`` = ``commit``, operation ``create``).
        handles: Known DID -> handle mappings (from ``identity`` events).
        rule: The ``matching_rules`` entry to attach.

    Raises:
        RecordError: ``BadEvent`` for a malformed event, or a ``created_at`` error.
    """
    did = _str(event.get("did"))
    commit = event.get("commit")
    if did is None or not did.startswith("did:") or not isinstance(commit, dict):
        raise RecordError("BadEvent", "commit event without a valid 'did' or 'commit'")
    rkey = _str(commit.get("rkey"))
    record = commit.get("record")
    if rkey is None or not isinstance(record, dict):
        raise RecordError("BadEvent", "post commit without 'rkey' or 'record'")
    text = record.get("text", "")
    if not isinstance(text, str):
        raise RecordError("BadEvent", "post 'text' is not a string")
    created = parse_created_at(record.get("createdAt"))
    uri = post_uri(did, rkey)
    post_id = stable_id(uri)
    handle = handles.get(did) or did
    langs = record.get("langs")
    lang = langs[0] if isinstance(langs, list) and langs and _str(langs[0], 35) else "und"
    entities, mentioned = _entities(text, record.get("facets"))
    post: dict[str, Any] = {
        "id": post_id,
        "text": text,
        "author_id": stable_id(did),
        "conversation_id": post_id,
        "created_at": iso_utc(int(created.timestamp() * 1000)),
        "lang": lang,
        "possibly_sensitive": _self_labelled(record.get("labels")),
        "source": "Bluesky",
    }
    if entities:
        post["entities"] = entities
    referenced: list[dict[str, str]] = []
    reply = record.get("reply")
    if isinstance(reply, dict):
        parent, root = reply.get("parent"), reply.get("root")
        parent_uri = _str(parent.get("uri"), 3000) if isinstance(parent, dict) else None
        root_uri = _str(root.get("uri"), 3000) if isinstance(root, dict) else None
        if parent_uri is not None:
            referenced.append({"type": "replied_to", "id": stable_id(parent_uri)})
            parent_did = _uri_did(parent_uri)
            if parent_did:
                post["in_reply_to_user_id"] = stable_id(parent_did)
        if root_uri is not None:
            post["conversation_id"] = stable_id(root_uri)
    quoted = _quoted_uri(record.get("embed"))
    if quoted:
        referenced.append({"type": "quoted", "id": stable_id(quoted)})
    if referenced:
        post["referenced_tweets"] = referenced
    author = {"id": post["author_id"], "username": handle, "name": handle}
    users = [author]
    for user in mentioned:
        if all(u["id"] != user["id"] for u in users):
            users.append(user)
    return {"data": post, "includes": {"users": users}, "matching_rules": [rule]}


def _self_labelled(labels: Any) -> bool:
    if not isinstance(labels, dict):
        return False
    values = labels.get("values")
    return isinstance(values, list) and len(values) > 0
