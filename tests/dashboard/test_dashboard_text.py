"""Untrusted text shown through Markdown renders as exactly that text."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import dashboard_helpers as h
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from courtside.dashboard.text import cell, md_escape, when, window

# GitHub-flavoured Markdown with raw HTML switched on: a more permissive reading than
# Streamlit's. (Bare-URL autolinks need linkify-it, not installed; the browser test
# checks Streamlit's own rendering of bare links.)
_MD = MarkdownIt("gfm-like", {"html": True, "linkify": False})


def _rendered_text(markdown: str) -> str:
    out = _MD.renderInline(markdown)
    assert "<" not in out, out  # no element of any kind: only escaped text
    return html.unescape(out)


@pytest.mark.parametrize(
    "text",
    [
        *h.HOSTILE,
        "https://evil.example/path?q=1",
        "www.evil.example",
        "mail@evil.example",
        "*bold* _it_ ~~gone~~ `code` $x^2$ :red[red] :material/home: &amp; \\",
        "# heading",
        "> quote",
        "1. item",
        "| a | b |",
        "![img](http://x/y.png)",
        "<!-- comment -->",
        "&#60;script&#62;",
    ],
)
def test_hostile_text_renders_literally(text: str) -> None:
    assert _rendered_text(md_escape(text)) == text


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
def test_any_text_renders_literally(text: str) -> None:
    flat = "".join(" " if ord(c) < 32 or c == "\x7f" else c for c in text)
    shown = _rendered_text(md_escape(text))
    # Markdown drops leading/trailing spaces of a paragraph; nothing else changes.
    assert shown.strip() == flat.strip()


def test_control_characters_become_spaces() -> None:
    assert md_escape("a\nb\tc\x00d") == "a b c d"


def test_cells() -> None:
    assert cell(3) == 3 and cell(2.5) == 2.5
    assert cell(True) == "yes"
    assert cell(None) == "\\-"
    assert cell(h.LINK) == md_escape(h.LINK)
    moment = datetime(2024, 5, 1, 12, 0, 1, tzinfo=UTC)
    assert when(moment) == "2024-05-01 12:00:01Z"
    assert cell(moment) == md_escape("2024-05-01 12:00:01Z")


def test_alert_windows() -> None:
    assert window("2024-05-01T12:00:00Z", "2024-05-01T12:01:00Z") == (
        "2024-05-01 12:00:00 to 12:01:00Z"
    )
    assert window("2024-05-01T23:59:30+00:00", "2024-05-02T00:00:30Z") == (
        "2024-05-01 23:59:30 to 2024-05-02 00:00:30Z"
    )
    assert window(h.SCRIPT, "x") == f"{h.SCRIPT} to x"
