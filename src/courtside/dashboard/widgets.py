"""Drawing helpers shared by the dashboard's sections: escaped tables that survive any
value, the empty-state message, and the guard that keeps one failing part from stopping
the page."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec

import streamlit as st
from streamlit.errors import FragmentHandledException

from courtside.dashboard.errors import DashboardError, NoDataError
from courtside.dashboard.text import cell, md_escape

__all__ = ["guarded", "show_problem", "table"]

log = logging.getLogger(__name__)
_P = ParamSpec("_P")


def guarded(title: str) -> Callable[[Callable[_P, None]], Callable[_P, None]]:
    """Make a section survive anything it raises: a :class:`DashboardError` (no data yet,
    a source that cannot be read) shows as its empty state with what to run; any other
    error shows in its place, in one line. The rest of the page is drawn either way
    (Streamlit's own control flow passes)."""

    def wrap(section: Callable[_P, None]) -> Callable[_P, None]:
        @functools.wraps(section)
        def run(*args: _P.args, **kwargs: _P.kwargs) -> None:
            try:
                section(*args, **kwargs)
            except FragmentHandledException:
                raise
            except DashboardError as exc:
                show_problem(exc)
            except Exception as exc:  # noqa: BLE001 - one section never stops the page
                log.exception("dashboard section %s failed", title)
                reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
                st.error(
                    f"{md_escape(title)} could not be drawn: {md_escape(type(exc).__name__)}"
                    f" {md_escape(reason)}. The rest of the page is unaffected.",
                    icon=":material/error:",
                )

        return run

    return wrap


def show_problem(exc: DashboardError) -> None:
    """The empty state (or a read problem) with what to run."""
    message = md_escape(str(exc)[:300])
    text = f"{message[:1].upper()}{message[1:]}. {exc.hint}".strip()
    if isinstance(exc, NoDataError):
        st.info(text, icon=":material/info:")
    else:
        st.warning(text, icon=":material/warning:")


def table(rows: Sequence[dict[str, Any]], *, key: str) -> None:
    """A static table with every text cell escaped (``key`` labels it for tests). If the
    values cannot be drawn as they are, every cell is drawn as text instead."""
    with st.container(key=key):
        try:
            st.table([{k: cell(v) for k, v in row.items()} for row in rows], hide_index=True)
        except Exception:  # noqa: BLE001 - a value the table cannot convert: show it as text
            log.exception("table %s: values shown as text", key)
            st.table(
                [{k: md_escape(str(v)) for k, v in row.items()} for row in rows],
                hide_index=True,
            )
