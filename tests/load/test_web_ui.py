"""Locust's web UI for `cme load`, in a real browser: chromium under selenium opens it,
starts a test of virtual phones against a `--local` server, and sees the statistics table
fill with the phones' steps and a chart being drawn, then stops the test."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from tests.browser import chromium
from tests.interop.conftest import ROOT, free_port, this_tree

PHONES = 10


def _until(predicate, seconds: float, what: str):
    """Poll the browser (another process) until `predicate()` is true, bounded. The UI
    re-renders its table and charts live: an element that went stale between finding and
    reading it is looked for again."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except StaleElementReferenceException:
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"the web UI never showed {what} within {seconds} s")


def _runner_state(url: str) -> str:
    """The Locust runner's state from its own JSON (what the page polls)."""
    import json
    import urllib.request

    with urllib.request.urlopen(url + "stats/requests", timeout=10) as answer:
        return json.load(answer).get("state", "?")


@pytest.fixture
def web_ui(tmp_path):
    port = free_port()
    log = tmp_path / "cme-load.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cme.main", "load", "--local", "--phones", str(PHONES), "--bhca", "720",
         "--hold-time", "1", "--web-host", "127.0.0.1", "--web-port", str(port), "--csv", str(tmp_path / "ui")],
        cwd=ROOT, env=this_tree(), stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "Starting web interface" not in log.read_text(errors="replace"):
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/", proc, log
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # Ctrl-C: the reports are written, the server stopped
        proc.wait(timeout=60)


def test_the_web_ui_starts_a_test_and_shows_it_live(web_ui):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, proc, log = web_ui
    with chromium("the load tool's web UI test") as browser:
        browser.get(url)
        _until(lambda: browser.find_elements(By.NAME, "userCount"), 20, "the start form")
        host = browser.find_element(By.NAME, "host").get_attribute("value")
        assert host.startswith("sccp://127.0.0.1:"), host  # cme load's own server
        for name, value in (("userCount", str(PHONES)), ("spawnRate", str(PHONES))):
            field = browser.find_element(By.NAME, name)
            field.send_keys(Keys.CONTROL, "a")
            field.send_keys(value)
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

        def row(name):
            for tr in browser.find_elements(By.CSS_SELECTOR, "table tbody tr"):
                cells = [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                if len(cells) > 2 and cells[1] == name and cells[2].isdigit() and int(cells[2]) > 0:
                    return cells
            return None

        registered = _until(lambda: row("register"), 30, "the phones' register step")
        assert int(registered[2]) >= 1 and registered[0] == "SCCP"
        _until(lambda: row("post-dial delay"), 30, "a call's post-dial delay")
        _until(lambda: "RUNNING" in browser.find_element(By.TAG_NAME, "body").text, 10, "the RUNNING status")

        charts = [t for t in browser.find_elements(By.CSS_SELECTOR, "[role=tab]") if t.text.strip().upper() == "CHARTS"]
        assert charts, "no Charts tab"
        charts[0].click()
        def chart():
            canvases = browser.find_elements(By.CSS_SELECTOR, "canvas")
            return browser.execute_script("return arguments[0].toDataURL()", canvases[0]) if canvases else None

        first = _until(chart, 10, "a chart")
        changed = _until(lambda: (drawn := chart()) is not None and drawn != first, 20,
                         "the chart being redrawn with new figures")
        assert changed

        stop = [b for b in browser.find_elements(By.TAG_NAME, "button") if b.text.strip().upper() == "STOP"]
        assert stop, "no STOP button"
        stop[0].click()
        shown = lambda: "STOPPED" in browser.find_element(By.TAG_NAME, "body").text  # noqa: E731
        try:
            _until(shown, 20, "the STOPPED status")
        except AssertionError:
            # Seen in full-suite runs (twice in many): the phones had all unregistered at
            # once, yet the page never changed its status. Tell a run that did not stop
            # from a page that did not redraw: ask Locust itself, then load the page anew.
            state = _runner_state(url)
            assert state == "stopped", f"the load test did not stop: Locust says {state!r}"
            browser.refresh()
            _until(shown, 20, "the STOPPED status after reloading the page (Locust says stopped)")
        assert _runner_state(url) == "stopped"  # what the page shows is Locust's own state
    assert "Traceback" not in log.read_text(errors="replace")
