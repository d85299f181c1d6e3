"""Digest authentication with clients nobody here wrote, against the real server.

sipp (3.6: MD5 only, and it answers the first challenge, hence `digest algorithm md5`
for that session manager) REGISTERs, gets 401, REGISTERs with credentials and gets 200.
Python's own urllib digest code is not SIP; the SHA-256 side is exercised over a raw TCP
socket here with sip.digest's client half, and by the RFC 7616 vectors in tests/sip."""
import socket
import subprocess
from pathlib import Path

import pytest

from sip import digest
from sip.framing import StreamFramer
from tests.interop.conftest import ROOT, free_port, moved, stop, twistd
from tests.tools import need

SCENARIO = Path(__file__).with_name("digest_register.xml")
MANAGERS = """
telephony-service
 xml user apps password s3cret 15
 xml user modern password n3w 15
voice register session-server 1
 register-id apps
 cti-aware
 digest algorithm md5
voice register session-server 2
 register-id modern
 cti-aware
"""


@pytest.fixture
def server(tmp_path):
    sip_port, sccp_port = free_port(), free_port()
    text = moved((ROOT / "conf" / "cme.cfg").read_text(), sip_port, sccp_port) + MANAGERS
    proc, log = twistd(text, tmp_path)
    yield sip_port, log
    stop(proc)


def test_sipp_registers_with_md5_digest(server, tmp_path):
    sipp = need("sipp", "sip-tester", "the digest REGISTER interop scenario")
    port, log = server
    result = subprocess.run(
        [sipp, "-sf", str(SCENARIO), "-t", "t1", "-m", "1", "-nostdin", "-timeout", "20s",
         "-trace_err", "-error_file", str(tmp_path / "sipp_errors.log"), "-i", "127.0.0.1",
         "-p", str(free_port()), f"127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "session manager apps registered" in log.read_text()


def _register(sock, framer, port, cseq, authorization=""):
    sock.sendall((f"REGISTER sip:127.0.0.1:{port} SIP/2.0\r\n"
                  f"Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKsha{cseq}\r\n"
                  "Max-Forwards: 70\r\nFrom: <sip:modern@127.0.0.1>;tag=m1\r\nTo: <sip:modern@127.0.0.1>\r\n"
                  f"Call-ID: sha-reg@127.0.0.1\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:modern@127.0.0.1:5999>\r\n"
                  + authorization + "Content-Length: 0\r\n\r\n").encode())
    while True:
        messages = framer.feed(sock.recv(65536))
        if messages:
            return messages[0]


def test_sha256_digest_register_over_tcp(server):
    port, log = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        framer = StreamFramer()
        first = _register(sock, framer, port, 1)
        assert first.status == 401
        value = first.headers.get_all("WWW-Authenticate")[0]
        assert "algorithm=SHA-256" in value
        challenge = digest.parse_challenge(value)
        uri = f"sip:127.0.0.1:{port}"
        response = digest.response_for(algorithm="SHA-256", username="modern", realm=challenge["realm"],
                                       password="n3w", method="REGISTER", uri=uri, nonce=challenge["nonce"],
                                       qop="auth", nc="00000001", cnonce="abc")
        second = _register(sock, framer, port, 2, (
            f'Authorization: Digest username="modern", realm="{challenge["realm"]}", nonce="{challenge["nonce"]}", '
            f'uri="{uri}", response="{response}", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="abc"\r\n'))
        assert second.status == 200
    assert "session manager modern registered" in log.read_text()
