"""Dial-via-office (CME 8.8), through a CTI session: the server rings the user's remote
phone first (its `snr` number, through a dial-peer, presenting 201), and when it answers
calls the destination from 201; the monitor on 201 sees the call as 201's.

A real SIP core with fake sockets and the actors on a task.Clock: the remote phone's
gateway is played by feeding responses into the core; 202 is a virtual SCCP phone.
"""
from __future__ import annotations

import pytest
from lxml import etree

from cme.cti import CTIGateway
from cme.testing import Exchange
from cme.trunks import TrunkGateway
from sccp.enums import CallState
from sip import sdp
from sip.framing import parse_datagram
from sip.message import Request
from tests.actors.test_cti_session import DEFAULT, ED3, Flow, asker, open_session

CONFIG = DEFAULT.replace(" number 201\n", " number 201\n snr 95551234 delay 0 timeout 20\n").replace("\nend", """
dial-peer voice 100 voip
 destination-pattern 9T
 session protocol sipv2
 session target ipv4:198.51.100.20:5060
 codec g711ulaw
end""")
B = "SEP000F8FC7B681"  # 202
REMOTE_MEDIA = ("198.51.100.77", 41000)


class Udp:
    """The SIP listener's UDP socket, as the trunk gateway writes to it."""

    def __init__(self):
        self.sent: list = []

    def write_message(self, message, address):
        self.sent.append((parse_datagram(message.encode()), address))

    def requests(self, method):
        return [m for m, _ in self.sent if isinstance(m, Request) and m.method == method]


@pytest.fixture
def lab():
    ex = Exchange(CONFIG)
    cti = CTIGateway(ex.config, ex.telephony, ex.clock)
    trunks = TrunkGateway(ex.config, ex.telephony.switch, cti.core, ex.clock, local_host="127.0.0.1", local_port=5060)
    trunks.udp = Udp()
    ex.telephony.switch.trunks = cti.trunks = trunks
    flow = Flow()
    ask = asker(ex, cti, flow, open_session(ex, cti, flow))

    ask(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>201</deviceObject></monitorObject></MonitorStart>')
    yield ex, cti, trunks, flow, ask
    ex.close()


def dvo(ask, remote="95551234", called="202"):
    return ask(f'<MakeCall xmlns="{ED3}"><callingDevice>{remote}</callingDevice>'
               f'<calledDirectoryNumber>{called}</calledDirectoryNumber><autoOriginate>prompt</autoOriginate></MakeCall>')


def events(flow):
    out = []
    for m in flow.sent:
        if isinstance(m, Request) and m.method == "INFO":
            out.append(etree.fromstring(m.body))
    return out


def names(flow):
    return [etree.QName(e).localname for e in events(flow)]


def field(event, name):
    found = event.find(f".//{{{ED3}}}{name}")
    return None if found is None else "".join(found.itertext()).strip()


def far_answers(ex, core, invite, status=200, media=REMOTE_MEDIA):
    body = sdp.build(address=media[0], port=media[1], codecs=["g711ulaw"], session_id=9, version=1)
    response = invite.response(status, to_tag="remote1", body=body if status == 200 else b"",
                               content_type="application/sdp" if status == 200 else None,
                               headers=[("Contact", "<sip:95551234@198.51.100.20:5060>")] if status < 300 else [])
    core.receive(response, _FarFlow())
    ex.settle()


class _FarFlow:
    reliable, transport_name, peer = False, "UDP", ("198.51.100.20", 5060)

    def send(self, message):
        pass


def test_the_remote_phone_rings_first_then_the_destination_and_201s_monitor_sees_201s_call(lab):
    ex, cti, trunks, flow, ask = lab
    b = ex.phone(B)
    response = dvo(ask)
    assert etree.QName(etree.fromstring(response)).localname == "MakeCallResponse"
    (invite,) = trunks.udp.requests("INVITE")
    assert invite.uri.user == "95551234" and invite.from_.uri.user == "201"  # presenting 201
    assert not b.ringing()  # the destination waits for the remote phone
    far = trunks.udp.sent[0][1]
    assert far == ("198.51.100.20", 5060)
    cti.core.receive(invite.response(180, to_tag="remote1"), _FarFlow())
    ex.settle()
    far_answers(ex, cti.core, invite)
    assert trunks.udp.requests("ACK")
    assert b.ringing()  # now 202 rings, called from 201
    (ring,) = [c for c in b.calls().values()]
    b.do("answer")
    ex.settle()
    # the remote phone is re-INVITEd to 202's media; 202 sends to the remote phone's
    reinvite = trunks.udp.requests("INVITE")[-1]
    assert reinvite is not invite and f"c=IN IP4 {b.ip}".encode() in reinvite.body
    assert b"a=sendrecv" in reinvite.body
    (ch,) = b.transmissions.values()
    assert (str(ch.remote_ip), ch.remote_port) == REMOTE_MEDIA
    seen = names(flow)
    assert seen[:2] == ["ServiceInitiatedEvent", "NetworkReachedEvent"]
    assert seen.index("OriginatedEvent") < seen.index("DeliveredEvent") < seen.index("EstablishedEvent")
    reached = events(flow)[1]
    assert field(reached, "networkInterfaceUsed") == "95551234"  # the remote leg, named
    originated = events(flow)[seen.index("OriginatedEvent")]
    assert (field(originated, "callingDevice"), field(originated, "calledDevice")) == ("201", "202")
    # clearing the destination clears the remote leg too (BYE), and nothing is left
    b.do("on_hook")
    ex.settle()
    (bye,) = trunks.udp.requests("BYE")
    cti.core.receive(bye.response(200), _FarFlow())
    ex.settle()
    assert "ConnectionClearedEvent" in names(flow)
    assert ex.line_connections() == {1: [], 2: [], 3: [], 4: []}
    assert not trunks.legs


def test_the_remote_phone_hanging_up_clears_the_destination(lab):
    ex, cti, trunks, flow, ask = lab
    b = ex.phone(B)
    dvo(ask)
    (invite,) = trunks.udp.requests("INVITE")
    far_answers(ex, cti.core, invite)
    b.do("answer")
    ex.settle()
    ack = trunks.udp.requests("ACK")[0]
    bye = parse_datagram(
        (f"BYE sip:201@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bKrbye\r\n"
         f"Max-Forwards: 70\r\nFrom: {ack.to}\r\nTo: {ack.from_}\r\nCall-ID: {invite.call_id}\r\n"
         "CSeq: 5 BYE\r\nContent-Length: 0\r\n\r\n").encode())
    far = _Recorder()
    cti.core.receive(bye, far)
    ex.settle()
    assert [m.status for m in far.sent] == [200]
    assert not [c for c in b.calls().values() if c.state not in (CallState.ON_HOOK, CallState.IDLE)]
    assert ex.line_connections() == {1: [], 2: [], 3: [], 4: []}
    assert not trunks.legs


def test_a_remote_phone_that_is_busy_ends_the_call_before_the_destination_rings(lab):
    ex, cti, trunks, flow, ask = lab
    b = ex.phone(B)
    dvo(ask)
    (invite,) = trunks.udp.requests("INVITE")
    far_answers(ex, cti.core, invite, status=486)
    assert not b.ringing()
    assert names(flow)[-1] == "ConnectionClearedEvent"
    assert ex.line_connections() == {1: [], 2: [], 3: [], 4: []}
    assert not trunks.legs


@pytest.mark.parametrize("remote,error", [("95550000", "privilegeViolationSpecifiedDevice"),
                                          ("299", "invalidCallingDeviceID")])
def test_only_the_lines_snr_number_may_be_rung_first(lab, remote, error):
    ex, cti, trunks, flow, ask = lab
    body = dvo(ask, remote=remote)
    assert field(etree.fromstring(body), "operation") == error
    assert not trunks.udp.sent and not trunks.legs


class _Recorder(_FarFlow):
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)
