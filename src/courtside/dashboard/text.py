"""Showing untrusted text safely on the page.

Streamlit renders the cells of ``st.table`` and the body of ``st.info``, ``st.caption``
and friends as GitHub-flavoured Markdown (with Streamlit's extras: ``:red[...]``
directives, ``$...$`` maths, emoji shortcodes). A player called
``[x](javascript:alert(1))`` would become a link. :func:`md_escape` backslash-escapes
every ASCII punctuation character (CommonMark allows this for all of them), so the text
shows exactly as written and nothing in it is interpreted. HTML is never enabled
(no ``unsafe_allow_html`` anywhere in the dashboard), so ``<script>`` stays text too.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime

__all__ = ["md_escape", "cell", "when", "window"]

_PUNCTUATION = frozenset(string.punctuation)
_CONTROL: dict[int, str | int | None] = {c: " " for c in (*range(32), 0x7F)}


def md_escape(text: str) -> str:
    """``text`` as Markdown that renders to exactly ``text`` (line breaks become spaces).

    >>> md_escape("[x](javascript:alert(1))")
    '\\\\[x\\\\]\\\\(javascript\\\\:alert\\\\(1\\\\)\\\\)'
    """
    flat = text.translate(_CONTROL)
    return "".join("\\" + c if c in _PUNCTUATION else c for c in flat)


def when(value: datetime | None) -> str:
    """An aware datetime as ``YYYY-MM-DD HH:MM:SSZ`` (UTC), ``-`` for none."""
    if value is None:
        return "-"
    return value.strftime("%Y-%m-%d %H:%M:%SZ")


_SAFE_INT = 2**53  # beyond this, a browser's numbers (and Arrow's int64) lose digits


def cell(value: object) -> object:
    """A table cell: numbers stay numbers, everything else is escaped text (integers too
    large for the page's numbers become text, so no value can break a table)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value if -_SAFE_INT < value < _SAFE_INT else md_escape(str(value))
    if isinstance(value, float):
        return value
    if isinstance(value, datetime):
        return md_escape(when(value))
    if value is None:
        return md_escape("-")
    return md_escape(str(value))


def _parse(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def window(start: str, end: str) -> str:
    """An alert's window, compact: ``2024-05-01 12:00:00 to 12:01:00Z`` (the raw texts
    when they are not ISO-8601 timestamps)."""
    first, last = _parse(start), _parse(end)
    if first is None or last is None:
        return f"{start} to {end}"
    if first.date() == last.date():
        return f"{first:%Y-%m-%d %H:%M:%S} to {last:%H:%M:%S}Z"
    return f"{first:%Y-%m-%d %H:%M:%S} to {last:%Y-%m-%d %H:%M:%S}Z"
