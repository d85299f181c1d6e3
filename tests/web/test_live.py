"""The web view on a live server: twistd on conf/cme.cfg (moved to free ports) with
--http-port, asked over real sockets."""
import base64
import re
import socket
import urllib.error
import urllib.request

import pytest

from tests.interop.conftest import ROOT, free_port, moved, stop, twistd
from tests.interop.test_shutdown_live import Phone, phones_in_a_call

AUTH = "Basic " + base64.b64encode(b"admin:cisco").decode()


def fetch(url, *, auth=None, accept=None):
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", auth)
    if accept:
        request.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture
def live(tmp_path):
    sip_port, sccp_port, http_port = free_port(), free_port(), free_port()
    proc, log = twistd(moved((ROOT / "conf" / "cme.cfg").read_text(), sip_port, sccp_port), tmp_path,
                       "--http-port", str(http_port))
    yield f"http://127.0.0.1:{http_port}", sccp_port, log
    stop(proc)


def test_nothing_without_a_login_and_the_view_with_basic(live):
    url, sccp_port, log = live
    assert f"web view on {url}/" in log.read_text()
    for path in ("/", "/events", "/metrics", "/history", "/static/view.js"):
        status, headers, body = fetch(url + path)
        assert status == 401 and headers["WWW-Authenticate"].startswith("Basic"), path
        assert b"<section" not in body and b"ephone" not in body
    assert fetch(url + "/", auth="Basic " + base64.b64encode(b"admin:wrong").decode())[0] == 401
    phone = Phone(sccp_port, "SEP001E4A34A35F")
    phone.until(lambda: phone.station.registration.name == "REGISTERED")
    status, headers, body = fetch(url + "/", auth=AUTH)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode()
    for device in ("SEP001E4A34A35F", "SEP000F8FC7B681", "SEP0019E7FF1E30"):  # conf/cme.cfg's phones
        assert device in page
    assert re.search(r'<tr class="registered"><td>ephone-1</td><td>SEP001E4A34A35F</td>', page)
    assert "Traceback" not in log.read_text()


def test_metrics_are_scraped_in_the_text_format(live):
    url, _, _ = live
    status, headers, body = fetch(url + "/metrics", auth=AUTH)
    from prometheus_client import CONTENT_TYPE_LATEST

    assert status == 200 and headers["Content-Type"] == CONTENT_TYPE_LATEST
    assert b"# TYPE cme_" in body


def test_bad_http_is_cut_off_and_calls_go_on(live):
    url, sccp_port, log = live
    port = int(url.rsplit(":", 1)[1])
    slow = socket.create_connection(("127.0.0.1", port), timeout=5)
    slow.sendall(b"GET / HTTP/1.1\r\nX-Slow: ")
    huge = socket.create_connection(("127.0.0.1", port), timeout=5)
    huge.sendall(b"GET / HTTP/1.1\r\nX-Pad: " + b"a" * 9000 + b"\r\n\r\n")
    assert huge.recv(4096).startswith(b"HTTP/1.1 400")
    a, _ = phones_in_a_call(sccp_port)
    slow.settimeout(15)
    assert slow.recv(4096).startswith(b"HTTP/1.1 408")  # cut off after 10 s, the call up meanwhile
    assert a.connected()
    assert "Traceback" not in log.read_text()


def test_a_taken_port_is_one_line_and_the_server_runs(tmp_path):
    sip_port, sccp_port = free_port(), free_port()
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        proc, log = twistd(moved((ROOT / "conf" / "cme.cfg").read_text(), sip_port, sccp_port), tmp_path,
                           "--http-port", str(port))
        try:
            phone = Phone(sccp_port, "SEP001E4A34A35F")
            phone.until(lambda: phone.station.registration.name == "REGISTERED")
        finally:
            stop(proc)
    finally:
        taken.close()
    text = log.read_text()
    lines = [line for line in text.splitlines() if "cannot listen" in line]
    assert len(lines) == 1 and f"127.0.0.1:{port} (http)" in lines[0] and "everything else runs" in lines[0]
    assert "Traceback" not in text and proc.returncode == 0


def test_port_zero_picks_a_free_port_and_says_which(tmp_path):
    proc, log = twistd(moved((ROOT / "conf" / "cme.cfg").read_text(), free_port(), free_port()), tmp_path,
                       "--http-port", "0")
    try:
        url = re.search(r"web view on (http://127\.0\.0\.1:\d+/)", log.read_text()).group(1)
        assert fetch(url + "login")[0] == 200
    finally:
        stop(proc)


def test_without_ip_http_server_nothing_listens(tmp_path):
    text = moved((ROOT / "conf" / "cme.cfg").read_text(), free_port(), free_port()).replace("ip http server\n", "")
    port = free_port()
    proc, log = twistd(text, tmp_path, "--http-port", str(port))
    try:
        assert "web view" not in log.read_text() and "http 127.0.0.1" not in log.read_text()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        stop(proc)
