"""The Athlete annotator: X-style domain 60 context annotations from the players table.

X attaches ``context_annotations`` to posts itself; other sources (Bluesky, replayed
archives without them) get them here, so the daily figures and the detector treat every
source alike. A post is annotated once for each player it names (names in text order,
then @handles, then ``entities.mentions``):

* full names ("Luka Doncic", also without apostrophes or dots: "DAngelo Russell",
  "PJ Washington", and without a Jr. suffix), case- and accent-insensitive
  ("luka dončić"), whole words only;
* common short names: a last name (hyphenated ones whole: "Caldwell-Pope") that is
  unique in the roster, is nobody's first name and is not an everyday word, city or
  famous non-roster name ("Embiid", but not "Love", "Curry" or "Cleveland"), plus a few
  well-known nicknames ("Greek Freak", "Steph") of players who are in the roster;
* handles: ``@account`` in the text (not inside an e-mail address, and not a longer
  Bluesky handle such as ``@account.bsky.social``) and ``entities.mentions[].username``.

Posts that already carry a non-empty ``context_annotations`` list are left exactly as
they are. Matching splits the folded text into words with one regex ``findall`` and
looks them up in a dict keyed by each name's first word, so the cost per post hardly
depends on the roster size.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any

from courtside.records import ATHLETE_DOMAIN_ID
from courtside.reference.players import Player, PlayersTable

__all__ = ["Annotator", "fold_text", "handles", "tokens"]

_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_WORD = re.compile(r"\w+")
# "@handle", not inside an e-mail address; "@a.bsky.social" is kept whole so that it
# never matches the X handle "a".
_HANDLE = re.compile(r"(?<!\w)@(\w+(?:\.\w+)*)")
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_DOMAIN_ID = ATHLETE_DOMAIN_ID
_DOMAIN_TEXT = "An athlete in the world, like Serena Williams"

# Well-known nicknames -> full name; used only for players present in the roster.
NICKNAMES: dict[str, str] = {
    "greek freak": "Giannis Antetokounmpo",
    "giannis": "Giannis Antetokounmpo",
    "king james": "LeBron James",
    "lebron": "LeBron James",
    "bron": "LeBron James",
    "steph": "Stephen Curry",
    "steph curry": "Stephen Curry",
    "chef curry": "Stephen Curry",
    "the brow": "Anthony Davis",
    "kd": "Kevin Durant",
    "durantula": "Kevin Durant",
    "dame time": "Damian Lillard",
    "dame dolla": "Damian Lillard",
    "cp3": "Chris Paul",
    "kawhi": "Kawhi Leonard",
    "the klaw": "Kawhi Leonard",
    "zion": "Zion Williamson",
    "luka": "Luka Doncic",
    "luka magic": "Luka Doncic",
    "the beard": "James Harden",
    "pg13": "Paul George",
    "melo": "Carmelo Anthony",
    "dlo": "D'Angelo Russell",
    "kat": "Karl-Anthony Towns",
    "sga": "Shai Gilgeous-Alexander",
    "jimmy buckets": "Jimmy Butler",
    "klay": "Klay Thompson",
    "kyrie": "Kyrie Irving",
    "uncle drew": "Kyrie Irving",
    "spida": "Donovan Mitchell",
    "russ": "Russell Westbrook",
    "trae": "Trae Young",
    "jokic": "Nikola Jokic",
    "the joker": "Nikola Jokic",
}

# Last names that must not count as a short name on their own: everyday words, cities
# and states, common first names, and famous players who are not in the roster.
_NOT_SHORT = frozenset(
    """
    ball bell bone brooks brown burks butler cook craig fall fox gay grant gray guy hall
    hart hayes hill holiday hood house hunter king knight lamb law little love mac maker
    mann mason mills monk noah parker porter price rivers rose ross smart temple wall
    waters wood young green white black banks battle bird bridges carter chandler early
    frazier free gibson harper hope jackson james long marks may miles miller moore
    morris nance oni payne reed rich roby scott short simons smith snell story strong
    sumner taylor thomas turner walker west wiggins wise wright allen anderson barnes
    clark clarke daniels edwards evans ferguson george grant griffin harris harrison
    henson hernandez isaac jerome johnson jones jordan joseph lopez martin mitchell
    patterson paul reid reynolds richardson robinson russell sampson silva vincent wade
    warren washington watson williams wilson cleveland dallas denver houston phoenix
    boston portland orlando memphis utah indiana sacramento charlotte milwaukee detroit
    toronto brooklyn miami atlanta chicago minnesota bryant oneal shaq kobe magic heat
    jazz nets bucks bulls suns thunder pistons rockets spurs knicks lakers clippers
    celtics raptors warriors blazers kings pelicans hornets hawks wizards grizzlies
    nuggets cavaliers cavs mavericks mavs timberwolves wolves sixers pacers
    dunn bender bowman carroll coffey favors forbes gabriel garland goodwin hoard
    holmes hutchison layman len mathews matthews mooney nader pinson pointer poole
    spalding swanigan valentine vanderbilt waiters wagner weatherspoon windler
    winslow zeller dozier dotson conley bullock burton barton motley bacon birch noel
    towns payton rubio fernando milton dudley neto pelle ingles dort looney adams
    """.split()
)


def fold_text(text: str) -> str:
    """Lowercase, accents removed ("Dončić" -> "doncic"); ASCII takes a fast path."""
    if text.isascii():
        return text.lower()
    if unicodedata.is_normalized("NFKD", text):  # e.g. emoji, but no accented letters
        return text.casefold()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()


def tokens(text: str) -> list[str]:
    """Words of ``text`` as the annotator sees them (folded)."""
    return _WORD.findall(fold_text(text))


def handles(text: str) -> list[str]:
    """``@handles`` in ``text``, folded and without the ``@``."""
    return _HANDLE.findall(fold_text(text))


def _variants(name: str) -> set[tuple[str, ...]]:
    """Token sequences that spell a full name: as written, without apostrophes and dots
    ("D'Angelo" -> "dangelo", "P.J." -> "pj"), and without a Jr./III suffix."""
    folded = fold_text(name)
    out = set()
    for text in (folded, re.sub(r"['’.]", "", folded)):
        words = tuple(_WORD.findall(text))
        if words:
            out.add(words)
            if len(words) > 2 and words[-1] in _SUFFIXES:
                out.add(words[:-1])
    return out


def _entity_id(name: str) -> str:
    digest = hashlib.blake2b(f"athlete:{fold_text(name)}".encode(), digest_size=8).digest()
    return str(int.from_bytes(digest, "big") >> 1)


class Annotator:
    """Adds Athlete (domain 60) annotations to posts that carry none.

    Args:
        players: The players table (the full roster is fine: lookups are dict-based).
        short_names: Also match unique last names and nicknames.
    """

    def __init__(self, players: PlayersTable | Iterable[Player], *, short_names: bool = True):
        roster = list(players)
        self._handles = {p.account.casefold(): p for p in roster}
        by_full: dict[tuple[str, ...], Player] = {}
        for p in roster:
            for words in _variants(p.name):
                by_full.setdefault(words, p)
        phrases: dict[tuple[str, ...], Player] = {}
        if short_names:
            phrases.update(self._short_names(roster))
        phrases.update(by_full)  # full names win over short names
        # first token -> [(remaining tokens, player)], longest first (greedy matching).
        index: dict[str, list[tuple[list[str], Player]]] = {}
        for words, p in phrases.items():
            index.setdefault(words[0], []).append((list(words[1:]), p))
        for cands in index.values():
            cands.sort(key=lambda c: -len(c[0]))
        self._index = index
        self._firsts = frozenset(index)
        self._annotation_ids = {p.name: _entity_id(p.name) for p in roster}

    @staticmethod
    def _short_names(roster: list[Player]) -> dict[tuple[str, ...], Player]:
        # A last name is the last space-separated part, hyphenated ones whole
        # ("Caldwell-Pope" -> ("caldwell", "pope")), without a Jr./III suffix.
        lasts: dict[str, tuple[str, ...]] = {}
        firsts: set[str] = set()
        for p in roster:
            parts = fold_text(p.name).replace(".", "").split()
            if len(parts) > 2 and re.sub(r"\W", "", parts[-1]) in _SUFFIXES:
                parts = parts[:-1]
            if len(parts) < 2:
                continue
            firsts.update(_WORD.findall(parts[0]))
            lasts[p.name] = tuple(_WORD.findall(re.sub(r"['’]", "", parts[-1])))
        counts = Counter(lasts.values())
        out: dict[tuple[str, ...], Player] = {}
        for p in roster:
            last = lasts.get(p.name)
            if (
                last
                and counts[last] == 1
                and not (len(last) == 1 and (last[0] in firsts or last[0] in _NOT_SHORT))
                and len("".join(last)) >= 3
            ):
                out[last] = p
        by_name = {fold_text(p.name): p for p in roster}
        for nickname, full in NICKNAMES.items():
            player = by_name.get(fold_text(full))
            if player is not None:
                out[tuple(_WORD.findall(nickname))] = player
        return out

    def match(self, text: str, mentions: Iterable[str] = ()) -> list[Player]:
        """Players named in ``text`` (in order), then those it @mentions, then those
        among ``mentions`` (usernames), without repeats."""
        found: list[Player] = []
        folded = fold_text(text) if text else ""
        toks = _WORD.findall(folded)
        if toks and not self._firsts.isdisjoint(toks):
            index = self._index
            i, n = 0, len(toks)
            while i < n:
                cands = index.get(toks[i])
                if cands is not None:
                    for rest, player in cands:
                        k = len(rest)
                        if k == 0 or toks[i + 1 : i + 1 + k] == rest:
                            if not any(f is player for f in found):
                                found.append(player)
                            i += k
                            break
                i += 1
        named = _HANDLE.findall(folded) if "@" in folded else []
        for username in (*named, *(m.casefold() for m in mentions)):
            handled = self._handles.get(username)
            if handled is not None and not any(f is handled for f in found):
                found.append(handled)
        return found

    def annotate(self, post: dict[str, Any]) -> int:
        """Add Athlete annotations to ``post`` in place unless it already has some
        ``context_annotations``; return how many were added."""
        existing = post.get("context_annotations")
        if existing and isinstance(existing, list):
            return 0
        text = post.get("text")
        mentions: list[str] = []
        entities = post.get("entities")
        if entities and isinstance(entities, dict):
            listed = entities.get("mentions")
            if listed and isinstance(listed, list):
                mentions = [
                    m["username"]
                    for m in listed
                    if isinstance(m, dict) and isinstance(m.get("username"), str)
                ]
        players = self.match(text if isinstance(text, str) else "", mentions)
        if not players:
            return 0
        ids = self._annotation_ids
        post["context_annotations"] = [
            {
                "domain": {"id": _DOMAIN_ID, "name": "Athlete", "description": _DOMAIN_TEXT},
                "entity": {"id": ids[p.name], "name": p.name},
            }
            for p in players
        ]
        return len(players)
