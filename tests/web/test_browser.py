"""The web view in a real browser (Debian's chromium under selenium, tests/browser.py):
log in through the form, see conf/cme.cfg's phones, see a call between two virtual
phones appear within a second of the phone's action and go when it clears. The page with
the call up is written as a PNG, and copied where CME_SCREENSHOT names (the README's
docs/web-view.png: `CME_SCREENSHOT=docs/web-view.png make test
PYTEST_ARGS=tests/web/test_browser.py`), so an ordinary run leaves the tree as it was."""
import os
import shutil
import time

from tests.browser import chromium
from tests.interop.conftest import ROOT
from tests.interop.test_shutdown_live import Phone
from tests.web.test_live import live  # noqa: F401 (the fixture: twistd with the web view on a free port)

BOUND = 1.5  # how long selenium waits; what is asserted is <= 1 s


def test_log_in_and_watch_a_call_come_and_go(live, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, sccp_port, log = live

    def section(browser, name):
        """The section's HTML, read in one script (a find then a read could meet a section
        already swapped for a newer one)."""
        return browser.execute_script("var s = document.getElementById(arguments[0]); return s ? s.innerHTML : '';",
                                      name)

    def within(browser, what, predicate):
        """Seconds from now until the page shows `what` (at most BOUND, polled every 20 ms)."""
        start = time.monotonic()
        WebDriverWait(browser, BOUND, poll_frequency=0.02).until(lambda b: predicate(b), f"the page never showed {what}")
        return time.monotonic() - start

    with chromium("the web view's browser test") as browser:
        browser.get(url + "/")
        assert "log in" in browser.title  # the 401 page is the log-in form
        assert not browser.find_elements(By.ID, "phones")
        browser.find_element(By.NAME, "username").send_keys("admin")
        browser.find_element(By.NAME, "password").send_keys("cisco")
        browser.find_element(By.CSS_SELECTOR, "form.login button").click()
        WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "phones"), "the view after log-in")
        phones = section(browser, "phones")
        for device in ("SEP001E4A34A35F", "SEP000F8FC7B681", "SEP0019E7FF1E30"):
            assert device in phones
        WebDriverWait(browser, 10).until(
            lambda b: b.execute_script("return document.getElementById('live').textContent") == "live",
            "the stream open")

        a, b = Phone(sccp_port, "SEP001E4A34A35F"), Phone(sccp_port, "SEP000F8FC7B681")
        for phone in (a, b):
            phone.until(phone.registered)
        within(browser, "two phones registered", lambda br: section(br, "phones").count('class="registered"') == 2)

        # a first call, answered and hung up: both legs' records reach the page's history
        a.do("off_hook")
        a.do("dial", "202")
        b.until(lambda: b.station.ringing())
        b.do("answer")
        a.until(a.connected)
        a.do("on_hook")
        b.until(lambda: not b.station.calls())
        recorded = within(browser, "the first call's records",
                          lambda br: section(br, "history").count("<td>normalClearing</td>") == 2)

        a.do("off_hook")
        a.do("dial", "202")
        appeared = within(browser, "the call", lambda br: "ALERT" in section(br, "calls"))
        b.until(lambda: b.station.ringing())
        b.do("answer")
        a.until(a.connected)
        b.until(b.connected)
        answered = within(browser, "the call answered", lambda br: section(br, "calls").count("<td>ACT</td>") == 2)
        calls = section(browser, "calls")
        assert "<td>201</td><td>202</td>" in calls and "SEP001E4A34A35F" in calls
        time.sleep(1.2)  # a running duration on the picture
        shot = tmp_path / "web-view.png"
        browser.save_screenshot(str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if os.environ.get("CME_SCREENSHOT"):
            shutil.copyfile(shot, ROOT / os.environ["CME_SCREENSHOT"])

        a.do("on_hook")
        cleared = within(browser, "the call gone", lambda br: "No calls in progress." in section(br, "calls"))
        print(f"records shown {recorded * 1000:.0f} ms after the hang-up; call shown {appeared * 1000:.0f} ms "
              f"after the dial, answered {answered * 1000:.0f} ms, gone {cleared * 1000:.0f} ms after the hang-up")
        assert recorded <= 1.0 and appeared <= 1.0 and answered <= 1.0 and cleared <= 1.0
    assert "Traceback" not in log.read_text()
