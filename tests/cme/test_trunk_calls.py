"""Trunk calls driven end to end: CTI services across dial-peers, the SIP leg's 2xx
retransmission and CANCEL races, TCP to a peer, and the CLI's view of trunk legs.

The far end is played by feeding SIP into the server's one core: outbound requests are
what the gateway writes on a fake UDP socket (`trunks.udp`), inbound ones and every
response are parsed from text as the peer would send them. The phones are virtual
(cme.testing.Exchange), the actors run on a task.Clock.
"""
from __future__ import annotations

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.task import deferLater

from cme.testing import Exchange
from cme.trunks import TrunkGateway
from sccp.enums import CallState
from sip.framing import StreamFramer, parse_datagram
from sip.message import Request, Response
from sip.transport import DatagramFlow
from tests.actors.test_cti_consult import DUAL, Lab, conn, name_of, text_of
from tests.actors.test_cti_session import ED3

PEER = ("198.51.100.20", 5060)
DIAL_PEER = """dial-peer voice 100 voip
 destination-pattern 9T
 session protocol sipv2
 session target ipv4:198.51.100.20:5060
!
end
"""
CONFIG = DUAL.rsplit("end", 1)[0] + DIAL_PEER
FAR_SDP = ("v=0\r\no=gw 1 1 IN IP4 198.51.100.30\r\ns=-\r\nc=IN IP4 198.51.100.30\r\nt=0 0\r\n"
           "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


class FakeUDP:
    """The SIP listener's datagram socket: what the gateway writes, with its address."""

    def __init__(self) -> None:
        self.sent: list[tuple[object, tuple[str, int]]] = []

    def write_message(self, message, address) -> None:
        self.sent.append((parse_datagram(message.encode()), address))  # as the peer reads it


class Far:
    """The trunk peer: reads what we sent it, answers by feeding the core."""

    def __init__(self, ex: Exchange, core, udp: FakeUDP) -> None:
        self.ex, self.core, self.udp = ex, core, udp
        self.flow = DatagramFlow(udp, PEER)
        self.tag = "far1"
        self._cseq = iter(range(100, 1000))

    def requests(self, method: str | None = None) -> list[Request]:
        return [m for m, _ in self.udp.sent if isinstance(m, Request) and (method is None or m.method == method)]

    def responses(self) -> list[Response]:
        return [m for m, _ in self.udp.sent if isinstance(m, Response)]

    def invites(self) -> list[Request]:
        """The INVITEs sent, each once (UDP retransmissions, same branch, left out)."""
        seen, out = set(), []
        for m in self.requests("INVITE"):
            if m.via.branch not in seen:
                seen.add(m.via.branch)
                out.append(m)
        return out

    def answer(self, request: Request, status: int, *, sdp: str | None = None) -> None:
        headers = [("Contact", f"<sip:far@{PEER[0]}:{PEER[1]}>")] if status < 300 else []
        body = sdp.encode() if sdp else b""
        response = request.response(status, to_tag=self.tag if status != 100 else None, headers=headers,
                                    body=body, content_type="application/sdp" if body else None)
        self.core.receive(parse_datagram(response.encode()), self.flow)
        self.ex.settle()

    def request(self, method: str, invite: Request, *, body: str = "") -> None:
        """An in-dialog request from the far end of the call `invite` started."""
        payload = body.encode()
        contact = invite.contact_uri
        text = (f"{method} {contact} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {PEER[0]}:{PEER[1]};branch=z9hG4bKfar{next(self._cseq)}\r\n"
                "Max-Forwards: 70\r\n"
                f"From: <sip:{invite.uri.user}@{PEER[0]}>;tag={self.tag}\r\n"
                f"To: {invite.headers.get('From')}\r\n"
                f"Call-ID: {invite.call_id}\r\nCSeq: {next(self._cseq)} {method}\r\n"
                f"Contact: <sip:far@{PEER[0]}:{PEER[1]}>\r\n"
                + ("Content-Type: application/sdp\r\n" if payload else "")
                + f"Content-Length: {len(payload)}\r\n\r\n")
        self.core.receive(parse_datagram(text.encode() + payload), self.flow)
        self.ex.settle()


class TrunkLab(Lab):
    """A CTI session on 201 with monitors on 201-203, and dial-peer 100 (9T) to PEER."""

    def __init__(self, text: str = CONFIG) -> None:
        super().__init__(text)
        self.trunks = TrunkGateway(self.ex.config, self.ex.telephony.switch, self.gateway.core, self.ex.clock,
                                   local_host="127.0.0.1", local_port=5060)
        self.udp = self.trunks.udp = FakeUDP()
        self.ex.telephony.switch.trunks = self.gateway.trunks = self.trunks
        # as cme/plugin.py wires it: dial-peer targets (PEER) are answered in full over UDP
        self.gateway.core.trusted = self.trunks.trusted_host
        self.far = Far(self.ex, self.gateway.core, self.udp)

    def dial_out(self) -> Request:
        """The INVITE that went out (the number ends on `#` or on the 9T interdigit timeout)."""
        if not self.far.invites():
            self.ex.advance(self.ex.config.telephony.interdigit_timeout)
        (invite,) = self.far.invites()
        return invite

    def nothing_left(self) -> None:
        assert not self.trunks.legs and not len(self.trunks.dialogs) and not self.trunks.pending
        assert self.idle()
        directory = self.ex.telephony.directory
        assert not [k for k in directory if isinstance(k, int) and k < 0 and directory.get(k) is not None]


@pytest.fixture
def lab():
    lab = TrunkLab()
    yield lab
    lab.ex.close()


def offers(invite, phone) -> bool:
    return (f"c=IN IP4 {phone.ip}".encode() in invite.body
            and f"m=audio {phone.rtp_port} ".encode() in invite.body)


def names(events, dn="201"):
    return [name for d, name, _ in events if d == dn]


def make_call(lab, number="95551234") -> tuple[int, Request]:
    body = lab.ask(f'<MakeCall xmlns="{ED3}"><callingDevice>201</callingDevice><calledDirectoryNumber>{number}'
                   '</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>')
    assert name_of(body) == "MakeCallResponse"
    return int(text_of(body, "callID")), lab.dial_out()


def connected_call(lab) -> int:
    lab.a.do("off_hook").do("dial", "202")
    lab.b.do("answer")
    (call_id,) = lab.calls(1)
    lab.events()
    return call_id


# -- 1. CTI services across trunks ---------------------------------------------------------------
def test_make_call_to_an_outside_number_goes_out_and_reports_each_step(lab):
    call_id, invite = make_call(lab)
    assert invite.from_.uri.user == "201" and invite.uri.user == "95551234"
    assert offers(invite, lab.a)
    assert names(lab.events()) == ["ServiceInitiatedEvent", "OriginatedEvent", "NetworkReachedEvent"]
    lab.far.answer(invite, 100)
    lab.far.answer(invite, 180)
    assert names(lab.events()) == ["DeliveredEvent"]
    lab.far.answer(invite, 200, sdp=FAR_SDP)
    assert names(lab.events()) == ["EstablishedEvent"]
    assert lab.far.requests("ACK")
    (ch,) = lab.a.transmissions.values()
    assert (str(ch.remote_ip), ch.remote_port) == ("198.51.100.30", 40000)
    lab.far.request("BYE", invite)
    assert [r.status for r in lab.far.responses()][-1] == 200
    assert set(names(lab.events())) == {"ConnectionClearedEvent"}  # the far party's, then 201's (as 202's would)
    assert not lab.a.in_call()
    lab.nothing_left()


def answered(lab, invite) -> None:
    lab.far.answer(invite, 180)
    lab.far.answer(invite, 200, sdp=FAR_SDP)


def talks_to_the_far_end(phone) -> bool:
    return any((str(ch.remote_ip), ch.remote_port) == ("198.51.100.30", 40000) for ch in phone.transmissions.values())


def far_hangs_up(lab, invite) -> None:
    lab.far.request("BYE", invite)
    assert lab.far.responses()[-1].status == 200
    lab.events()
    lab.nothing_left()


def test_single_step_transfer_of_a_connected_call_to_an_outside_number(lab):
    first = connected_call(lab)
    body = lab.ask(f'<SingleStepTransferCall xmlns="{ED3}"><activeCall>{conn(first)}</activeCall>'
                   '<transferredTo>95551234</transferredTo></SingleStepTransferCall>')
    assert name_of(body) == "SingleStepTransferCallResponse"
    invite = lab.dial_out()
    assert offers(invite, lab.b)  # 202 is the party that goes on talking
    assert not lab.a.in_call()
    assert names(lab.events(), "202") == ["TransferedEvent", "NetworkReachedEvent"]
    answered(lab, invite)
    assert talks_to_the_far_end(lab.b)
    assert set(lab.calls(2).values()) == {"connected"}
    assert names(lab.events(), "202") == ["DeliveredEvent", "EstablishedEvent"]
    far_hangs_up(lab, invite)


def test_deflect_of_a_ringing_call_to_an_outside_number(lab):
    lab.b.do("off_hook").do("dial", "201")
    (ringing,) = lab.calls(1)
    lab.events()
    body = lab.ask(f'<DeflectCall xmlns="{ED3}"><callToBeDiverted>{conn(ringing)}</callToBeDiverted>'
                   '<newDestination>95551234</newDestination></DeflectCall>')
    assert name_of(body) == "DeflectCallResponse"
    invite = lab.dial_out()
    assert offers(invite, lab.b) and invite.from_.uri.user == "202"
    assert not lab.a.ringing() and lab.calls(1) == {}
    answered(lab, invite)
    assert talks_to_the_far_end(lab.b)
    far_hangs_up(lab, invite)


def test_forwarding_to_an_outside_number_sends_the_next_call_out(lab):
    body = lab.ask(f'<SetForwarding xmlns="{ED3}"><device>201</device><forwardingType>forwardImmediate'
                   '</forwardingType><activateForward>true</activateForward><forwardDN>95551234</forwardDN>'
                   '</SetForwarding>')
    assert name_of(body) == "SetForwardingResponse"
    lab.b.do("off_hook").do("dial", "201")
    invite = lab.dial_out()
    assert offers(invite, lab.b) and invite.uri.user == "95551234"
    assert not lab.a.ringing()
    answered(lab, invite)
    assert talks_to_the_far_end(lab.b)
    far_hangs_up(lab, invite)


def test_consultation_to_an_outside_number_then_transfer_re_points_the_trunk_media(lab):
    first = connected_call(lab)
    body = lab.ask(f'<ConsultationCall xmlns="{ED3}"><existingCall>{conn(first)}</existingCall>'
                   '<consultedDevice>95551234</consultedDevice></ConsultationCall>')
    assert name_of(body) == "ConsultationCallResponse"
    consult = int(text_of(body, "callID"))
    invite = lab.dial_out()
    assert offers(invite, lab.a)  # 201 consults
    answered(lab, invite)
    assert talks_to_the_far_end(lab.a)
    lab.events()
    body = lab.ask(f'<TransferCall xmlns="{ED3}"><heldCall>{conn(first)}</heldCall>'
                   f'<activeCall>{conn(consult)}</activeCall></TransferCall>')
    assert name_of(body) == "TransferCallResponse"
    assert not lab.a.in_call() and lab.calls(1) == {}
    reinvites = lab.far.invites()[1:]
    assert reinvites, "the trunk leg must re-INVITE the far end with 202's media"
    reinvite = reinvites[-1]
    assert reinvite.call_id == invite.call_id and reinvite.to_tag == lab.far.tag
    assert offers(reinvite, lab.b) and b"a=sendrecv" in reinvite.body
    lab.far.answer(reinvite, 200, sdp=FAR_SDP)
    assert talks_to_the_far_end(lab.b)
    assert len(lab.far.requests("ACK")) >= 2  # the re-INVITE's 2xx was ACKed too
    assert set(lab.calls(2).values()) == {"connected"}
    far_hangs_up(lab, invite)


# -- 3. the 2xx of an inbound call over UDP ------------------------------------------------------
IN_SDP = FAR_SDP


def inbound_invite(to="201", call_id="in-7@198.51.100.20") -> Request:
    payload = IN_SDP.encode()
    text = (f"INVITE sip:{to}@127.0.0.1 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {PEER[0]}:{PEER[1]};branch=z9hG4bKinbound7\r\n"
            "Max-Forwards: 70\r\n"
            f"From: \"Outside\" <sip:5551234@{PEER[0]}>;tag=gw7\r\n"
            f"To: <sip:{to}@127.0.0.1>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\n"
            f"Contact: <sip:5551234@{PEER[0]}:{PEER[1]}>\r\n"
            f"Content-Type: application/sdp\r\nContent-Length: {len(payload)}\r\n\r\n")
    return parse_datagram(text.encode() + payload)


def answered_inbound(lab) -> Request:
    invite = inbound_invite()
    lab.gateway.core.receive(invite, lab.far.flow)
    lab.ex.settle()
    assert lab.a.ringing()
    lab.a.do("answer")
    oks = [r for r in lab.far.responses() if r.status == 200]
    assert len(oks) == 1 and offers(oks[0], lab.a)
    return invite


def ack_for(invite: Request, ok: Response) -> Request:
    text = (f"ACK {ok.contact_uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {PEER[0]}:{PEER[1]};branch=z9hG4bKack7\r\n"
            "Max-Forwards: 70\r\n"
            f"From: {invite.headers.get('From')}\r\nTo: {ok.headers.get('To')}\r\n"
            f"Call-ID: {invite.call_id}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n")
    return parse_datagram(text.encode())


def oks(lab) -> list[Response]:
    return [r for r in lab.far.responses() if r.status == 200 and r.cseq.method == "INVITE"]


def test_the_2xx_of_an_inbound_call_is_resent_over_udp_until_the_ack(lab):
    invite = answered_inbound(lab)
    t1 = lab.trunks._timers().t1
    lab.ex.advance(t1)
    assert len(oks(lab)) == 2  # T1
    lab.ex.advance(2 * t1)
    assert len(oks(lab)) == 3  # 2*T1 later
    lab.gateway.core.receive(ack_for(invite, oks(lab)[0]), lab.far.flow)
    lab.ex.settle()
    lab.ex.advance(64 * t1)
    assert len(oks(lab)) == 3 and not lab.far.requests("BYE")  # the ACK stopped it; the call goes on
    assert lab.a.in_call() and lab.trunks.legs
    lab.a.do("on_hook")
    (bye,) = lab.far.requests("BYE")
    lab.far.answer(bye, 200)
    lab.nothing_left()


def test_an_inbound_call_whose_2xx_is_never_acked_ends_with_bye_after_64_t1(lab):
    answered_inbound(lab)
    t1 = lab.trunks._timers().t1
    for _ in range(127):  # small steps: each re-send is re-armed by the leg actor after the last
        lab.ex.advance(t1 / 2)
    assert not lab.far.requests("BYE")
    assert len(oks(lab)) == 11  # at 0, T1, 3T1, 7T1, then every T2 (4 s) until 64*T1
    lab.ex.advance(t1 / 2)
    (bye,) = {r.via.branch: r for r in lab.far.requests("BYE")}.values()
    assert bye.call_id == "in-7@198.51.100.20"
    assert not lab.a.in_call()  # 201 hears the call end when the leg gives up, not after the BYE's answer
    lab.far.answer(bye, 200)
    lab.nothing_left()


# -- 4. a 2xx that crosses our CANCEL ----------------------------------------------------------
def test_a_2xx_that_crosses_our_cancel_is_acked_then_byed(lab):
    lab.a.do("off_hook").do("dial", "95551234#")
    invite = lab.dial_out()
    lab.far.answer(invite, 180)
    lab.a.do("on_hook")
    (cancel,) = {r.via.branch: r for r in lab.far.requests("CANCEL")}.values()
    lab.far.answer(cancel, 200)
    lab.far.answer(invite, 200, sdp=FAR_SDP)  # the far end answered before it saw the CANCEL
    acks = lab.far.requests("ACK")
    assert acks and acks[-1].to_tag == lab.far.tag and acks[-1].cseq.number == invite.cseq.number
    (bye,) = {r.via.branch: r for r in lab.far.requests("BYE")}.values()
    assert bye.call_id == invite.call_id and bye.to_tag == lab.far.tag
    assert not lab.a.in_call()
    lab.far.answer(bye, 200)
    lab.nothing_left()


def test_a_2xx_to_an_invite_whose_cancel_was_still_held_is_acked_then_byed(lab):
    lab.a.do("off_hook").do("dial", "95551234#")
    invite = lab.dial_out()
    lab.a.do("on_hook")  # no provisional yet: the CANCEL waits (§9.1)
    assert not lab.far.requests("CANCEL")
    lab.far.answer(invite, 200, sdp=FAR_SDP)
    lab.far.answer(invite, 200, sdp=FAR_SDP)  # retransmitted: ACKed again, BYEd once
    assert not lab.far.requests("CANCEL")
    acks = lab.far.requests("ACK")
    assert len(acks) == 2 and all(a.cseq.number == invite.cseq.number for a in acks)
    (bye,) = {r.via.branch: r for r in lab.far.requests("BYE")}.values()
    lab.far.answer(bye, 200)
    lab.nothing_left()


# -- 2. `session transport tcp`: the gateway connects to the peer ---------------------------------
class TcpPeer(Protocol):
    """A trunk peer on a real loopback listener: frames what it reads with sip.framing."""

    def __init__(self, peer: "TcpPeerFactory") -> None:
        self.peer, self.framer = peer, StreamFramer()

    def connectionMade(self) -> None:
        self.peer.connections.append(self)

    def dataReceived(self, data: bytes) -> None:
        self.peer.received.extend(m for m in self.framer.feed(data) if isinstance(m, (Request, Response)))

    def send(self, message) -> None:
        self.transport.write(message.encode())


class TcpPeerFactory(Factory):
    def __init__(self) -> None:
        self.connections: list[TcpPeer] = []
        self.received: list = []

    def buildProtocol(self, addr):
        return TcpPeer(self)

    def requests(self, method):
        return [m for m in self.received if isinstance(m, Request) and m.method == method]


def until(ex, condition, seconds: float = 5.0):
    """Let the real reactor run (the connection, its bytes) and settle the actors until
    `condition()` holds."""
    for _ in range(int(seconds / 0.01)):
        ex.settle()
        if condition():
            return
        yield deferLater(reactor, 0.01, lambda: None)
    raise AssertionError("timed out")


@pytest_twisted.inlineCallbacks
def test_a_tcp_dial_peer_is_reached_over_a_connection_the_gateway_makes_and_reuses():
    peer = TcpPeerFactory()
    port = reactor.listenTCP(0, peer, interface="127.0.0.1")
    text = CONFIG.replace("session target ipv4:198.51.100.20:5060",
                          f"session target ipv4:127.0.0.1:{port.getHost().port}\n session transport tcp")
    lab = TrunkLab(text)
    try:
        ex = lab.ex
        lab.a.do("off_hook").do("dial", "95551234#")
        yield from until(ex, lambda: peer.requests("INVITE"))
        (invite,) = peer.requests("INVITE")
        assert not lab.udp.sent  # nothing on the UDP socket
        assert invite.via.transport == "TCP" and "transport=tcp" in str(invite.uri)
        assert "transport=tcp" in str(invite.contact_uri) and offers(invite, lab.a)
        (conn_,) = peer.connections
        conn_.send(invite.response(180, to_tag="tcp1"))
        conn_.send(invite.response(200, to_tag="tcp1", headers=[("Contact", "<sip:far@127.0.0.1;transport=tcp>")],
                                   body=FAR_SDP.encode(), content_type="application/sdp"))
        yield from until(ex, lambda: peer.requests("ACK") and talks_to_the_far_end(lab.a))
        lab.a.do("on_hook")
        yield from until(ex, lambda: peer.requests("BYE"))
        (bye,) = peer.requests("BYE")
        conn_.send(bye.response(200))
        yield from until(ex, lambda: not lab.trunks.legs)
        # the next call goes on the same connection
        lab.a.do("off_hook").do("dial", "95551234#")
        yield from until(ex, lambda: len(peer.requests("INVITE")) == 2)
        assert len(peer.connections) == 1
        second = peer.requests("INVITE")[1]
        conn_.send(second.response(486, to_tag="tcp2"))
        yield from until(ex, lambda: not lab.trunks.legs)
        assert peer.requests("ACK")[-1].cseq.number == second.cseq.number  # the 486's ACK, same connection
        lab.a.do("on_hook")
        lab.nothing_left()
    finally:
        for c in peer.connections:
            c.transport.loseConnection()
        for stream in lab.trunks._streams.values():
            stream.close()
        lab.ex.close()
        yield port.stopListening()


# -- 5. `show cti call` shows the trunk legs --------------------------------------------------------
def show_cti_call(lab) -> list[str]:
    from types import SimpleNamespace

    from cme.cli import builtin, cti, ephone
    from cme.cli.testing import run
    app = SimpleNamespace(config=lab.ex.config, board=lab.ex.telephony.board, trunks=lab.trunks, hostname="lab")
    result = run(cti.register(ephone.register(builtin.default_table())), "show cti call", app)
    assert result.ok, result.output
    return result.output.rstrip("\n").splitlines()


def test_show_cti_call_lists_the_trunk_side_of_a_call_out(lab):
    call_id, invite = make_call(lab)
    lab.far.answer(invite, 180)
    rows = show_cti_call(lab)
    (trunk,) = [r for r in rows if r.startswith("95551234")]
    (gcid,) = {v.gcid for v in lab.ex.telephony.board.lines[1].calls.values()}
    assert trunk.split() == ["95551234", trunk.split()[1], gcid, "201", "95551234", "ALERT"]
    assert any(r.startswith("201 ") and r.endswith("RINGBACK") for r in rows)
    lab.far.answer(invite, 200, sdp=FAR_SDP)
    assert [r.split()[-1] for r in show_cti_call(lab)[1:]] == ["ACT", "ACT"]
    lab.far.request("BYE", invite)
    assert len(show_cti_call(lab)) == 1  # the header only: the trunk line went with its call
    lab.nothing_left()


# -- 6. `debug ccsip messages` -----------------------------------------------------------------------
def test_debug_ccsip_messages_switches_the_message_trace_on_and_off():
    from cme.cli.builtin import default_table
    from cme.cli.testing import FakeApplication, run
    app, table = FakeApplication(), default_table()
    assert run(table, "debug ccsip messages", app).output.strip() == "SIP messages debugging is on"
    assert app.trace.enabled() == ["cme.sip.messages"]
    run(table, "undebug ccsip messages", app)
    assert app.trace.enabled() == []
    run(table, "debug ccsip messages", app)
    run(table, "no debug ccsip messages", app)
    assert app.trace.enabled() == []


@pytest.fixture
def sip_log():
    from twisted.logger import LogLevel, formatEvent, globalLogPublisher

    from actors.trace import TRACE
    seen = []

    def observe(event):
        if event.get("log_namespace") == "cme.sip.messages" and event.get("log_level") is LogLevel.debug:
            seen.append(formatEvent(event))

    globalLogPublisher.addObserver(observe)
    yield seen
    globalLogPublisher.removeObserver(observe)
    TRACE.disable("cme.sip.messages")


OPTIONS = (b"OPTIONS sip:cme.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKtrace1\r\n"
           b"Max-Forwards: 70\r\nFrom: <sip:app@192.0.2.7>;tag=f1\r\nTo: <sip:cme.example>\r\n"
           b"Call-ID: trace-1@192.0.2.7\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")


@pytest.mark.parametrize("transport", ["UDP", "TCP"])
def test_sip_messages_are_traced_in_and_out_only_while_debug_ccsip_messages_is_on(sip_log, transport):
    from twisted.internet import task
    from twisted.internet.address import IPv4Address
    from twisted.internet.testing import StringTransport

    from actors.trace import TRACE
    from sip.core import UASCore
    from sip.transport import SIPDatagramProtocol, SIPStreamFactory

    core = UASCore(task.Clock())
    if transport == "UDP":
        proto = SIPDatagramProtocol(core)
        proto.transport = StringTransport()
        proto.transport.write = lambda data, address=None: None

        def deliver(data):
            proto.datagramReceived(data, ("192.0.2.7", 5070))
    else:
        proto = SIPStreamFactory(core).buildProtocol(None)
        proto.makeConnection(StringTransport(peerAddress=IPv4Address("TCP", "192.0.2.7", 5070)))

        def deliver(data):
            proto.dataReceived(data)
    data = OPTIONS.replace(b"UDP", transport.encode())
    deliver(data)
    assert sip_log == []  # off: nothing logged (nor formatted)
    TRACE.enable("cme.sip.messages")
    deliver(data.replace(b"trace1", b"trace2").replace(b"trace-1", b"trace-2"))
    received, sent = sip_log
    assert received.startswith(f"Received from 192.0.2.7:5070 ({transport}):\n")
    assert "OPTIONS sip:cme.example SIP/2.0\r\n" in received and "branch=z9hG4bKtrace2" in received
    assert sent.startswith(f"Sent to 192.0.2.7:5070 ({transport}):\n") and "SIP/2.0 200 OK\r\n" in sent
    TRACE.disable("cme.sip.messages")
    deliver(data.replace(b"trace1", b"trace3").replace(b"trace-1", b"trace-3"))
    assert len(sip_log) == 2


def test_an_inbound_trunk_call_transferred_to_202_re_points_the_far_media_to_202(lab):
    invite = answered_inbound(lab)
    lab.gateway.core.receive(ack_for(invite, oks(lab)[0]), lab.far.flow)
    lab.ex.settle()
    (first,) = lab.calls(1)
    lab.events()
    body = lab.ask(f'<ConsultationCall xmlns="{ED3}"><existingCall>{conn(first)}</existingCall>'
                   '<consultedDevice>202</consultedDevice></ConsultationCall>')
    consult = int(text_of(body, "callID"))
    lab.b.do("answer")
    before = len(lab.udp.sent)
    lab.ask(f'<TransferCall xmlns="{ED3}"><heldCall>{conn(first)}</heldCall>'
            f'<activeCall>{conn(consult)}</activeCall></TransferCall>')
    assert not lab.a.in_call()
    reinvites = [m for m, _ in lab.udp.sent[before:] if isinstance(m, Request) and m.method == "INVITE"]
    assert reinvites and reinvites[-1].call_id == invite.call_id
    assert offers(reinvites[-1], lab.b) and b"a=sendrecv" in reinvites[-1].body
    assert talks_to_the_far_end(lab.b)
    lab.far.answer(reinvites[-1], 200, sdp=FAR_SDP)
    lab.b.do("on_hook")
    (bye,) = {r.via.branch: r for r in lab.far.requests("BYE")}.values()
    lab.far.answer(bye, 200)
    lab.nothing_left()


def test_a_trunk_call_transferred_to_another_trunk_call_joins_the_two_far_ends(lab):
    """201 talks to an outside caller, consults an outside number and transfers: each leg
    re-INVITEs its far end with the other far end's media (the server carries no RTP)."""
    invite = answered_inbound(lab)
    lab.gateway.core.receive(ack_for(invite, oks(lab)[0]), lab.far.flow)
    lab.ex.settle()
    (first,) = lab.calls(1)
    body = lab.ask(f'<ConsultationCall xmlns="{ED3}"><existingCall>{conn(first)}</existingCall>'
                   '<consultedDevice>95551234</consultedDevice></ConsultationCall>')
    consult = int(text_of(body, "callID"))
    (out,) = [i for i in lab.far.invites() if i.call_id != invite.call_id]
    lab.far.tag = "far2"
    other = FAR_SDP.replace("198.51.100.30", "198.51.100.31").replace("40000", "41000")
    lab.far.answer(out, 200, sdp=other)
    before = len(lab.udp.sent)
    lab.ask(f'<TransferCall xmlns="{ED3}"><heldCall>{conn(first)}</heldCall>'
            f'<activeCall>{conn(consult)}</activeCall></TransferCall>')
    assert not lab.a.in_call() and lab.calls(1) == {}
    sent = [m for m, _ in lab.udp.sent[before:] if isinstance(m, Request) and m.method == "INVITE"]
    by_call = {m.call_id: m for m in sent}
    assert b"c=IN IP4 198.51.100.31" in by_call[invite.call_id].body  # the caller now hears the consulted
    assert b"m=audio 41000 " in by_call[invite.call_id].body
    assert b"c=IN IP4 198.51.100.30" in by_call[out.call_id].body  # and the consulted the caller
    assert b"m=audio 40000 " in by_call[out.call_id].body
    for m in sent:
        lab.far.answer(m, 200, sdp=FAR_SDP)
    lab.far.request("BYE", out)  # the consulted hangs up: the caller's leg ends too
    byes = [b for b in lab.far.requests("BYE") if b.call_id == invite.call_id]
    assert byes
    lab.far.answer(byes[-1], 200)
    lab.nothing_left()


def test_a_single_step_transfer_the_outside_number_refuses_ends_the_transferred_call(lab):
    first = connected_call(lab)
    lab.ask(f'<SingleStepTransferCall xmlns="{ED3}"><activeCall>{conn(first)}</activeCall>'
            '<transferredTo>95551234</transferredTo></SingleStepTransferCall>')
    invite = lab.dial_out()
    lab.far.answer(invite, 486)
    assert lab.calls(2) == {} and not lab.b.in_call()  # 202 is not left in a call with nobody
    lab.nothing_left()


# -- session target dns:NAME ------------------------------------------------------------------
DNS_PEERS = """dial-peer voice 100 voip
 destination-pattern 9T
 session protocol sipv2
 session target dns:gw.example.net:5070
 preference 1
!
dial-peer voice 101 voip
 destination-pattern 9T
 session protocol sipv2
 session target dns:backup.example.net
 preference 2
!
end
"""


@pytest.mark.parametrize("answers,where", [({"gw.example.net": "198.51.100.20"}, ("198.51.100.20", 5070)),
                                           ({"backup.example.net": "198.51.100.21"}, ("198.51.100.21", 5060))])
def test_a_dns_target_is_resolved_and_one_that_does_not_resolve_hunts_to_the_next_peer(answers, where):
    from twisted.internet import defer
    from twisted.internet.error import DNSLookupError
    asked = []

    def resolve(name):
        asked.append(name)
        return defer.succeed(answers[name]) if name in answers else defer.fail(DNSLookupError(name))

    lab = TrunkLab(DUAL.rsplit("end", 1)[0] + DNS_PEERS)
    try:
        lab.trunks.resolve = resolve
        lab.a.do("off_hook").do("dial", "95551234#")
        (sent,) = [address for m, address in lab.udp.sent if isinstance(m, Request) and m.method == "INVITE"][:1]
        assert sent == where
        assert asked[0] == "gw.example.net"
    finally:
        lab.ex.close()


def test_no_target_resolving_gives_reorder_and_leaks_nothing():
    from twisted.internet import defer
    from twisted.internet.error import DNSLookupError
    lab = TrunkLab(DUAL.rsplit("end", 1)[0] + DNS_PEERS)
    try:
        lab.trunks.resolve = lambda name: defer.fail(DNSLookupError(name))
        lab.a.do("off_hook").do("dial", "95551234#")
        assert not lab.udp.sent
        (call,) = lab.a.calls().values()
        assert call.state == CallState.INVALID_NUMBER
        lab.a.do("on_hook")
        lab.nothing_left()
    finally:
        lab.ex.close()


def test_sip_ua_timers_trying_and_retry_invite_bound_an_unanswered_invite():
    text = DUAL.rsplit("end", 1)[0] + "sip-ua\n retry invite 2\n timers trying 200\n!\n" + DIAL_PEER
    lab = TrunkLab(text)
    try:
        lab.a.do("off_hook").do("dial", "95551234#")
        sends = lambda: len(lab.far.requests("INVITE"))  # noqa: E731 - retransmissions included
        assert sends() == 1
        lab.ex.advance(0.2)
        assert sends() == 2  # the first retransmission after `timers trying`
        lab.ex.advance(0.4)
        assert sends() == 3  # doubling; `retry invite 2`: no more
        lab.ex.advance(0.8)
        assert sends() == 3
        (call,) = lab.a.calls().values()
        assert call.state == CallState.INVALID_NUMBER  # no answer from the only peer: fast busy
        lab.a.do("on_hook")
        lab.nothing_left()
    finally:
        lab.ex.close()


def test_a_far_end_that_vanished_mid_call_still_lets_the_phone_hang_up_and_leaks_nothing(lab):
    lab.a.do("off_hook").do("dial", "95551234#")
    invite = lab.dial_out()
    answered(lab, invite)
    assert talks_to_the_far_end(lab.a)
    lab.a.do("on_hook")  # the far end is gone: the BYE is never answered
    assert not lab.a.in_call()
    byes = len(lab.far.requests("BYE"))
    assert byes == 1
    lab.ex.advance(64 * 0.5 + 1)  # Timer F: the BYE gives up, and the leg with it
    assert len(lab.far.requests("BYE")) > byes  # retransmitted over UDP meanwhile
    lab.nothing_left()


def test_dtmf_relay_rtp_nte_negotiates_telephone_event_and_the_phone_sends_it_in_rtp():
    peer = DIAL_PEER.replace(" session target", " dtmf-relay rtp-nte\n session target")
    lab = TrunkLab(DUAL.rsplit("end", 1)[0] + peer)
    try:
        lab.a.do("off_hook").do("dial", "95551234#")
        invite = lab.dial_out()
        assert b"a=rtpmap:101 telephone-event/8000" in invite.body
        lab.far.answer(invite, 200, sdp=FAR_SDP.replace("RTP/AVP 0", "RTP/AVP 0 101")
                       + "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n")
        (start,) = [m for m in lab.a.received if type(m).__name__ == "StartMediaTransmissionMessage"]
        assert start.rfc2833_payload_type == 101  # the phone sends keypad digits as RFC 4733 events
        lab.a.do("dial", "5")
        assert not lab.far.requests("INFO")  # not also as SIP INFO
    finally:
        lab.ex.close()


def test_dtmf_relay_sip_info_leaves_the_phone_without_a_telephone_event_payload(lab):
    lab.a.do("off_hook").do("dial", "95551234#")
    invite = lab.dial_out()
    answered(lab, invite)
    (start,) = [m for m in lab.a.received if type(m).__name__ == "StartMediaTransmissionMessage"]
    assert start.rfc2833_payload_type == 0
    lab.a.do("dial", "5")
    (info,) = lab.far.requests("INFO")
    assert b"Signal=5" in info.body
