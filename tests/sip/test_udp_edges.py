"""UDP at the edges (issue 13): answers go to the packet's source, a hostname or garbage
in Via never raises, datagrams are read whole, the RFC 4475 corpus leaves no traceback."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest
from twisted.internet import abstract, task
from twisted.internet.error import InvalidAddressError
from twisted.logger import globalLogPublisher

from cme.cti import CTIGateway
from cme.testing import Exchange
from sip.core import UASCore
from sip.framing import MAX_MESSAGE, parse_datagram
from sip.transport import UDP_READ_SIZE, SIPDatagramProtocol, sip_services

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "rfc4475"
DEFAULT_CFG = (ROOT / "conf" / "cme.cfg").read_text()
SENDER = ("198.51.100.9", 40000)


class StrictUDP:
    """A fake UDP port that refuses what Twisted's refuses: a destination that is not an
    IP address (udp.Port.write raises InvalidAddressError)."""

    def __init__(self):
        self.written: list[tuple[bytes, tuple]] = []

    def write(self, data, addr):
        if not (abstract.isIPAddress(addr[0]) or abstract.isIPv6Address(addr[0])):
            raise InvalidAddressError(addr[0], "not an IP address")
        self.written.append((data, addr))


@pytest.fixture
def failures():
    """Every logged failure or error, as the twisted log publisher saw it."""
    seen = []

    def observe(event):
        if event.get("log_failure") is not None or event.get("isError"):
            seen.append(event)

    globalLogPublisher.addObserver(observe)
    yield seen
    globalLogPublisher.removeObserver(observe)


def options(via_host: str = "192.0.2.7", via_port: str = ":5070", extra: str = "") -> bytes:
    return (f"OPTIONS sip:cme.example SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {via_host}{via_port};branch=z9hG4bKedge1{extra}\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:app@192.0.2.7>;tag=f1\r\nTo: <sip:cme.example>\r\n"
            "Call-ID: edge-1@192.0.2.7\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()


def udp(core=None):
    clock = task.Clock()
    proto = SIPDatagramProtocol(core or UASCore(clock))
    proto.transport = StrictUDP()
    return proto, proto.transport, clock


def test_error_response_to_an_unparsable_datagram_goes_to_its_source():
    proto, transport, _ = udp()
    bad = options().replace(b"CSeq: 1 OPTIONS", b"CSeq: one OPTIONS")  # 400, headers salvaged
    proto.datagramReceived(bad, SENDER)
    [(data, addr)] = transport.written
    assert data.startswith(b"SIP/2.0 400 ")
    assert addr == SENDER  # not 192.0.2.7:5070, the Via's sent-by


@pytest.mark.parametrize("via_host", ["attacker.example.com", "victim.invalid", "[2001:db8::1]"])
def test_a_hostname_in_via_never_raises_and_the_answer_goes_to_the_source_host(via_host, failures):
    proto, transport, _ = udp()
    proto.datagramReceived(options(via_host), SENDER)
    bad = options(via_host).replace(b"CSeq: 1 OPTIONS", b"CSeq: one OPTIONS")
    proto.datagramReceived(bad, SENDER)
    assert failures == []
    assert [addr[0] for _, addr in transport.written] == [SENDER[0], SENDER[0]]
    assert [d[:12] for d, _ in transport.written] == [b"SIP/2.0 200 ", b"SIP/2.0 400 "]


def test_garbage_in_via_never_raises(failures):
    proto, transport, _ = udp()
    for via in (b"Via: SIP/2.0/UDP ;branch=x", b"Via: \x00\xff", b"Via: SIP/2.0/UDP a b c:99999",
                b"Via: SIP/2.0/UDP 192.0.2.7:0;rport=99999999"):
        data = options().replace(b"Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKedge1", via)
        proto.datagramReceived(data, SENDER)
    assert failures == []
    assert all(addr[0] == SENDER[0] for _, addr in transport.written)


def test_rfc4475_corpus_over_udp_through_the_cti_gateway(failures):
    """The probe's replay: every torture message over UDP into a real UASCore and
    CTIGateway. Nothing may be logged as a failure, nothing sent anywhere but back to the
    sender's host (and an error answer to exactly its address)."""
    ex = Exchange(DEFAULT_CFG)
    try:
        gateway = CTIGateway(ex.config, ex.telephony, ex.clock)
        proto = SIPDatagramProtocol(gateway.core)
        proto.transport = StrictUDP()
        files = sorted(p for p in CORPUS.iterdir() if p.suffix == ".dat")
        assert len(files) > 30
        for path in files:
            proto.datagramReceived(path.read_bytes(), SENDER)
            ex.settle()
        ex.advance(64 * 0.5 + 1)  # every retransmission timer runs out
        ex.advance(64 * 0.5 + 1)
        assert failures == [], [e.get("log_format") for e in failures]
        assert proto.transport.written, "the corpus gets answers"
        assert {addr[0] for _, addr in proto.transport.written} == {SENDER[0]}
    finally:
        ex.close()


def test_datagrams_are_read_whole_on_a_real_socket():
    """Twisted's UDP port reads 8,192 octets unless told otherwise: a 30 KiB INVITE was cut
    and answered 400. The listener reads up to UDP_READ_SIZE (over MAX_MESSAGE's share of
    what UDP can carry)."""
    assert UDP_READ_SIZE >= min(MAX_MESSAGE, 65507)
    got = []

    class Core:  # what reaches the core is the transport's whole business here
        clock = task.Clock()

        def receive(self, message, flow):
            got.append(message)

    core = Core()
    _tcp, service = sip_services(core, "127.0.0.1", 0)
    service.startService()
    try:
        port = service._port
        body = b"x" * 30_000
        message = (b"MESSAGE sip:201@127.0.0.1 SIP/2.0\r\n"
                   b"Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKbig\r\nMax-Forwards: 70\r\n"
                   b"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:201@127.0.0.1>\r\n"
                   b"Call-ID: big@127.0.0.1\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n"
                   + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sender.sendto(message, ("127.0.0.1", port.getHost().port))
            port.doRead()  # what the reactor does when the socket is readable
        finally:
            sender.close()
        assert len(got) == 1 and got[0].body == body
    finally:
        service.stopService()
