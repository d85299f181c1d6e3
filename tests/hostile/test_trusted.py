"""`ip address trusted list`: a stranger gets 403 and nothing else, the listed hosts work."""
from __future__ import annotations

import socket

import pytest
import pytest_twisted

from tests.hostile.conftest import ATTACKER, ROOT, cti_invite, drain_udp, healthy, read_until, start, stop, udp_socket

TRUSTED = """voice service voip
 ip address trusted list
  ipv4 127.0.0.1 255.255.255.255
"""


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    text = (ROOT / "conf" / "cme.cfg").read_text().replace("voice service voip\n", TRUSTED, 1)
    server = start(tmp_path_factory.mktemp("hostile-trusted"), text)
    yield server
    stop(server)


def _options(host: str, port: int, transport: str, sip: int, n: int) -> bytes:
    return (f"OPTIONS sip:127.0.0.1:{sip} SIP/2.0\r\nVia: SIP/2.0/{transport} {host}:{port};branch=z9hG4bKopt{n}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:probe@{host}>;tag=o{n}\r\nTo: <sip:127.0.0.1>\r\n"
            f"Call-ID: opt-{n}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()


@pytest_twisted.inlineCallbacks
def test_sip_from_outside_the_trusted_list_gets_403_and_is_logged_once(guarded):
    with udp_socket() as s:
        host, port = s.getsockname()
        for n in range(50):
            s.sendto(_options(host, port, "UDP", guarded.sip, n), ("127.0.0.1", guarded.sip))
            s.sendto(cti_invite("201", host, port, server_port=guarded.sip), ("127.0.0.1", guarded.sip))
        answers = drain_udp(s, 2.0)
    assert len(answers) == 100 and all(a.startswith(b"SIP/2.0 403 ") for a in answers), \
        {a.split(b"\r\n", 1)[0] for a in answers}
    with socket.socket() as t:
        t.bind((ATTACKER, 0))
        t.connect(("127.0.0.1", guarded.sip))
        host, port = t.getsockname()
        t.sendall(cti_invite("201", host, port, "TCP", server_port=guarded.sip))
        assert read_until(t, b"\r\n", 5).startswith(b"SIP/2.0 403 ")
    log = guarded.log_text()
    assert "CTI session 1" not in log  # nothing was opened for the stranger
    refusals = [line for line in log.splitlines() if ATTACKER in line]
    assert 1 <= len(refusals) <= 2, refusals  # once per source per minute (UDP and TCP may each say so)
    yield healthy(guarded)
