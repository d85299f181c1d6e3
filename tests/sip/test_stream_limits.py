"""What one peer may cost a SIP stream listener (issue 13): partial-message, first-message
and idle timeouts on task.Clock, the per-source connection cap, all with fake transports."""
from __future__ import annotations

from pathlib import Path

import pytest
from twisted.internet import task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from cme.cti import CTIGateway
from cme.testing import Exchange
from sip.core import UASCore
from sip.framing import StreamFramer
from sip.limits import StreamLimits
from sip.transport import SIPStreamFactory

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CFG = (ROOT / "conf" / "cme.cfg").read_text()
ED3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
LIMITS = StreamLimits(first_message=30, partial_message=20, idle=300, per_source=32)


def options(branch: str = "z9hG4bKopt1") -> bytes:
    return (f"OPTIONS sip:cme.example SIP/2.0\r\n"
            f"Via: SIP/2.0/TCP 192.0.2.7:5070;branch={branch}\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:app@192.0.2.7>;tag=f1\r\n"
            "To: <sip:cme.example>\r\n"
            "Call-ID: opt-1@192.0.2.7\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n").encode()


def connect(factory, host="192.0.2.7", port=5070):
    addr = IPv4Address("TCP", host, port)
    proto = factory.buildProtocol(addr)
    if proto is None:
        return None, None
    transport = StringTransport(peerAddress=addr)
    proto.makeConnection(transport)
    return proto, transport


def lose(proto):
    proto.connectionLost()


@pytest.fixture
def lab():
    clock = task.Clock()
    core = UASCore(clock)
    factory = SIPStreamFactory(core, clock=clock, limits=LIMITS)
    return clock, core, factory


def test_slowloris_header_at_one_octet_per_second_is_closed(lab):
    clock, _core, factory = lab
    proto, transport = connect(factory)
    data = options()
    for octet in data[:15]:  # a header trickling in, one octet a second
        proto.dataReceived(bytes([octet]))
        clock.advance(1)
    assert not transport.disconnecting
    clock.advance(LIMITS.partial_message - 15)
    assert transport.disconnecting and proto.closing
    lose(proto)
    assert clock.getDelayedCalls() == [] and factory.connections == set()


def test_content_length_that_never_fills_is_closed(lab):
    clock, _core, factory = lab
    proto, transport = connect(factory)
    proto.dataReceived(options().replace(b"Content-Length: 0", b"Content-Length: 500") + b"x" * 10)
    clock.advance(LIMITS.partial_message - 1)
    assert not transport.disconnecting
    clock.advance(1)
    assert transport.disconnecting


def test_connection_that_sends_nothing_is_closed_after_the_first_message_timeout(lab):
    clock, _core, factory = lab
    proto, transport = connect(factory)
    proto.dataReceived(b"\r\n\r\n")  # keepalives are not a message
    clock.advance(LIMITS.first_message - 0.5)
    assert not transport.disconnecting
    clock.advance(0.5)
    assert transport.disconnecting


def test_complete_messages_keep_a_connection_and_idle_closes_it(lab):
    clock, _core, factory = lab
    proto, transport = connect(factory)
    for n in range(5):  # a message every 25 s: well within every limit
        clock.advance(25)
        proto.dataReceived(options(branch=f"z9hG4bKo{n}"))
    assert not transport.disconnecting
    assert [r.status for r in StreamFramer().feed(transport.value())] == [200] * 5
    clock.advance(LIMITS.idle - 1)
    assert not transport.disconnecting
    clock.advance(40)  # the OPTIONS transactions (Timer J is 0 on TCP) are long gone
    assert transport.disconnecting


def test_busy_flow_is_not_idle_closed(lab):
    clock, core, factory = lab
    busy = {"yes": True}
    core.on_flow_busy = lambda flow: busy["yes"]
    proto, transport = connect(factory)
    proto.dataReceived(options())
    clock.advance(LIMITS.idle * 10)
    assert not transport.disconnecting  # the TU still uses the flow
    busy["yes"] = False
    clock.advance(LIMITS.idle)
    assert transport.disconnecting


def test_a_cti_session_keeps_its_connection_past_the_idle_timeout():
    ex = Exchange(DEFAULT_CFG)
    try:
        gateway = CTIGateway(ex.config, ex.telephony, ex.clock)
        factory = SIPStreamFactory(gateway.core, clock=ex.clock, limits=LIMITS)
        proto, transport = connect(factory, "127.0.0.9")
        body = f'<?xml version="1.0"?><RequestSystemStatus xmlns="{ED3}"/>'.encode()

        def sip(method, cseq, tag=None, body=b""):
            return (f"{method} sip:201@127.0.0.1:5060 SIP/2.0\r\n"
                    f"Via: SIP/2.0/TCP 127.0.0.9:5070;branch=z9hG4bK{method}{cseq}\r\n"
                    "Max-Forwards: 70\r\nFrom: <sip:alice@apps.example>;tag=app1\r\n"
                    "To: <sip:201@127.0.0.1>" + (f";tag={tag}" if tag else "") + "\r\n"
                    "Call-ID: cti-idle@127.0.0.9\r\n"
                    f"CSeq: {cseq} {method}\r\n"
                    "Contact: <sip:alice@127.0.0.9:5070;transport=tcp>\r\n"
                    "Session-Expires: 3600\r\n"
                    + ("Content-Type: application/csta+xml\r\n" if body else "")
                    + f"Content-Length: {len(body)}\r\n\r\n").encode() + body

        proto.dataReceived(sip("INVITE", 1, body=body))
        ex.settle()
        (ok,) = StreamFramer().feed(transport.value())
        assert ok.status == 200
        proto.dataReceived(sip("ACK", 1, ok.to_tag))
        ex.settle()
        assert gateway.flow_busy(proto.flow)
        ex.advance(LIMITS.idle * 3)
        assert not transport.disconnecting and len(gateway.sessions) == 1
        proto.dataReceived(sip("BYE", 2, ok.to_tag))
        ex.settle()
        assert gateway.sessions == {} and not gateway.flow_busy(proto.flow)
        ex.advance(LIMITS.idle + 1)
        assert transport.disconnecting
    finally:
        ex.close()


def test_per_source_cap_leaves_room_for_other_hosts_and_releases_everything(lab):
    clock, _core, factory = lab
    held = []
    refused = 0
    for n in range(1050):  # the probe's 1,050 idle connections from one host
        proto, _t = connect(factory, "198.51.100.66", 10000 + n)
        if proto is None:
            refused += 1
        else:
            held.append(proto)
    assert len(held) == 32 and refused == 1018
    assert len(factory.connections) == 32
    other, transport = connect(factory, "192.0.2.20")  # a phone's application elsewhere
    assert other is not None
    other.dataReceived(options())
    assert StreamFramer().feed(transport.value())[0].status == 200
    for proto in held:
        lose(proto)
    lose(other)
    assert factory.connections == set() and factory.per_source.counts == {}
    assert clock.getDelayedCalls() == []
    again, _t = connect(factory, "198.51.100.66")  # the host is welcome again once it let go
    assert again is not None


def test_refusals_are_logged_once_per_source_per_minute(lab):
    from twisted.logger import globalLogPublisher
    clock, _core, factory = lab
    events = []
    globalLogPublisher.addObserver(events.append)
    try:
        for n in range(40):
            connect(factory, "198.51.100.66", 10000 + n)
    finally:
        globalLogPublisher.removeObserver(events.append)
    refusals = [e for e in events if "refused" in e.get("log_format", "")]
    assert len(refusals) == 1


def test_no_cap_when_zero():
    clock = task.Clock()
    factory = SIPStreamFactory(UASCore(clock), clock=clock, limits=StreamLimits(per_source=0))
    assert all(connect(factory, "198.51.100.66", 10000 + n)[0] is not None for n in range(100))


def test_old_calls_keep_working():
    clock = task.Clock()
    core = UASCore(clock)
    factory = SIPStreamFactory(core)  # clock from the core, default limits
    proto, transport = connect(factory)
    assert factory.clock is clock and factory.limits == StreamLimits()
    proto.dataReceived(options())
    assert StreamFramer().feed(transport.value())[0].status == 200


def test_an_open_transaction_keeps_a_flow_busy(lab):
    clock, core, factory = lab
    held = []
    core.on_request = lambda request, tx, flow: held.append(tx)  # the TU takes its time
    proto, transport = connect(factory)
    proto.dataReceived(options().replace(b"OPTIONS", b"INVITE").replace(
        b"Content-Length", b"Contact: <sip:app@192.0.2.7:5070;transport=tcp>\r\nContent-Length"))
    (tx,) = held
    assert core.flow_busy(proto.flow)
    clock.advance(LIMITS.idle * 2)
    assert not transport.disconnecting  # the INVITE is still unanswered
    core.respond(tx, tx.request.response(486))
    clock.advance(LIMITS.idle + 1)
    assert not core.flow_busy(proto.flow) and transport.disconnecting


def test_new_limits_reach_live_connections(lab):
    clock, _core, factory = lab
    proto, transport = connect(factory)
    proto.dataReceived(options())
    factory.set_limits(StreamLimits(idle=60, per_source=1))
    clock.advance(60)
    assert transport.disconnecting
    assert connect(factory, "192.0.2.7", 6000)[0] is None  # the one allowed is still held
    lose(proto)
    assert connect(factory, "192.0.2.7", 6001)[0] is not None


def test_messages_do_not_each_reschedule_the_deadline(lab):
    """Each read moves the idle deadline later; the call already set is kept and re-arms
    when it wakes (issue 15), so a busy connection costs no DelayedCall per read, and the
    idle close still comes exactly `idle` seconds after the last message."""
    clock, _core, factory = lab
    scheduled = []
    call_later = clock.callLater

    def counting(delay, f, *args, **kwargs):
        call = call_later(delay, f, *args, **kwargs)
        if getattr(f, "__name__", "") == "_deadline_passed":
            scheduled.append(call)
        return call

    clock.callLater = counting
    proto, transport = connect(factory)
    for n in range(50):
        clock.advance(1)
        proto.dataReceived(options(branch=f"z9hG4bKm{n}"))
    assert len(scheduled) <= 2  # the first-message deadline, then the idle one when it woke
    last = clock.seconds()
    clock.advance(LIMITS.idle - 0.5)
    assert not transport.disconnecting
    clock.advance(0.5)
    assert transport.disconnecting and clock.seconds() == last + LIMITS.idle
