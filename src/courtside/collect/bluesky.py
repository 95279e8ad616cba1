"""The Bluesky Jetstream collector: a free, live source of posts.

It subscribes to Jetstream's ``/subscribe`` WebSocket with
``wantedCollections=app.bsky.feed.post``, keeps ``commit`` creates of posts whose text
matches the configured keywords (case-insensitive, whole words) and languages, converts
them into the incoming X shape (:mod:`courtside.collect.bluesky_convert`) and puts them
on the ``tweets`` stream.

Resuming without gaps: every event carries ``time_us`` (Jetstream's cursor, unix
microseconds; a connection without a cursor gets live events only). The highest one
seen is handed to the stream sink as a mark; once the records before it are durable, it
is written atomically to ``<state>/collect/bluesky-cursor.json``. A collector with no
cursor yet writes one *before* it queues its first record (that record's ``time_us``),
so even a kill -9 between the first append and the first regular save resumes from
before what is on the stream. On start and on every reconnect the subscription asks for
``cursor = saved - rewind_s``; the few seconds replayed create duplicates, which the
de-duplication job removes.

Handles learnt from ``identity`` events are kept in ``<state>/collect/`` too (see
:mod:`courtside.collect.bluesky_state`), so replayed posts carry the same handle after a
restart as before it.

Everything else is counted and never stops the collector: ``identity`` events,
``account`` events, updates and deletes of posts, other collections, frames that are
not JSON or are larger than ``bluesky.max_frame_kib``, events without a plausible
``time_us`` (not an integer, or more than a day ahead of the clock), and posts with bad
timestamps or values of unexpected shapes or sizes.

Reconnects: at once after a healthy connection drops, otherwise (a refused or failed
connection, or one that ended within
:data:`~courtside.collect.backoff.STABLE_AFTER_S`, whatever it delivered) with
exponential back-off from 1 s doubling up to ``bluesky.reconnect_max_s``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
from websockets.exceptions import ConnectionClosed, InvalidURI, WebSocketException
from websockets.sync.client import connect

from courtside.collect.annotate import fold_text
from courtside.collect.backoff import STABLE_AFTER_S, JetstreamBackoff
from courtside.collect.base import Output, Stopper
from courtside.collect.bluesky_convert import POST_COLLECTION, convert_post, stable_id
from courtside.collect.bluesky_state import (
    CURSOR_FILE,
    HandleStore,
    cursor_path,
    handles_path,
    load_cursor,
    valid_did,
    valid_handle,
)
from courtside.collect.config import BlueskySettings
from courtside.errors import ConfigError, RecordError
from courtside.lake.layout import write_atomic
from courtside.records import loads

log = logging.getLogger(__name__)

__all__ = ["CURSOR_FILE", "BlueskyCollector", "cursor_path", "keyword_pattern", "load_cursor"]

_RECV_TIMEOUT_S = 0.5
_FUTURE_TOLERANCE_US = 86_400 * 1_000_000


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
        state_dir: The home's state folder (cursor and handles go under ``collect/``).
        sleep: Called with each back-off delay (default: an interruptible wait).
        clock: Monotonic clock measuring how long connections live (injectable).
        wall: Wall clock in epoch seconds, to spot ``time_us`` values from the future.
        stable_after_s: A connection that lived this long was healthy.
    """

    name = "bluesky"

    def __init__(
        self,
        settings: BlueskySettings,
        state_dir: Path,
        *,
        sleep: Callable[[float], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        stable_after_s: float = STABLE_AFTER_S,
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
        self.handle_store = HandleStore(handles_path(state_dir))
        self.position: int | None = None  # highest time_us processed
        self.saved: int | None = None  # highest time_us durably saved
        self.backoff = JetstreamBackoff(settings.reconnect_max_s, stable_after_s)
        self.delays: list[float] = []
        self.urls: list[str] = []
        self._sleep = sleep
        self._clock = clock
        self._wall = wall
        self._stopper = Stopper()
        self._started = False

    @property
    def handles(self) -> dict[str, str]:
        """Known DID -> handle mappings."""
        return self.handle_store.handles

    # -- cursor ------------------------------------------------------------------------
    def save_cursor(self, time_us: int | None) -> None:
        """Durably record ``time_us`` (called by the sink once records are durable), and
        the handles learnt so far."""
        self.handle_store.save()
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
        self._stopper = stopper
        output.sink.on_durable = self.save_cursor
        if not self._started:
            self._started = True
            self.handle_store.load()
            if self.position is None:
                self.position = self.saved = load_cursor(self.cursor_file)
        while not stopper.requested and not output.full:
            url = self.subscribe_url()
            self.urls.append(url)
            opened: float | None = None
            try:
                with connect(
                    url,
                    open_timeout=self.settings.open_timeout_s,
                    max_size=max(4 * self.max_frame_bytes, 16 * 1024 * 1024),
                    compression=None,
                ) as ws:
                    opened = self._clock()
                    report.count("connections")
                    log.info("connected to Jetstream %s", url)
                    while not stopper.requested and not output.full:
                        try:
                            frame = ws.recv(timeout=_RECV_TIMEOUT_S, decode=False)
                        except TimeoutError:
                            output.sink.maybe_flush()
                            continue
                        raw = frame.encode("utf-8") if isinstance(frame, str) else frame
                        with output.guarded("Jetstream frame", raw):
                            self._frame(raw, output)
                        output.sink.maybe_flush()
            except InvalidURI as exc:
                raise ConfigError(f"invalid bluesky.url: {exc}", key="bluesky.url") from None
            except ConnectionClosed as exc:
                report.count("disconnects" if opened is not None else "network_errors")
                log.warning("Jetstream connection closed: %s", exc)
            except (OSError, WebSocketException, TimeoutError) as exc:
                report.count("network_errors")
                log.warning("cannot connect to Jetstream: %s: %s", type(exc).__name__, exc)
            output.sink.flush()
            if stopper.requested or output.full:
                break
            if opened is None:
                delay = self.backoff.failed()
            else:
                delay = self.backoff.dropped(self._clock() - opened)
            report.count("reconnects")
            log.info("reconnecting to Jetstream in %.2fs", delay)
            self.delays.append(delay)
            if self._sleep is not None:
                self._sleep(delay)
            elif delay > 0:
                stopper.wait(delay)

    # -- one frame ---------------------------------------------------------------------
    def _frame(self, raw: bytes, output: Output) -> None:
        report = output.report
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
        time_us = self._plausible_time_us(event.get("time_us"))
        if time_us is None:
            shown = repr(event.get("time_us"))[:60]
            output.reject("BadTimeUs", f"event 'time_us' is not a usable cursor: {shown}", raw)
            return
        kind = event.get("kind")
        if kind == "commit":
            self._commit(event, time_us, raw, output)
        elif kind == "identity":
            report.count("identity_events")
            ident = event.get("identity")
            did, handle = event.get("did"), ident.get("handle") if isinstance(ident, dict) else None
            if valid_did(did) and valid_handle(handle):
                self.handle_store.learn(did, handle)
            elif handle is not None:
                report.count("identity_bad_handles")
        elif kind == "account":
            report.count("account_events")
        else:
            report.count("other_events")
        # The position moves only once the event's record (if any) is queued, so a
        # stop in the middle of an event never saves a cursor past it.
        if self.position is None or time_us > self.position:
            self.position = time_us
        output.sink.mark(self.position)

    def _plausible_time_us(self, value: Any) -> int | None:
        """``value`` when it is a cursor Jetstream could have sent: a positive integer
        not more than a day ahead of the clock (a far-future cursor would make the
        next connection skip everything up to it)."""
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            return None
        if value > self._wall() * 1_000_000 + _FUTURE_TOLERANCE_US:
            return None
        return value

    def _save_before_first_record(self, time_us: int) -> None:
        """With no cursor saved yet, save this event's ``time_us`` before its record
        can reach the stream: a crash after that append then still resumes before it."""
        if self.saved is None:
            with self._stopper.critical():
                self.save_cursor(time_us)

    def _commit(self, event: dict[str, Any], time_us: int, raw: bytes, output: Output) -> None:
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
            if operation == "update":
                report.count("post_updates")
            elif operation == "delete":
                report.count("post_deletes")
            else:
                report.count("other_ops")
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
        self._save_before_first_record(time_us)
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
