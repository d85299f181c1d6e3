"""Call detail records of calls through a dial-peer: the DN's leg and the trunk leg, the
far end played by feeding SIP into the core (tests/cme/test_trunk_calls.py's lab)."""
import pytest

from tests.cme.test_trunk_calls import FAR_SDP, TrunkLab, make_call


@pytest.fixture
def lab():
    lab = TrunkLab()
    lab.records = []
    lab.ex.telephony.switch.accounting = lab.records.append
    yield lab
    lab.ex.close()


def test_click_to_dial_out_through_a_dial_peer_answered_then_the_far_end_hangs_up(lab):
    call_id, invite = make_call(lab)
    lab.far.answer(invite, 180)
    lab.ex.advance(2)
    lab.far.answer(invite, 200, sdp=FAR_SDP)
    lab.ex.advance(12)
    lab.far.request("BYE", invite)
    legs = {r.line: r for r in lab.records}
    dn, trunk = legs["201"], legs["95551234"]
    assert dn.call_id == call_id and dn.gcid == trunk.gcid
    assert (dn.direction, dn.calling, dn.called, dn.peer, dn.dial_peer, dn.features) == (
        "outgoing", "201", "95551234", "95551234", None, ("MakeCall",))
    assert (trunk.direction, trunk.calling, trunk.called, trunk.peer, trunk.dial_peer) == (
        "outgoing", "201", "95551234", "201", 100)  # the call left the building through dial-peer 100
    assert dn.duration == trunk.duration == 12.0
    assert (dn.cleared_by, trunk.cleared_by) == ("remote", "local")  # the network side sent BYE
    assert dn.cause == trunk.cause == "normalClearing"


def test_a_busy_outside_number_is_busy_on_both_legs(lab):
    lab.a.do("off_hook").do("dial", "95551234#")
    (invite,) = lab.far.invites()
    lab.far.answer(invite, 486)
    lab.a.do("on_hook")
    legs = {r.line: r for r in lab.records}
    assert (legs["95551234"].cause, legs["95551234"].q850, legs["95551234"].connect) == ("busy", 17, None)
    assert (legs["201"].cause, legs["201"].q850, legs["201"].cleared_by) == ("busy", 17, "local")


def test_an_inbound_trunk_call_is_incoming_on_its_trunk_leg(lab):
    text = ("INVITE sip:201@127.0.0.1:5060 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bKin1\r\nMax-Forwards: 70\r\n"
            "From: <sip:5550000@198.51.100.20>;tag=in1\r\nTo: <sip:201@127.0.0.1>\r\n"
            "Call-ID: in1@198.51.100.20\r\nCSeq: 1 INVITE\r\nContact: <sip:5550000@198.51.100.20:5060>\r\n"
            f"Content-Type: application/sdp\r\nContent-Length: {len(FAR_SDP)}\r\n\r\n{FAR_SDP}")
    from sip.framing import parse_datagram
    lab.gateway.core.receive(parse_datagram(text.encode()), lab.far.flow)
    lab.ex.settle()
    assert lab.a.ringing()
    lab.a.do("answer")
    lab.ex.advance(4)
    lab.a.do("on_hook")
    legs = {r.line: r for r in lab.records}
    dn, trunk = legs["201"], legs["5550000"]
    assert (dn.direction, dn.calling, dn.called, dn.peer, dn.cleared_by) == ("incoming", "5550000", "201", "5550000", "local")
    assert (trunk.direction, trunk.calling, trunk.called, trunk.dial_peer, trunk.cleared_by) == (
        "incoming", "5550000", "201", 0, "remote")  # no inbound dial-peer matched: IOS's dial-peer 0
    assert dn.duration == trunk.duration == 4.0


def test_the_servers_stop_clears_the_trunk_leg_too(lab):
    call_id, invite = make_call(lab)
    lab.far.answer(invite, 200, sdp=FAR_SDP)
    lab.ex.telephony.clear_calls()
    lab.ex.settle()
    assert sorted((r.line, r.cleared_by) for r in lab.records) == [("201", "system"), ("95551234", "system")]
    assert lab.far.requests("BYE")  # the far end still hears it
