"""The probe's UDP attacks: the RFC 4475 corpus from a stranger, a large datagram, and an
INVITE from a source that never answers (reflection: what we send back, per byte it sent).

This server traces `cme.sip.messages`, so its log shows every address it sent to."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import pytest_twisted

from tests.hostile.conftest import ATTACKER, T1, cti_invite, drain_udp, healthy, start, stop, udp_socket

CORPUS = Path(__file__).resolve().parents[1] / "data" / "rfc4475"


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    server = start(tmp_path_factory.mktemp("hostile-udp"), None, "--trace", "cme.sip.messages")
    yield server
    stop(server)


def _sent_to(live) -> set[str]:
    return set(re.findall(r"Sent to ([0-9A-Za-z.\-\[\]:]+):\d+ \(UDP\)", live.log_text()))


@pytest_twisted.inlineCallbacks
def test_the_torture_corpus_from_a_stranger_raises_nothing_and_reflects_nowhere(traced):
    """Shown: the RFC 4475 corpus over UDP gave 17 unhandled tracebacks and attempted sends
    to 192.0.2.x (hosts named in the messages' Via headers)."""
    with udp_socket() as s:
        for path in sorted(CORPUS.glob("*.dat")):
            s.sendto(path.read_bytes(), ("127.0.0.1", traced.sip))
        drain_udp(s, 2.0)
    assert _sent_to(traced) <= {ATTACKER}, _sent_to(traced)
    yield healthy(traced)


@pytest_twisted.inlineCallbacks
def test_a_large_datagram_is_read_whole(traced):
    """Shown: datagrams were cut at 8,192 bytes, so a valid 20 kB request was a bad one."""
    with udp_socket() as s:
        port = s.getsockname()[1]
        body = b"x" * 20_000
        info = (f"INFO sip:201@127.0.0.1:{traced.sip} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {ATTACKER}:{port};branch=z9hG4bKbig1\r\n"
                "Max-Forwards: 70\r\n"
                f"From: <sip:probe@{ATTACKER}>;tag=a1\r\nTo: <sip:201@127.0.0.1>;tag=nosuch\r\n"
                "Call-ID: big-datagram\r\nCSeq: 2 INFO\r\nContent-Type: application/csta+xml\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        s.sendto(info, ("127.0.0.1", traced.sip))
        answers = drain_udp(s, 2.0)
    statuses = [a.split(b"\r\n", 1)[0] for a in answers]
    assert statuses and all(b" 481 " in line for line in statuses), statuses  # no such dialog: read whole
    yield healthy(traced)


@pytest_twisted.inlineCallbacks
def test_an_invite_from_a_source_that_never_answers_is_not_amplified(traced):
    """Shown: 13.8x the INVITE's size came back (200 OK retransmissions, then BYEs)."""
    with udp_socket() as s:
        host, port = s.getsockname()
        invite = cti_invite("201", host, port, "UDP", server_port=traced.sip)
        s.sendto(invite, ("127.0.0.1", traced.sip))
        answers = drain_udp(s, 64 * T1 + 2.0)  # 2xx retransmission gives up after 64*T1
    assert answers, "the INVITE was not answered at all"
    factor = sum(map(len, answers)) / len(invite)
    assert factor <= 3.0, f"{factor:.1f}x the INVITE came back in {len(answers)} datagrams"
    yield healthy(traced)
