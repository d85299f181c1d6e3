"""Every path of the web view through the real channel and Site: who gets what."""
import re
from urllib.parse import urlencode

import pytest
from prometheus_client import CollectorRegistry, Counter

from tests.web.http import Harness, app_for, basic, header

PROTECTED = ["/", "/history", "/events", "/metrics", "/static/view.js", "/no-such-page", "/logout"]


@pytest.fixture
def web():
    return Harness()


@pytest.mark.parametrize("path", PROTECTED)
def test_every_path_but_the_login_page_needs_a_login(web, path):
    status, headers, body, _ = web.get(path)
    assert status == 401
    assert header(headers, "www-authenticate").startswith("Basic realm=")
    assert body == b"log-in required\n"  # no data


@pytest.mark.parametrize("path", PROTECTED)
def test_a_browser_is_shown_the_login_form_with_its_401(web, path):
    status, headers, body, _ = web.get(path, "Accept: text/html,application/xhtml+xml")
    assert status == 401
    assert header(headers, "www-authenticate") is None  # the form, not the browser's Basic dialog
    assert b'<form method="post" action="/login"' in body
    assert b"<section" not in body


def test_the_login_page_and_its_css_are_public(web):
    status, headers, body, _ = web.get("/login")
    assert status == 200 and b'name="password"' in body
    status, headers, body, _ = web.get("/static/view.css")
    assert status == 200 and header(headers, "content-type").startswith("text/css") and b"table" in body


def test_basic_auth_opens_every_page(web):
    status, headers, body, _ = web.get("/", basic())
    assert status == 200 and b'<section id="phones">' in body
    assert header(headers, "content-security-policy").startswith("default-src 'self'")
    assert header(headers, "cache-control") == "no-store"
    status, headers, body, _ = web.get("/static/view.js", basic())
    assert status == 200 and b"EventSource" in body
    assert web.get("/history", basic())[0] == 200
    assert web.get("/no-such-page", basic())[0] == 404


@pytest.mark.parametrize("user,password", [("admin", "wrong"), ("nobody", "cisco"), ("admin", ""),
                                           ("hashed", "$1$abcd$0123456789abcdefghij")])
def test_wrong_basic_credentials_are_refused(web, user, password):
    assert web.get("/", basic(user, password))[0] == 401


def test_garbled_basic_credentials_are_refused(web):
    assert web.get("/", "Authorization: Basic %%%not-base64")[0] == 401
    assert web.get("/", "Authorization: Bearer abc")[0] == 401


def login(web, user="admin", password="cisco", host="192.0.2.7"):
    body = urlencode({"username": user, "password": password}).encode()
    return web.get("/login", "Content-Type: application/x-www-form-urlencoded", method="POST", body=body, host=host)


def test_the_login_form_sets_a_strict_httponly_session_cookie(web):
    status, headers, body, _ = login(web)
    assert status == 303 and header(headers, "location") == "/"
    cookie = header(headers, "set-cookie")
    token = re.match(r"cme_session=([A-Za-z0-9_-]+);", cookie).group(1)
    assert len(token) >= 40
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"path=/", "httponly", "samesite=strict"} <= flags
    status, _, body, _ = web.get("/", f"Cookie: cme_session={token}")
    assert status == 200 and b'<span class="user">admin</span>' in body
    assert web.get("/", "Cookie: cme_session=forged-token")[0] == 401


def test_a_wrong_password_in_the_form_is_a_401_with_the_form_again(web):
    status, headers, body, _ = login(web, password="nope")
    assert status == 401 and header(headers, "set-cookie") is None
    assert b"Bad username or password." in body


def test_logout_ends_the_session(web):
    cookie = header(login(web)[1], "set-cookie").split(";")[0]
    status, headers, _, _ = web.get("/logout", f"Cookie: {cookie}", method="POST")
    assert status == 303 and header(headers, "location") == "/login"
    assert "max-age=0" in header(headers, "set-cookie").lower()
    assert web.get("/", f"Cookie: {cookie}")[0] == 401


def test_a_session_ends_after_eight_idle_hours_and_use_keeps_it(web):
    cookie = header(login(web)[1], "set-cookie").split(";")[0]
    web.clock.advance(7 * 3600)
    assert web.get("/", f"Cookie: {cookie}")[0] == 200  # used: its idle time starts again
    web.clock.advance(7 * 3600)
    assert web.get("/", f"Cookie: {cookie}")[0] == 200
    web.clock.advance(8 * 3600)
    assert web.get("/", f"Cookie: {cookie}")[0] == 401


def test_wrong_passwords_block_the_source_only_and_blocked_gets_429_unchecked(web):
    for _ in range(3):  # POLICY: 3 failures within 60 s block for 60 s
        assert login(web, password="guess")[0] == 401
    status, headers, body, _ = login(web)  # the right password, but not looked at
    assert status == 429 and header(headers, "retry-after") == "60"
    assert header(headers, "set-cookie") is None
    assert web.get("/", basic())[0] == 429
    assert login(web, host="198.51.100.9")[0] == 303  # another address is not blocked
    web.clock.advance(61)
    assert login(web)[0] == 303


def test_failed_basic_logins_count_like_the_form(web):
    for _ in range(3):
        assert web.get("/metrics", basic(password="x"))[0] == 401
    assert web.get("/metrics", basic())[0] == 429


def test_the_block_is_logged_once(web, capsys):
    from twisted.logger import globalLogPublisher

    seen = []
    globalLogPublisher.addObserver(seen.append)
    try:
        for _ in range(6):
            login(web, password="guess")
    finally:
        globalLogPublisher.removeObserver(seen.append)
    assert sum("QUIET_MODE_ON" in e.get("log_format", "") for e in seen) == 1


def test_metrics_are_the_registry_in_prometheus_text_format():
    registry = CollectorRegistry()
    calls = Counter("cme_test_calls", "Calls placed in this test", registry=registry)
    calls.inc(3)
    web = Harness(app_for(metrics=registry))
    status, headers, body, _ = web.get("/metrics", basic())
    assert status == 200
    from prometheus_client import CONTENT_TYPE_LATEST

    assert header(headers, "content-type") == CONTENT_TYPE_LATEST
    assert b"cme_test_calls_total 3.0" in body
    calls.inc()
    assert b"cme_test_calls_total 4.0" in web.get("/metrics", basic())[2]


def test_metrics_without_a_registry_say_so(web):
    status, _, body, _ = web.get("/metrics", basic())
    assert status == 503 and b"no metrics" in body


def test_only_get_and_head_on_the_pages(web):
    status, headers, _, _ = web.get("/", basic(), method="DELETE")
    assert status == 405 and header(headers, "allow") == "GET, HEAD"


def test_a_session_ends_when_its_username_line_goes(web):
    cookie = header(login(web)[1], "set-cookie").split(";")[0]
    del web.app.config.accounts["admin"]  # `no username admin` in configure terminal
    assert web.get("/", f"Cookie: {cookie}")[0] == 401
    assert len(web.site.resource.auth.sessions) == 0


def test_a_username_added_at_run_time_can_log_in_at_once():
    import conf

    web = Harness()
    assert web.get("/", basic("ops", "pw1"))[0] == 401
    web.app.config.accounts["ops"] = conf.Account("ops", "pw1")
    assert web.get("/", basic("ops", "pw1"))[0] == 200


def test_a_browser_stream_or_script_gets_no_basic_challenge(web):
    status, headers, _, _ = web.get("/events", "Accept: text/event-stream", "Sec-Fetch-Mode: cors")
    assert status == 401 and header(headers, "www-authenticate") is None


def test_the_server_header_names_no_twisted_version(web):
    assert header(web.get("/login")[1], "server") == "cme-cti"
