"""The Bluesky Jetstream collector: a free, live source of posts.

It subscribes to Jetstream's ``/subscribe`` WebSocket with
``wantedCollections=app.bsky.feed.post``, keeps ``commit`` creates of posts whose text
matches the configured keywords (case-insensitive, whole words) and languages, converts
them into the incoming X shape (:mod:`courtside.collect.bluesky_convert`) and puts them
on the ``tweets`` stream.

Resuming without gaps: every event carries ``time_us`` (Jetstream's cursor). The
highest one seen is handed to the stream sink as a mark; once the records before it are
durable, it is written atomically to ``<state>/collect/bluesky-cursor.json``. On start
and on every reconnect the subscription asks for ``cursor = saved - rewind_s``, so a
crash (even kill -9) loses nothing; the few seconds replayed create duplicates, which
the de-duplication job removes.

Everything else is counted and never stops the collector: ``identity`` events (they
teach the collector handles), ``account`` events, updates and deletes of posts, other
collections, frames that are not JSON or are larger than ``bluesky.max_frame_kib``, and
posts with bad timestamps. Disconnects are retried immediately once, then with
exponential back-off (1 s doubling up to ``bluesky.reconnect_max_s``).
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import connect

from courtside.collect.annotate import fold_text
from courtside.collect.backoff import Schedule
from courtside.collect.base import Output, Stopper
from courtside.collect.bluesky_convert import POST_COLLECTION, convert_post, stable_id
from courtside.collect.config import BlueskySettings
from courtside.errors import ConfigError, RecordError
from courtside.lake.layout import write_atomic
from courtside.records import loads

log = logging.getLogger(__name__)

CURSOR_FILE = "bluesky-cursor.json"
_MAX_HANDLES = 100_000
_RECV_TIMEOUT_S = 0.5


def cursor_path(state_dir: Path) -> Path:
    """Where the durable Jetstream cursor lives."""
    return state_dir / "collect" / CURSOR_FILE


def load_cursor(path: Path) -> int | None:
    """The saved ``time_us`` cursor, or None when there is none (or it is unreadable)."""
    try:
        doc = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as exc:
        log.warning("ignoring unreadable cursor file %s: %s", path, exc)
        return None
    value = doc.get("time_us") if isinstance(doc, dict) else None
    return value if isinstance(value, int) and value > 0 else None


def keyword_pattern(keywords: list[str]) -> re.Pattern[str] | None:
    """A whole-word, case- and accent-insensitive pattern for ``keywords`` (None: all)."""
    words = [fold_text(k).strip() for k in keywords if k.strip()]
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


class BlueskyCollector:
    """Collects posts from a Jetstream instance.

    Args:
        settings: Bluesky settings (URL, keywords, languages, rewind, limits).
        state_dir: The home's state folder (the cursor file goes under ``collect/``).
        sleep: Called with each back-off delay (default: an interruptible wait).
    """

    name = "bluesky"

    def __init__(
        self,
        settings: BlueskySettings,
        state_dir: Path,
        *,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        self.settings = settings
        self.cursor_file = cursor_path(state_dir)
        self.max_frame_bytes = settings.max_frame_kib * 1024
        self.keywords = keyword_pattern(settings.keywords)
        self.langs = [lang.lower() for lang in settings.langs if lang.strip()]
        self.rule = {
            "id": stable_id("bluesky:" + ",".join(sorted(settings.keywords))),
            "tag": ("bluesky: " + " OR ".join(settings.keywords))[:200],
        }
        self.handles: OrderedDict[str, str] = OrderedDict()
        self.position: int | None = None  # highest time_us processed
        self.saved: int | None = None  # highest time_us durably saved
        self.backoff = Schedule(1.0, settings.reconnect_max_s)
        self.delays: list[float] = []
        self.urls: list[str] = []
        self._sleep = sleep

    # -- cursor ------------------------------------------------------------------------
    def save_cursor(self, time_us: int | None) -> None:
        """Durably record ``time_us`` (called by the sink once records are durable)."""
        if time_us is None or time_us == self.saved:
            return
        doc = {"time_us": time_us, "url": self.settings.url}
        write_atomic(self.cursor_file, orjson.dumps(doc) + b"\n")
        self.saved = time_us

    def subscribe_url(self) -> str:
        """The URL to connect to: posts only, the frame limit, and the rewound cursor."""
        parts = urlsplit(self.settings.url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("cursor",)]
        if not any(k == "wantedCollections" for k, _ in query):
            query.append(("wantedCollections", POST_COLLECTION))
        if not any(k == "maxMessageSizeBytes" for k, _ in query):
            query.append(("maxMessageSizeBytes", str(self.max_frame_bytes)))
        if self.position is not None:
            rewound = max(1, self.position - int(self.settings.rewind_s * 1_000_000))
            query.append(("cursor", str(rewound)))
        return urlunsplit(parts._replace(query=urlencode(query)))

    # -- the reconnect loop ------------------------------------------------------------
    def run(self, output: Output, stopper: Stopper) -> None:
        """Collect until stopped or ``output`` is full."""
        report = output.report
        output.sink.on_durable = self.save_cursor
        if self.position is None:
            self.position = self.saved = load_cursor(self.cursor_file)
        while not stopper.requested and not output.full:
            received = False
            url = self.subscribe_url()
            self.urls.append(url)
            try:
                with connect(
                    url,
                    open_timeout=self.settings.open_timeout_s,
                    max_size=max(4 * self.max_frame_bytes, 16 * 1024 * 1024),
                    compression=None,
                ) as ws:
                    report.count("connections")
                    log.info("connected to Jetstream %s", url)
                    while not stopper.requested and not output.full:
                        try:
                            frame = ws.recv(timeout=_RECV_TIMEOUT_S, decode=False)
                        except TimeoutError:
                            output.sink.maybe_flush()
                            continue
                        if not received:
                            received = True
                            self.backoff.reset()
                        self._frame(frame, output)
                        output.sink.maybe_flush()
            except InvalidURI as exc:
                raise ConfigError(f"invalid bluesky.url: {exc}", key="bluesky.url") from None
            except ConnectionClosed as exc:
                report.count("disconnects")
                log.warning("Jetstream connection closed: %s", exc)
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                report.count("network_errors")
                log.warning("cannot connect to Jetstream: %s: %s", type(exc).__name__, exc)
            output.sink.flush()
            if stopper.requested or output.full:
                break
            delay = 0.0 if received else self.backoff.next()
            report.count("reconnects")
            self.delays.append(delay)
            if self._sleep is not None:
                self._sleep(delay)
            elif delay > 0:
                stopper.wait(delay)

    # -- one frame ---------------------------------------------------------------------
    def _frame(self, frame: bytes | str, output: Output) -> None:
        report = output.report
        raw = frame.encode("utf-8") if isinstance(frame, str) else frame
        if len(raw) > self.max_frame_bytes:
            output.reject(
                "FrameTooLarge",
                f"frame of {len(raw)} bytes exceeds {self.max_frame_bytes} bytes",
                raw[:1024],
            )
            return
        try:
            event = loads(raw)
        except RecordError as exc:
            output.reject(exc.code, f"Jetstream frame: {exc}", raw)
            return
        kind = event.get("kind")
        if kind == "commit":
            self._commit(event, raw, output)
        elif kind == "identity":
            report.count("identity_events")
            ident = event.get("identity")
            did, handle = event.get("did"), ident.get("handle") if isinstance(ident, dict) else None
            if isinstance(did, str) and isinstance(handle, str) and handle:
                self.handles[did] = handle
                self.handles.move_to_end(did)
                if len(self.handles) > _MAX_HANDLES:
                    self.handles.popitem(last=False)
        elif kind == "account":
            report.count("account_events")
        else:
            report.count("other_events")
        # The position moves only once the event's record (if any) is queued, so a
        # stop in the middle of an event never saves a cursor past it.
        time_us = event.get("time_us")
        if isinstance(time_us, int) and not isinstance(time_us, bool) and time_us > 0:
            if self.position is None or time_us > self.position:
                self.position = time_us
            output.sink.mark(self.position)

    def _commit(self, event: dict[str, Any], raw: bytes, output: Output) -> None:
        report = output.report
        commit = event.get("commit")
        if not isinstance(commit, dict):
            output.reject("BadEvent", "commit event without a 'commit' object", raw)
            return
        if commit.get("collection") != POST_COLLECTION:
            report.count("other_collections")
            return
        operation = commit.get("operation")
        if operation != "create":
            report.count(f"post_{operation}s" if operation in ("update", "delete") else "other_ops")
            return
        record = commit.get("record")
        text = record.get("text") if isinstance(record, dict) else None
        if not isinstance(text, str):
            output.reject("BadEvent", "post create without a text record", raw)
            return
        if self.keywords is not None and not self.keywords.search(fold_text(text)):
            report.count("filtered_keywords")
            return
        if self.langs and not self._lang_ok(record):
            report.count("filtered_langs")
            return
        try:
            converted = convert_post(event, self.handles, self.rule)
        except RecordError as exc:
            output.reject(exc.code, str(exc), raw)
            return
        if output.post(converted):
            report.count("posts")

    def _lang_ok(self, record: Any) -> bool:
        langs = record.get("langs") if isinstance(record, dict) else None
        if not isinstance(langs, list):
            return False
        for lang in langs:
            if isinstance(lang, str):
                low = lang.lower()
                if any(low == want or low.startswith(want + "-") for want in self.langs):
                    return True
        return False
