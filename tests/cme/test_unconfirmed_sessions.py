"""Forged CTI INVITEs over UDP cannot fill the dialog table: sessions from sources that have
not yet ACKed are capped per source and in all (cme/cti.py UNCONFIRMED_*), and the
refusals are logged a few times a minute, not once each."""
from __future__ import annotations

from twisted.logger import globalLogPublisher

from cme import cti as gateway_module
from sip.framing import parse_datagram
from tests.sip.test_amplification import cti, cti_ack, cti_invite  # noqa: F401 (cti: the fixture)


def forged(host: str, n: int, line: bytes = b"201") -> bytes:
    """The n-th INVITE from `host`: a call of its own (Call-ID), not a retransmission."""
    return cti_invite(host, branch=f"z9hG4bKforged{n}").replace(
        b"Call-ID: amp-1@", f"Call-ID: amp-{n}@".encode()).replace(b"sip:201@", b"sip:" + line + b"@")


def invite(ex, proto, host: str, n: int):
    """The final answer to the n-th forged INVITE from `host`."""
    before = len(proto.transport.written)
    proto.datagramReceived(forged(host, n), (host, 5060))
    ex.settle()
    finals = [m for m in proto.transport.messages()[before:] if m.status >= 200]
    assert len(finals) == 1
    return finals[0]


def test_one_source_gets_eight_unconfirmed_sessions_then_503(cti):
    ex, gateway, proto = cti
    answers = [invite(ex, proto, "203.0.113.77", n).status for n in range(12)]
    assert answers == [200] * gateway_module.UNCONFIRMED_PER_SOURCE + [503] * 4
    assert invite(ex, proto, "203.0.113.78", 99).status == 200  # another source is not held up
    assert len(gateway.sessions) == gateway_module.UNCONFIRMED_PER_SOURCE + 1


def test_a_source_that_acks_is_no_longer_capped(cti):
    ex, gateway, proto = cti
    oks = [invite(ex, proto, "203.0.113.77", n) for n in range(gateway_module.UNCONFIRMED_PER_SOURCE)]
    ack = cti_ack(oks[1].to_tag)  # the ACK of call n=1 (Call-ID amp-1)
    proto.datagramReceived(ack, ("203.0.113.77", 5060))
    ex.settle()
    assert invite(ex, proto, "203.0.113.77", 50).status == 200  # shown real: answered in full


def test_unconfirmed_sessions_are_capped_in_all_and_given_back_when_they_lapse(cti, monkeypatch):
    ex, gateway, proto = cti
    monkeypatch.setattr(gateway_module, "UNCONFIRMED_TOTAL", 20)
    statuses = [invite(ex, proto, f"198.51.100.{n}", n).status for n in range(25)]
    assert statuses == [200] * 20 + [503] * 5
    for _ in range(140):  # past 64*T1: the unacknowledged sessions end
        ex.advance(0.25)
    assert not gateway.sessions
    assert invite(ex, proto, "198.51.100.200", 200).status == 200


def test_refusals_are_logged_a_few_times_a_minute_per_source(cti):
    ex, gateway, proto = cti
    lines = []
    observer = lambda event: lines.append(event) if event.get("log_namespace") == "cme.cti" else None
    globalLogPublisher.addObserver(observer)
    try:
        for n in range(200):  # a line that is not configured: 404 each time
            proto.datagramReceived(forged("203.0.113.9", n, b"999"), ("203.0.113.9", 5060))
            ex.settle()
    finally:
        globalLogPublisher.removeObserver(observer)
    refusals = [e for e in lines if "refused" in (e.get("log_format") or "")]
    assert 1 <= len(refusals) <= 5
    answers = [parse_datagram(d) for d, _ in proto.transport.written]
    assert sum(1 for a in answers if a.status == 404) == 200
