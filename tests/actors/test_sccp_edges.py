"""What one SCCP peer may cost (issue 13): junk before Register closes the connection
whatever its message ids, junk after Register writes a bounded number of log lines, and
connections still waiting to register are capped per source host."""
import pytest
from twisted.internet.address import IPv4Address as TwistedAddress
from twisted.internet.testing import StringTransportWithDisconnection
from twisted.logger import formatEvent, globalLogPublisher

from sccp.registration import KeepAliveMessage
from sccp.server import (
    LOG_BURST,
    MAX_IGNORED_BEFORE_REGISTER,
    PENDING_PER_SOURCE,
    SCCPServerFactory,
)
from tests.actors.test_phone import PHONE1, Lab, Peer, full_registration


def unknown_frames(count: int) -> bytes:
    frame = (4 + 2).to_bytes(4, "little") + bytes(4) + (0x7777).to_bytes(4, "little") + b"xy"
    return frame * count


def truncated_registers(count: int) -> bytes:
    body = b"SEP001E4A34A35F\x00"[:10]
    return ((4 + len(body)).to_bytes(4, "little") + bytes(4) + (1).to_bytes(4, "little") + body) * count


class SharedPeer(Peer):
    """A connection through one factory shared with other connections, from `host`."""

    def __init__(self, lab, factory, host, port):
        self.lab = lab
        self.protocol = factory.buildProtocol(None)
        self.transport = StringTransportWithDisconnection(peerAddress=TwistedAddress("TCP", host, port))
        self.transport.protocol = self.protocol
        self.protocol.makeConnection(self.transport)
        from sccp.framing import Decoder
        self.decoder = Decoder()


@pytest.fixture
def lab():
    lab = Lab()
    yield lab
    lab.close()


@pytest.fixture
def sccp_lines():
    events = []
    globalLogPublisher.addObserver(events.append)
    yield lambda: [formatEvent(e) for e in events if e.get("log_namespace") == "cme.sccp"]
    globalLogPublisher.removeObserver(events.append)


def fed_until_closed(peer, data: bytes, frame: int) -> int:
    """Feed `data` one frame at a time; how many frames went in before the close."""
    for n in range(len(data) // frame):
        if peer.closed:
            return n
        peer.protocol.dataReceived(data[n * frame:(n + 1) * frame])
    return len(data) // frame


def test_unknown_ids_before_register_count_toward_the_limit(lab, sccp_lines):
    peer = lab.connect()
    sent = fed_until_closed(peer, unknown_frames(50_000), 14)
    assert peer.closed and sent == MAX_IGNORED_BEFORE_REGISTER
    assert len(sccp_lines()) <= LOG_BURST + 1


def test_malformed_messages_before_register_count_toward_the_limit(lab):
    peer = lab.connect()
    peer.send_bytes(truncated_registers(MAX_IGNORED_BEFORE_REGISTER - 1))
    assert not peer.closed
    peer.send_bytes(truncated_registers(1))
    assert peer.closed


def test_50000_unknown_frames_in_one_read_close_the_connection_quietly(lab, sccp_lines):
    peer = lab.connect()
    peer.send_bytes(unknown_frames(50_000))
    assert peer.closed
    assert len(sccp_lines()) <= LOG_BURST + 2


def test_a_registered_phone_sending_junk_ids_writes_a_bounded_number_of_lines(lab, sccp_lines):
    peer = lab.connect()
    full_registration(peer, PHONE1)
    before = len(sccp_lines())
    peer.send_bytes(unknown_frames(50_000))
    assert not peer.closed and lab.phone(PHONE1).state == "registered"  # junk is not fatal once registered
    junk = [line for line in sccp_lines()[before:] if "ignored" in line]
    assert 1 <= len(junk) <= LOG_BURST
    for _ in range(3):  # a minute on, the phone keeping alive
        lab.clock.advance(20)
        peer.send(KeepAliveMessage())
    peer.send_bytes(unknown_frames(1))
    later = [line for line in sccp_lines()[before:] if "ignored" in line]
    assert len(later) == len(junk) + 1 and f"{50_000 - LOG_BURST} similar lines" in later[-1]


def test_connections_waiting_to_register_are_capped_per_source(lab, sccp_lines):
    factory = SCCPServerFactory(lab.telephony.directory, lab.clock, pending_per_source=3)
    waiting = [SharedPeer(lab, factory, "192.0.2.7", 40000 + i) for i in range(3)]
    assert not any(p.closed for p in waiting)
    over = SharedPeer(lab, factory, "192.0.2.7", 40010)
    assert over.closed and over.transport.value() == b""  # closed at once, nothing allocated
    assert not SharedPeer(lab, factory, "192.0.2.8", 40011).closed  # another source is not affected
    # once one registers it no longer counts: many phones behind one NAT are normal
    full_registration(waiting[0], PHONE1)
    assert not waiting[0].closed and lab.phone(PHONE1).state == "registered"
    fourth = SharedPeer(lab, factory, "192.0.2.7", 40012)
    assert not fourth.closed
    # a waiting connection that goes gives its place back
    waiting[1].transport.loseConnection()
    assert not SharedPeer(lab, factory, "192.0.2.7", 40013).closed
    assert SharedPeer(lab, factory, "192.0.2.7", 40014).closed
    assert SharedPeer(lab, factory, "192.0.2.7", 40015).closed
    refusals = [line for line in sccp_lines() if "waiting to register" in line]
    assert len(refusals) == 1 and "192.0.2.7" in refusals[0]  # logged once per source per minute


def test_the_cap_comes_from_telephony_service_and_has_a_default():
    from tests.actors.test_phone import CONFIG
    lab = Lab(CONFIG.replace("telephony-service\n", "telephony-service\n registration pending-per-source 2\n", 1))
    try:
        factory = lab.telephony.server_factory()
        assert factory.pending.limit == 2
        lab.config.telephony.pending_per_source = 5  # as `configure terminal` changes it
        factory.buildProtocol(None)
        assert factory.pending.limit == 5
    finally:
        lab.close()
    lab = Lab()
    try:
        assert lab.telephony.server_factory().pending.limit == PENDING_PER_SOURCE
    finally:
        lab.close()
