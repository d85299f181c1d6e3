"""Amplification over UDP (issue 13): an INVITE from a source that has not shown it
receives what we send must not make the server send more than 3 times its size back.

The figure is measured here, on task.Clock over 64*T1, through the real datagram
protocol, UAS core and transaction users: octets written / octets of the INVITE."""
from __future__ import annotations

from pathlib import Path

import pytest

from cme.cti import CTIGateway
from cme.testing import Exchange
from sip.framing import parse_datagram
from sip.message import Request
from sip.transport import SIPDatagramProtocol
from tests.cme.test_trunk_calls import TrunkLab, inbound_invite

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CFG = (ROOT / "conf" / "cme.cfg").read_text()
ED3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
SPOOFED = ("203.0.113.77", 5060)  # the victim a forged source address names
FACTOR = 3.0


class CountingUDP:
    def __init__(self):
        self.written: list[tuple[bytes, tuple]] = []

    def write(self, data, addr):
        self.written.append((data, addr))

    def octets(self) -> int:
        return sum(len(d) for d, _ in self.written)

    def messages(self) -> list:
        return [parse_datagram(d) for d, _ in self.written]


def cti_invite(host: str = SPOOFED[0], branch: str = "z9hG4bKamp1") -> bytes:
    body = f'<?xml version="1.0" encoding="UTF-8"?><RequestSystemStatus xmlns="{ED3}"/>'.encode()
    return (f"INVITE sip:201@127.0.0.1:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {host}:5060;branch={branch}\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:alice@{host}>;tag=amp1\r\n"
            "To: <sip:201@127.0.0.1>\r\n"
            f"Call-ID: amp-1@{host}\r\nCSeq: 1 INVITE\r\n"
            f"Contact: <sip:alice@{host}:5060>\r\n"
            "Content-Type: application/csta+xml\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def cti_ack(to_tag: str, host: str = SPOOFED[0]) -> bytes:
    return (f"ACK sip:201@127.0.0.1:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {host}:5060;branch=z9hG4bKampack\r\nMax-Forwards: 70\r\n"
            f"From: <sip:alice@{host}>;tag=amp1\r\nTo: <sip:201@127.0.0.1>;tag={to_tag}\r\n"
            f"Call-ID: amp-1@{host}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n").encode()


@pytest.fixture
def cti():
    ex = Exchange(DEFAULT_CFG)
    gateway = CTIGateway(ex.config, ex.telephony, ex.clock)
    proto = SIPDatagramProtocol(gateway.core)
    proto.transport = CountingUDP()
    yield ex, gateway, proto
    ex.close()


def run_out(ex, t1: float = 0.5) -> None:
    for _ in range(140):  # 70 s in T1/2 steps: past 64*T1 and every retransmission
        ex.advance(t1 / 2)


def factor_of_cti_invite(ex, gateway, proto, *, retransmit: int = 0) -> float:
    invite = cti_invite()
    sent_in = len(invite)
    proto.datagramReceived(invite, SPOOFED)
    ex.settle()
    for _ in range(retransmit):
        ex.advance(0.5)
        proto.datagramReceived(invite, SPOOFED)
        sent_in += len(invite)
        ex.settle()
    run_out(ex)
    return proto.transport.octets() / sent_in


def test_cti_invite_from_an_unverified_source_is_answered_once_and_ends_silently(cti):
    ex, gateway, proto = cti
    factor = factor_of_cti_invite(ex, gateway, proto)
    print(f"CTI INVITE, unverified UDP source: {factor:.2f}x")
    assert factor <= FACTOR
    messages = proto.transport.messages()
    assert [m.status for m in messages if not isinstance(m, Request)] == [200]
    assert not [m for m in messages if isinstance(m, Request)]  # no BYE to the victim
    assert gateway.sessions == {} and len(gateway.dialogs) == 0  # ended on the ACK timeout
    assert ex.clock.getDelayedCalls() == [] or all(
        c.getTime() > ex.clock.seconds() + 60 for c in ex.clock.getDelayedCalls())


def test_an_unverified_source_gets_one_2xx_per_invite_it_sends(cti):
    ex, gateway, proto = cti
    factor = factor_of_cti_invite(ex, gateway, proto, retransmit=3)
    statuses = [m.status for m in proto.transport.messages() if not isinstance(m, Request)]
    assert statuses == [200] * 4 and factor <= FACTOR  # one for one, never on a timer


def test_a_verified_source_gets_the_full_retransmission_and_bye(cti):
    """What every source got before (13.8x in the probe): kept for sources that have
    shown they receive what we send."""
    ex, gateway, proto = cti
    gateway.core.verified.add(SPOOFED)
    factor = factor_of_cti_invite(ex, gateway, proto)
    print(f"CTI INVITE, verified UDP source (the old behaviour for all): {factor:.2f}x")
    messages = proto.transport.messages()
    assert len([m for m in messages if not isinstance(m, Request)]) > 5
    assert [m.method for m in messages if isinstance(m, Request)][:1] == ["BYE"]
    assert factor > FACTOR


def test_the_ack_with_our_tag_verifies_the_source_and_the_session_lives(cti):
    ex, gateway, proto = cti
    proto.datagramReceived(cti_invite(), SPOOFED)
    ex.settle()
    (ok,) = proto.transport.messages()
    assert SPOOFED not in gateway.core.verified
    proto.datagramReceived(cti_ack("not-our-tag"), SPOOFED)  # a guess proves nothing
    assert SPOOFED not in gateway.core.verified
    proto.datagramReceived(cti_ack(ok.to_tag), SPOOFED)
    ex.settle()
    assert SPOOFED in gateway.core.verified
    run_out(ex)
    assert [s.state for s in gateway.status.values()] == ["active"]


def test_a_trusted_host_is_answered_in_full(cti):
    ex, gateway, proto = cti
    gateway.core.trusted = lambda host: host == SPOOFED[0]
    factor = factor_of_cti_invite(ex, gateway, proto)
    assert factor > FACTOR


class CountingTrunkLab(TrunkLab):
    """The trunk lab with the real datagram protocol under the core, counting octets."""

    def __init__(self):
        super().__init__()
        self.proto = SIPDatagramProtocol(self.gateway.core)
        self.proto.transport = CountingUDP()
        self.trunks.udp = self.proto


@pytest.mark.parametrize("verified", [False, True], ids=["unverified", "verified"])
def test_trunk_invite_from_an_unverified_source(verified):
    lab = CountingTrunkLab()
    try:
        source = SPOOFED if not verified else ("198.51.100.20", 5060)  # the dial-peer's target
        data = inbound_invite().encode().replace(b"198.51.100.20", source[0].encode())
        lab.proto.datagramReceived(data, source)
        lab.ex.settle()
        assert lab.a.ringing()
        lab.a.do("answer")
        run_out(lab.ex)
        factor = lab.proto.transport.octets() / len(data)
        messages = lab.proto.transport.messages()
        statuses = [m.status for m in messages if not isinstance(m, Request)]
        print(f"trunk INVITE, {'verified' if verified else 'unverified'} UDP source: {factor:.2f}x")
        if verified:
            assert statuses.count(200) > 5 and any(isinstance(m, Request) and m.method == "BYE" for m in messages)
        else:
            assert statuses.count(200) == 1 and factor <= FACTOR
            assert not [m for m in messages if isinstance(m, Request)]  # no BYE
            assert not lab.a.in_call()
            assert not lab.trunks.legs and not len(lab.trunks.dialogs) and not lab.trunks.pending
    finally:
        lab.ex.close()
