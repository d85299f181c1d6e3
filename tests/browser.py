"""A real browser for the tests: Debian's chromium, headless, driven by selenium through
chromium-driver (.ci/run installs both). Without them a test skips with the reason, and
fails when CI=true (tests/tools.py `need`)."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager

from tests.tools import need

# A headless chromium on a closed network: no background connections (they are refused, many
# at a time, and slow the start), no first-run or sync, a profile of its own.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1400,1000")


@contextmanager
def chromium(what: str = "this browser test"):
    """A selenium WebDriver on a fresh headless chromium; quits at the end."""
    browser = need("chromium", "chromium", what)
    driver_path = need("chromedriver", "chromium-driver", what)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.TemporaryDirectory(prefix="cme-chromium-")
    options.add_argument(f"--user-data-dir={profile.name}")
    options.binary_location = browser
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        profile.cleanup()
