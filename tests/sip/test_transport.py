"""SIP transports: TCP and UDP protocols with fake transports, one real TCP loopback."""
from __future__ import annotations

from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import defer, protocol, reactor, task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from sip.core import UASCore
from sip.framing import StreamFramer, parse_datagram
from sip.message import Response
from sip.transport import SIPDatagramProtocol, SIPStreamFactory, sip_services

CORPUS = Path(__file__).resolve().parent.parent / "data" / "rfc4475"  # the project's copy


def options(transport: str = "TCP", branch: str = "z9hG4bKopt1", via_extra: str = "") -> bytes:
    return (f"OPTIONS sip:cme.example SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} 192.0.2.7:5070;branch={branch}{via_extra}\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:app@192.0.2.7>;tag=f1\r\n"
            "To: <sip:cme.example>\r\n"
            "Call-ID: opt-1@192.0.2.7\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n").encode()


def tcp(core=None):
    core = core or UASCore(task.Clock())
    proto = SIPStreamFactory(core).buildProtocol(None)
    transport = StringTransport(peerAddress=IPv4Address("TCP", "192.0.2.7", 5070))
    proto.makeConnection(transport)
    return proto, transport


def responses(data: bytes) -> list[Response]:
    return StreamFramer().feed(data)


def test_options_over_tcp_200_with_copied_headers():
    proto, transport = tcp()
    assert proto.flow.transport_name == "TCP" and proto.flow.reliable
    assert proto.flow.peer == ("192.0.2.7", 5070)
    # split anywhere: the framer reassembles
    data = options()
    proto.dataReceived(data[:30])
    proto.dataReceived(data[30:])
    [resp] = responses(transport.value())
    assert resp.status == 200
    assert resp.headers.get("Via") == "SIP/2.0/TCP 192.0.2.7:5070;branch=z9hG4bKopt1"
    assert resp.headers.get("From") == "<sip:app@192.0.2.7>;tag=f1"
    assert resp.headers.get("To").startswith("<sip:cme.example>;tag=")
    assert resp.headers.get("Call-ID") == "opt-1@192.0.2.7"
    assert resp.headers.get("CSeq") == "1 OPTIONS"
    assert not transport.disconnecting


class FakeUDP:
    def __init__(self):
        self.written: list[tuple[bytes, tuple]] = []

    def write(self, data, addr):
        self.written.append((data, addr))


def udp(core=None):
    clock = task.Clock()
    proto = SIPDatagramProtocol(core or UASCore(clock))
    proto.transport = FakeUDP()
    return proto, proto.transport, clock


def test_options_over_udp_back_to_sender_with_received_and_rport():
    proto, transport, _ = udp()
    # sent from another address than the Via says (a NAT), asking for rport
    proto.datagramReceived(options("UDP", via_extra=";rport"), ("198.51.100.9", 40000))
    [(data, addr)] = transport.written
    resp = parse_datagram(data)
    assert resp.status == 200
    assert addr == ("198.51.100.9", 40000)
    assert resp.headers.get("Via") == ("SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKopt1"
                                       ";rport=40000;received=198.51.100.9")
    assert resp.headers.get("Call-ID") == "opt-1@192.0.2.7"
    assert resp.headers.get("CSeq") == "1 OPTIONS"


def test_udp_without_rport_goes_to_via_port():
    proto, transport, _ = udp()
    proto.datagramReceived(options("UDP"), ("192.0.2.7", 40000))
    [(data, addr)] = transport.written
    assert addr == ("192.0.2.7", 5070)  # §18.2.2: sent-by port; host equals source
    assert "received" not in parse_datagram(data).headers.get("Via")


def test_udp_retransmission_absorbed_same_response_resent():
    seen = []
    proto, transport, clock = udp()
    proto.core.on_request = lambda *a: seen.append(a)
    proto.datagramReceived(options("UDP"), ("192.0.2.7", 5070))
    proto.datagramReceived(options("UDP"), ("192.0.2.7", 5070))
    assert len(transport.written) == 2
    assert transport.written[0] == transport.written[1]
    assert proto.core.stats()["retransmissions"] == 1
    # an INFO in a dialog: delivered to the TU once, though sent twice
    info = options("UDP", branch="z9hG4bKinfo").replace(b"OPTIONS", b"INFO").replace(
        b"To: <sip:cme.example>", b"To: <sip:cme.example>;tag=x")
    proto.datagramReceived(info, ("192.0.2.7", 5070))
    proto.datagramReceived(info, ("192.0.2.7", 5070))
    assert len(seen) == 1 and len(transport.written) == 2  # trying: nothing to resend
    clock.advance(40)
    assert clock.getDelayedCalls() == []


def test_udp_keepalive_and_broken_response_ignored():
    proto, transport, _ = udp()
    proto.datagramReceived(b"\r\n\r\n", ("192.0.2.7", 5070))
    proto.datagramReceived((CORPUS / "scalarlg.dat").read_bytes(), ("192.0.2.7", 5070))
    assert transport.written == []


def test_unknown_in_dialog_info_gets_481_over_tcp():
    proto, transport = tcp()
    info = options(branch="z9hG4bKinfo").replace(b"OPTIONS", b"INFO").replace(
        b"To: <sip:cme.example>", b"To: <sip:cme.example>;tag=gone")
    proto.dataReceived(info)
    [resp] = responses(transport.value())
    assert resp.status == 481 and resp.to_tag == "gone"


@pytest.mark.parametrize("name", ["scalar02.dat", "ltgtruri.dat", "quotbal.dat"])
def test_torture_message_400_over_tcp_connection_stays(name):
    proto, transport = tcp()
    proto.dataReceived((CORPUS / name).read_bytes())
    [resp] = responses(transport.value())
    assert resp.status == 400
    assert not transport.disconnecting
    # the connection goes on
    transport.clear()
    proto.dataReceived(options())
    assert [r.status for r in responses(transport.value())] == [200]


def test_framing_error_answered_then_connection_closed():
    proto, transport = tcp()
    # a good OPTIONS, then ncl.dat (negative Content-Length) in the same segment
    proto.dataReceived(options() + (CORPUS / "ncl.dat").read_bytes())
    assert [r.status for r in responses(transport.value())] == [200, 400]
    assert transport.disconnecting
    before = transport.value()
    proto.dataReceived(options(branch="z9hG4bKlate"))
    assert transport.value() == before  # nothing more on a closed connection


def test_sip_services_named():
    tcp_service, udp_service = sip_services(UASCore(task.Clock()), "127.0.0.1", 5999)
    assert (tcp_service.name, udp_service.name) == ("sip-tcp", "sip-udp")


class RawClient(protocol.Protocol):
    def __init__(self):
        self.framer = StreamFramer()
        self.done = defer.Deferred()

    def connectionMade(self):
        self.transport.write(options(branch="z9hG4bKloop"))

    def dataReceived(self, data):
        for message in self.framer.feed(data):
            if not self.done.called:
                self.done.callback(message)


@pytest_twisted.inlineCallbacks
def test_real_tcp_loopback_options():
    port = reactor.listenTCP(0, SIPStreamFactory(UASCore(reactor)), interface="127.0.0.1")
    client = RawClient()
    try:
        yield protocol.ClientCreator(reactor, lambda: client).connectTCP(
            "127.0.0.1", port.getHost().port, timeout=5)
        resp = yield client.done.addTimeout(5, reactor)
        assert resp.status == 200
        assert resp.headers.get("CSeq") == "1 OPTIONS"
    finally:
        if client.transport is not None:
            client.transport.loseConnection()
        yield port.stopListening()
