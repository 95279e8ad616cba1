"""The shared SQL quoting helper and the signal helper."""

from __future__ import annotations

import os
import signal
import threading

import duckdb
import pytest

from courtside.signals import stop_on_signals
from courtside.sqltext import sql_ident, sql_literal

HOSTILE = ["plain", "it's", "a'; DROP TABLE t; --", "back\\slash'", 'quote"d', "ünï'cödé"]


@pytest.mark.parametrize("text", HOSTILE)
def test_duckdb_literal_and_identifier_round_trip(text: str) -> None:
    con = duckdb.connect()
    assert con.execute(f"SELECT {sql_literal(text)}").fetchone() == (text,)
    con.execute(f"CREATE TABLE {sql_ident(text)} (x INTEGER)")
    assert con.execute(f"SELECT count(*) FROM {sql_ident(text)}").fetchone() == (0,)


@pytest.mark.parametrize("text", HOSTILE)
def test_spark_literal_escapes_backslashes(text: str) -> None:
    lit = sql_literal(text, "spark")
    assert lit.startswith("'") and lit.endswith("'")
    body = lit[1:-1]
    # Unescape as Spark's parser does: every quote and backslash inside is escaped.
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\":
            out.append(body[i + 1])
            i += 2
            continue
        assert body[i] != "'", "unescaped quote"
        out.append(body[i])
        i += 1
    assert "".join(out) == text
    assert sql_ident("a`b", "spark") == "`a``b`"


def test_nul_and_empty_refused() -> None:
    with pytest.raises(ValueError):
        sql_literal("a\x00b")
    with pytest.raises(ValueError):
        sql_ident("")


def test_stop_on_signals_calls_stop_and_restores_handlers() -> None:
    called = threading.Event()
    before = signal.getsignal(signal.SIGTERM)
    with stop_on_signals(called.set):
        os.kill(os.getpid(), signal.SIGTERM)
        assert called.wait(5)
    assert signal.getsignal(signal.SIGTERM) is before


def test_stop_on_signals_is_a_no_op_off_the_main_thread() -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with stop_on_signals(lambda: None):
                pass
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert errors == []
