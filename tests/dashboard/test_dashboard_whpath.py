"""The dashboard on the warehouse seam: the same answers from a DuckDB file and from
PostgreSQL, ``duckdb:<path>`` read as ``courtside load`` writes it, passwords redacted,
and a Redshift URL drawn as a "statements only" empty state instead of a crash."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dashboard_helpers as h
import pytest
import sentiment_helpers as sh

from courtside.config import Settings, load_settings
from courtside.dashboard.errors import NoDataError, SourceError, SourceUnavailableError
from courtside.dashboard.sentiment_data import player_sentiment, sentiment_trend
from courtside.dashboard.warehouse_view import HINT_STATEMENTS_ONLY, WarehouseView
from courtside.warehouse.postgres import PostgresWarehouse

START, END = h.DAYS[0], h.DAYS[-1]
PASSWORD = "Wr0ng-pa55word"
REDSHIFT_URLS = [
    f"redshift://analyst:{PASSWORD}@lake.abc123.eu-west-1.redshift.amazonaws.com:5439/dev",
    f"postgresql://analyst:{PASSWORD}@lake.abc123.eu-west-1.redshift.amazonaws.com:5439/dev",
    f"jdbc:redshift://lake.abc123.eu-west-1.redshift.amazonaws.com:5439/dev?password={PASSWORD}",
    f"redshift+psycopg2://analyst:{PASSWORD}@wg.1234.us-east-1.redshift-serverless.amazonaws.com/dev",
]


def _everything(view: WarehouseView) -> dict[str, Any]:
    """Every read of the dashboard's warehouse part, with the arguments the page uses."""
    chosen = ["LeBron James", "Jayson Tatum", h.SCRIPT, "Nobody"]
    return {
        "summary": view.summary(),
        "days": view.days(START, END),
        "one day": view.days(h.DAYS[1], h.DAYS[1]),
        "totals": view.player_totals(START, END),
        "top 3": view.player_totals(START, END, limit=3),
        "scoped": view.player_totals(START, END, ["Luka Doncic", h.IMG], limit=5),
        "no scope": view.player_totals(START, END, []),
        "daily": view.daily(START, END, chosen),
        "daily none": view.daily(START, END, []),
        "players": view.players(),
        "players in range": view.players(h.DAYS[1], h.DAYS[2]),
        "trend": sentiment_trend(view, START, END, chosen),
        "roster": player_sentiment(view, START, END),
        "all athletes": player_sentiment(view, START, END, roster_only=False),
    }


@pytest.mark.postgres
def test_duckdb_and_postgres_give_the_same_answers(settings: Settings, pg_schema: str) -> None:
    h.write_warehouse(settings)
    sh.write_sentiment_duckdb(settings)
    PostgresWarehouse(pg_schema).load(h.warehouse_rows(), list(h.DAYS), "replace-days")
    sh.write_sentiment_postgres(pg_schema)
    on_duckdb = _everything(WarehouseView(settings))
    on_postgres = _everything(WarehouseView(settings, pg_schema))
    assert on_duckdb.keys() == on_postgres.keys()
    for name, duck in on_duckdb.items():
        pg = on_postgres[name]
        if name in ("trend", "roster", "all athletes"):
            # Averages are floating-point sums: the same to 1e-6, not to the last bit.
            assert [_fields(d)[:-1] for d in duck] == [_fields(p)[:-1] for p in pg], name
            assert [_fields(d)[-1] for d in duck] == pytest.approx([_fields(p)[-1] for p in pg])
        else:
            assert duck == pg, name
    assert on_duckdb["top 3"][0].player == "LeBron James" and on_duckdb["no scope"] == []
    assert [t.player for t in on_duckdb["scoped"]] == ["Luka Doncic", h.IMG]
    assert len(on_duckdb["trend"]) > 0 and len(on_duckdb["all athletes"]) > 0


def _fields(row: Any) -> tuple[Any, ...]:
    """A sentiment row's fields, its average last."""
    names = [n for n in row.__dataclass_fields__ if n != "avg_score"]
    return (*(getattr(row, n) for n in names), row.avg_score)


def test_duckdb_url_is_the_file_the_loader_opens(settings: Settings, tmp_path: Path) -> None:
    from courtside.warehouse.loader import open_warehouse

    moved = tmp_path / "shared" / "wh.duckdb"
    configured = load_settings(home=settings.home, warehouse={"url": f"duckdb:{moved}"})
    with open_warehouse(configured) as warehouse:  # what `courtside load` writes into
        assert warehouse.describe() == f"duckdb:{moved.resolve()}"
        warehouse.load(h.warehouse_rows(), list(h.DAYS), "replace-days")
    assert not (settings.home / "warehouse.duckdb").exists()
    # The dashboard, configured the same way (or given the URL), reads that file.
    for view in (WarehouseView(configured), WarehouseView(settings, f"duckdb:{moved}")):
        assert view.describe() == f"duckdb:{moved.resolve()}"
        assert view.summary().rows == h.warehouse_rows().num_rows


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_postgres_names_no_password(settings: Settings) -> None:
    port = _closed_port()
    view = WarehouseView(settings, f"postgresql://courtside:{PASSWORD}@127.0.0.1:{port}/wh")
    assert view.describe() == f"postgresql://courtside@127.0.0.1:{port}/wh"
    with pytest.raises(SourceUnavailableError) as exc:
        view.summary()
    assert PASSWORD not in str(exc.value) + exc.value.hint
    assert f"courtside@127.0.0.1:{port}" in str(exc.value) and "PostgreSQL" in exc.value.hint


@pytest.mark.postgres
def test_a_password_the_server_echoes_is_redacted(settings: Settings, pg_url: str) -> None:
    # A database named like the password: the server quotes the name in its refusal.
    parts = urlsplit(pg_url)
    server = f"{parts.username}:{PASSWORD}@{parts.hostname}:{parts.port}"
    view = WarehouseView(settings, f"postgresql://{server}/{PASSWORD}")
    with pytest.raises(SourceError) as exc:
        view.summary()
    assert PASSWORD not in str(exc.value) + exc.value.hint
    assert "<redacted>" in str(exc.value) and "\n" not in str(exc.value)
    # And in a query error on a database that exists (trust auth: any password logs in).
    view = WarehouseView(settings, f"postgresql://{server}{parts.path}")
    with pytest.raises(SourceError) as exc:
        view.fetch(f"SELECT 1 + '{PASSWORD}'", [])
    assert PASSWORD not in str(exc.value) and "<redacted>" in str(exc.value)


@pytest.mark.parametrize("url", REDSHIFT_URLS, ids=["redshift", "pg-host", "jdbc", "serverless"])
def test_redshift_is_a_statements_only_empty_state(settings: Settings, url: str) -> None:
    view = WarehouseView(settings, url)
    assert (view.kind, view.can_query) == ("redshift", False)
    assert PASSWORD not in view.describe() and view.describe().endswith("(statements only)")
    for call in (
        view.summary,
        lambda: view.player_totals(START, END),
        lambda: view.daily(START, END, ["LeBron James"]),
        view.players,
        lambda: sentiment_trend(view, START, END, ["LeBron James"]),
        lambda: player_sentiment(view, START, END),
    ):
        with pytest.raises(NoDataError, match="statements only: courtside cannot query") as exc:
            call()
        assert exc.value.hint == HINT_STATEMENTS_ONLY and PASSWORD not in str(exc.value)


def test_bad_urls_are_one_clear_error_without_the_password(settings: Settings) -> None:
    for url, message in (
        (f"mysql://root:{PASSWORD}@db/x", "must be duckdb:<path>, postgresql://"),
        (f"postgresql://root:{PASSWORD}@[::1/db", "not a valid PostgreSQL URL"),
        ("duckdb:", "needs a file"),
    ):
        with pytest.raises(SourceError, match=message) as exc:
            WarehouseView(settings, url)
        assert PASSWORD not in str(exc.value) + exc.value.hint
        assert "COURTSIDE_WAREHOUSE__URL" in exc.value.hint


def _draw(home: str, url: str) -> None:
    """The warehouse sections, as the dashboard script draws them (run by AppTest)."""
    from datetime import date

    from courtside.config import load_settings
    from courtside.dashboard import sections
    from courtside.dashboard.sentiment_section import sentiment_section
    from courtside.dashboard.warehouse_view import WarehouseView
    from courtside.reference.players import PlayersTable

    settings = load_settings(home=home)
    view = WarehouseView(settings, url)
    f = sections.Filters(date(2024, 5, 1), date(2024, 5, 3), (), ("LeBron James",), None, 10)
    sections.players_section(view, f)
    sections.percentile_section(view, f)
    sentiment_section(settings, view, PlayersTable.default(), f)


def test_the_page_draws_the_redshift_empty_state(settings: Settings) -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(
        _draw, args=(str(settings.home), REDSHIFT_URLS[0]), default_timeout=60
    )
    app.run()
    assert not app.exception, app.exception
    assert not app.error  # no section failed
    infos = [i.value for i in app.info]
    wanted = "statements only: courtside cannot query the warehouse redshift://"
    statements_only = [i for i in infos if wanted in i.replace("\\", "").lower()]
    # Players, percentiles, sentiment trend and rankings: each says so.
    assert len(statements_only) >= 4, [(e.type, getattr(e, "value", "")) for e in app.main]
    assert all(PASSWORD not in i for i in infos)
