"""The dashboard in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``).

Each test starts ``courtside dashboard`` on 127.0.0.1 (a free port) over a home with
known data, loads the page with Selenium, checks what it shows and saves screenshots in
``test-artifacts/dashboard/``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dashboard_helpers as h
import pytest
import sentiment_helpers as sh

from cli_runner_helpers import COMMAND
from courtside.config import Settings, load_settings
from courtside.dashboard import wait_ready
from courtside.home import init_home, open_stream

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_S = 60.0


# -- browser and server ----------------------------------------------------------------
@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver (/usr/bin/chromium)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--lang=en-US",
        "--window-size=1400,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # An explicit driver path: Selenium Manager never downloads anything.
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.set_page_load_timeout(WAIT_S)
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    path = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("COURTSIDE_", "STREAMLIT_"))}


@contextmanager
def dashboard(home: Path, refresh_s: float = 1.0) -> Iterator[str]:
    """``courtside dashboard`` on a free port; stopped with SIGTERM, checked clean."""
    import psutil

    port = h.free_port()
    log = open(home / "dashboard.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            *COMMAND, "--home", str(home), "dashboard", "--host", "127.0.0.1", "--port", str(port),
            "--refresh-s", str(refresh_s),
        ],
        stdout=log, stderr=subprocess.STDOUT, env=_clean_env(),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_ready(url, timeout_s=WAIT_S * 2, proc=proc)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, "the launcher should run Streamlit as a child process"
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        log.close()
    assert code == 0, (home / "dashboard.log").read_text(errors="replace")
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"left running: {alive}"


@pytest.fixture(scope="module")
def full_home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = load_settings(home=tmp_path_factory.mktemp("dash") / "home")
    init_home(settings)
    h.build_home(settings)
    sh.build_sentiment(settings)
    return settings


@pytest.fixture(scope="module")
def full_url(full_home: Settings) -> Iterator[str]:
    with dashboard(full_home.home) as url:
        yield url


# -- page helpers ----------------------------------------------------------------------
def wait_for(driver: Any, check: Callable[[], Any], what: str, timeout_s: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as exc:  # elements come and go while Streamlit redraws
            last = exc
        else:
            if last:
                return last
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what} (last: {last!r}; alerts: {rows(driver, 'alerts')})")


def rows(driver: Any, key: str) -> list[list[str]]:
    """The body rows of the table in the container ``key``, as cell texts."""
    return driver.execute_script(
        """
        const t = document.querySelector(`.st-key-${arguments[0]} table`);
        if (!t) return [];
        return Array.from(t.querySelectorAll('tbody tr')).map(
            r => Array.from(r.querySelectorAll('th, td')).map(c => c.innerText.trim()));
        """,
        key,
    )


def header(driver: Any, key: str) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(`.st-key-${arguments[0]} thead th`))"
        ".map(c => c.innerText.trim());",
        key,
    )


def column(driver: Any, key: str, name: str) -> list[str]:
    index = header(driver, key).index(name)
    return [r[index] for r in rows(driver, key)]


def page_ready(driver: Any) -> bool:
    return bool(
        driver.execute_script(
            "return document.querySelector('.st-key-lake table') !== null && "
            "document.querySelectorAll('[data-testid=stVegaLiteChart] svg, "
            "[data-testid=stVegaLiteChart] canvas').length >= 4 && "
            "!document.querySelector('[data-testid=stStatusWidget] [data-testid=stSpinner]')"
        )
    )


def screenshot(driver: Any, path: Path) -> None:
    """The whole page: the window is made as tall as the app first."""
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, ...Array.from(document.querySelectorAll("
        "'[data-testid=stMain], [data-testid=stAppViewContainer]')).map(e => e.scrollHeight));"
    )
    driver.set_window_size(1400, min(int(height) + 120, 12000))
    time.sleep(1.0)
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1000)


def assert_nothing_injected(driver: Any) -> None:
    state = driver.execute_script(
        """
        return {
          pwned: window.__pwned === undefined ? null : window.__pwned,
          imgs: document.querySelectorAll('img[src="x"], img[onerror]').length,
          jsLinks: Array.from(document.querySelectorAll('a[href]')).filter(
              a => a.getAttribute('href').trim().toLowerCase().startsWith('javascript')).length,
          scripts: Array.from(document.scripts).filter(
              s => s.textContent.includes('__pwned')).length,
        };
        """
    )
    assert state == {"pwned": None, "imgs": 0, "jsLinks": 0, "scripts": 0}


def requested_urls(driver: Any) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def assert_no_exception(driver: Any) -> None:
    boxes = driver.execute_script(
        "return Array.from(document.querySelectorAll('[data-testid=stException]'))"
        ".map(e => e.innerText);"
    )
    assert boxes == []


# -- tests -----------------------------------------------------------------------------
def test_page_shows_the_data(driver: Any, full_url: str, artifacts: Path) -> None:
    driver.get_log("performance")  # drop entries of earlier tests
    driver.get(full_url)
    wait_for(driver, lambda: page_ready(driver), "the page to render")
    wait_for(driver, lambda: rows(driver, "alerts"), "the alerts table")
    assert_no_exception(driver)

    top = rows(driver, "top-players")
    assert top[0] == ["1", "LeBron James", "150", "3", "60"]
    assert [r[1] for r in top[:4]] == ["LeBron James", "Luka Doncic", "Jayson Tatum",
                                       "Stephen Curry"]  # fmt: skip
    # Hostile names show as the literal text they are.
    assert {r[1] for r in top[4:]} == set(h.HOSTILE)
    # The bar chart draws the totals; the trend and percentile charts the chosen players.
    chart_text = driver.execute_script(
        "return Array.from(document.querySelectorAll('[data-testid=stVegaLiteChart]'))"
        ".map(c => c.textContent);"
    )
    assert len(chart_text) == 6  # with the sentiment section's two (checked below)
    assert "150" in chart_text[0] and "LeBron James" in chart_text[0]
    assert "Jayson Tatum" in chart_text[1] and "2024-05-02" in chart_text[1]
    assert "LeBron James" in chart_text[2]
    assert "North America" in chart_text[5] and "Europe" in chart_text[5]

    standings = {r[0]: r for r in rows(driver, "standings")}
    assert standings["LeBron James"][-1] == "p94"
    assert standings["Jayson Tatum"][header(driver, "standings").index("median/day")] == "5.00"

    countries = {r[0]: r[2] for r in rows(driver, "countries")}
    assert countries == {"United States": "3", "France": "2", "Spain": "1"}

    alerts = rows(driver, "alerts")
    assert header(driver, "alerts")[1:] == [
        "team",
        "tampering player",
        "posts",
        "from players",
        "window (UTC)",
        "version",
    ]
    assert alerts[0][1:] == [
        "Boston Celtics",
        "LeBron James",
        "4",
        "Jaylen Brown, Jayson Tatum",
        "2024-05-01 12:00:00 to 12:00:59Z",
        "2",
    ]
    assert alerts[1][1:5] == [h.SCRIPT, h.IMG, "3", f"{h.LINK}, {h.BARE_LINK}"]

    runs = {r[0]: r for r in rows(driver, "runs")}
    assert runs["job/dedupe"][1] == "succeeded" and runs["load/warehouse"][1] == "failed"
    assert h.SCRIPT in runs["load/warehouse"][5]
    assert ["tweets", "deliver", "7", "3", "7", "0", "idle"] in rows(driver, "groups")
    assert dict(zip(column(driver, "streams", "stream"), column(driver, "streams", "records"),
                    strict=True)) == {"alerts": "6", "control": "0", "tweets": "10"}  # fmt: skip
    # Records that are not valid alerts (a 31-digit version, a total that is text, not
    # JSON) are listed as errors; they break neither the alerts table nor what follows.
    invalid = rows(driver, "alerts-invalid")
    assert [r[0] for r in invalid] == ["6", "5", "4"]
    assert "version is not a positive integer" in invalid[1][2]
    assert "total is not a count" in invalid[0][2] and invalid[2][2] == "not JSON"
    lake = {r[0]: r for r in rows(driver, "lake")}
    assert lake["raw"][1:3] == ["4", "3"] and lake["errors"][1] == "1"
    assert rows(driver, "error-codes") == [["NotJson", "2"], ["BadCreatedAt", "1"]]
    assert any(h.IMG in r[2] for r in rows(driver, "error-latest"))

    assert_nothing_injected(driver)
    screenshot(driver, artifacts / "dashboard-full.png")

    # The players filter lists the hostile names too: as options, still only text.
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element(By.CSS_SELECTOR, ".st-key-players input")
    box.click()
    options = wait_for(
        driver,
        lambda: driver.execute_script(
            "return Array.from(document.querySelectorAll('[role=option]'))"
            ".map(o => o.innerText.trim());"
        ),
        "the players' options",
    )
    assert set(h.HOSTILE) <= set(options)
    assert_nothing_injected(driver)
    box.send_keys(Keys.ESCAPE)

    # Fully offline: the page asked nothing of any other host.
    base = full_url.rstrip("/")
    foreign = [
        u for u in requested_urls(driver)
        if not u.startswith((base, "data:", "blob:", "ws://127.0.0.1", "about:"))
    ]  # fmt: skip
    assert foreign == []


def test_sentiment_section(driver: Any, full_url: str, artifacts: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.get(full_url)
    wait_for(driver, lambda: page_ready(driver), "the page to render")
    wait_for(driver, lambda: rows(driver, "alert-sentiment"), "the alerts' sentiment")
    assert_no_exception(driver)
    text = driver.find_element("tag name", "body").text
    assert "What fans say" in text and "Sentiment trend of the chosen players" in text
    # Roster players only by default: ranked by mean sentiment, the team shown.
    positive = rows(driver, "sentiment-positive")
    assert [r[0] for r in positive] == ["Luka Doncic", "LeBron James", "Jayson Tatum"]
    assert positive[0][1:3] == ["Dallas Mavericks", f"{sh.LUKA_MEAN:+.3f}"]
    assert [r[0] for r in rows(driver, "sentiment-negative")] == [
        "Jayson Tatum",
        "LeBron James",
        "Luka Doncic",
    ]
    assert rows(driver, "top-hashtags") == [
        ["1", "#NBA", "4"],
        ["2", "#" + h.LINK, "1"],
        ["3", "#LakeShow", "1"],
    ]
    alerts = {r[0]: r for r in rows(driver, "alert-sentiment")}
    assert alerts["Boston Celtics"][4:] == ["2", "+0.200 (2 scored)"]
    assert alerts[h.SCRIPT][4:] == ["0", "no posts found"]
    charts = driver.execute_script(
        "return Array.from(document.querySelectorAll('[data-testid=stVegaLiteChart]'))"
        ".map(c => c.textContent);"
    )
    assert "mean sentiment" in charts[3] and "LeBron James" in charts[3]
    assert "English" in charts[4] and "Spanish" in charts[4] and "French" in charts[4]
    screenshot(driver, artifacts / "dashboard-sentiment.png")

    # The switch: every athlete, the NFL player and the hostile name (as text) included.
    driver.find_element(By.CSS_SELECTOR, ".st-key-sentiment_all_athletes label").click()
    wait_for(
        driver,
        lambda: rows(driver, "sentiment-positive")[0][:2] == [sh.NFL, "(not on the roster)"],
        "the NFL player at the top with every athlete",
    )
    assert rows(driver, "sentiment-negative")[0][0] == h.SCRIPT
    assert_no_exception(driver)
    assert_nothing_injected(driver)


def test_alerts_update_while_detect_runs(
    driver: Any, full_url: str, full_home: Settings, artifacts: Path
) -> None:
    driver.get(full_url)
    wait_for(driver, lambda: len(rows(driver, "alerts")) == 2, "the first two alerts")
    driver.execute_script("window.__sameDocument = 42;")
    with open_stream(full_home) as backend:
        backend.append("alerts", h.alert("Utah Jazz", "Luka Doncic", 7,
                                         ["Donovan Mitchell", "Rudy Gobert"],
                                         "2024-05-03T09:30:00Z"))  # fmt: skip
    wait_for(
        driver,
        lambda: (
            rows(driver, "alerts")
            and rows(driver, "alerts")[0][1:4] == ["Utah Jazz", "Luka Doncic", "7"]
        ),
        "the new alert to appear without a reload",
        timeout_s=30,
    )
    assert driver.execute_script("return window.__sameDocument;") == 42
    assert len(rows(driver, "alerts")) == 3
    assert_nothing_injected(driver)
    screenshot(driver, artifacts / "dashboard-live-alert.png")


def test_team_filter(driver: Any, full_url: str, artifacts: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(full_url)
    wait_for(driver, lambda: page_ready(driver) and rows(driver, "alerts"), "the page")
    box = wait_for(driver, lambda: driver.find_element(By.CSS_SELECTOR, ".st-key-teams input"),
                   "the teams filter")  # fmt: skip
    box.click()
    box.send_keys("Boston Celtics")
    time.sleep(0.5)
    box.send_keys(Keys.ENTER)
    wait_for(
        driver,
        lambda: [r[1] for r in rows(driver, "top-players")] == ["Jayson Tatum"],
        "the top players of the Boston Celtics only",
    )
    wait_for(
        driver,
        lambda: [r[1] for r in rows(driver, "alerts")] == ["Boston Celtics"],
        "only the alert involving the Boston Celtics",
    )
    # The percentile graph still compares with every player.
    assert [r[0] for r in rows(driver, "standings")] == ["Jayson Tatum"]
    assert rows(driver, "standings")[0][-1] == "p69"
    assert_no_exception(driver)
    box.send_keys(Keys.ESCAPE)
    screenshot(driver, artifacts / "dashboard-team-filter.png")


def test_a_broken_source_costs_only_its_own_part(
    driver: Any, tmp_path: Path, artifacts: Path
) -> None:
    settings = load_settings(home=tmp_path / "broken")
    init_home(settings)
    h.build_home(settings)
    (settings.state_dir / "runs.db").write_bytes(b"this is not a database" * 200)
    with dashboard(settings.home) as url:
        driver.get(url)
        wait_for(driver, lambda: page_ready(driver) and rows(driver, "alerts"), "the page")
        wait_for(driver, lambda: rows(driver, "error-latest"), "the error output, drawn last")
        text = driver.find_element("tag name", "body").text
        assert "Last runs could not be drawn: DatabaseError file is not a database" in text
        assert "The rest of the page is unaffected" in text
        assert len(rows(driver, "alerts")) == 2 and len(rows(driver, "alerts-invalid")) == 3
        assert rows(driver, "streams") and rows(driver, "lake") and rows(driver, "top-players")
        assert_no_exception(driver)
        assert_nothing_injected(driver)
        screenshot(driver, artifacts / "dashboard-broken-source.png")


def test_empty_home_says_what_to_run(driver: Any, tmp_path: Path, artifacts: Path) -> None:
    settings = load_settings(home=tmp_path / "empty")
    init_home(settings)
    with dashboard(settings.home) as url:
        driver.get(url)
        wait_for(
            driver,
            lambda: "Pipeline health" in driver.find_element("tag name", "body").text
            and driver.execute_script(
                "return document.querySelectorAll('[data-testid=stAlert]').length") >= 5,
            "the empty states",
        )  # fmt: skip
        text = driver.find_element("tag name", "body").text
        for command in ("courtside demo", "courtside load", "courtside pipeline nightly",
                        "courtside detect", "courtside deliver"):  # fmt: skip
            assert command in text, command
        # The data-quality section, last on the page, with its own empty states.
        wait_for(
            driver,
            lambda: "No quality check has run yet" in driver.find_element("tag name", "body").text,
            "the data-quality section, drawn to its end",
        )
        text = driver.find_element("tag name", "body").text
        for part in ("Data quality", "Latest profiles", "No profile yet", "Schema versions",
                     "Check results over time"):  # fmt: skip
            assert part in text, part
        assert_no_exception(driver)
        screenshot(driver, artifacts / "dashboard-empty.png")
