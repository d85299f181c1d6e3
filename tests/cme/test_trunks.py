"""The trunk gateway as a SIP transaction user, over a real core with a fake flow and the
actors on a task.Clock: what an INVITE from a trunk peer may start, and bad input.

Every refusal leaves nothing behind: no trunk line, no leg, no dialog, no call on 201.
"""
from __future__ import annotations

import pytest

from cme.cti import CTIGateway
from cme.testing import Exchange
from cme.trunks import TrunkGateway
from sccp.enums import CallState
from sip.framing import parse_datagram
from tests.sip.test_core import FakeFlow

CONFIG = """
hostname lab
voice service voip
 no cti shutdown
 ip address trusted list
  ipv4 192.0.2.0 255.255.255.0
voice register global
 mode cme
 source-address 127.0.0.1 port 5060
telephony-service
 ip source-address 127.0.0.1 port 2000
ephone-dn 1
 number 201
 cti watch
ephone 1
 mac-address 0000.0000.0001
 button 1:1
dial-peer voice 200 voip
 incoming called-number 20.
 session protocol sipv2
dial-peer voice 100 voip
 destination-pattern 9T
 session protocol sipv2
 session target ipv4:198.51.100.20:5060
"""
A = "SEP000000000001"
SDP = ("v=0\r\no=gw 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
       "m=audio 30000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def invite(*, to="201", body=SDP, branch="z9hG4bKin1", call_id="in-1@192.0.2.7", ctype="application/sdp"):
    payload = body.encode()
    text = (f"INVITE sip:{to}@127.0.0.1 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 192.0.2.7:5070;branch={branch}\r\n"
            "Max-Forwards: 70\r\n"
            "From: \"Outside\" <sip:5551234@192.0.2.7>;tag=gw1\r\n"
            f"To: <sip:{to}@127.0.0.1>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\n"
            "Contact: <sip:5551234@192.0.2.7:5070>\r\n"
            + (f"Content-Type: {ctype}\r\n" if payload else "")
            + f"Content-Length: {len(payload)}\r\n\r\n")
    return parse_datagram(text.encode() + payload)


@pytest.fixture
def ex():
    ex = Exchange(CONFIG)
    cti = CTIGateway(ex.config, ex.telephony, ex.clock)
    trunks = TrunkGateway(ex.config, ex.telephony.switch, cti.core, ex.clock, local_host="127.0.0.1", local_port=5060)
    ex.telephony.switch.trunks = cti.trunks = trunks
    ex.cti, ex.trunks = cti, trunks
    yield ex
    ex.close()


def statuses(flow):
    return [m.status for m in flow.sent if hasattr(m, "status")]


def nothing_left(ex):
    assert not ex.trunks.legs and not len(ex.trunks.dialogs) and not ex.trunks.pending
    assert ex.line_connections() == {1: []}
    directory = ex.telephony.directory
    assert not [k for k in directory if isinstance(k, int) and k < 0 and directory.get(k) is not None]  # no trunk line


def test_an_invite_from_a_trunk_rings_201_and_the_answer_carries_the_phones_media(ex):
    a, flow = ex.phone(A), FakeFlow()
    ex.cti.core.receive(invite(), flow)
    ex.settle()
    assert statuses(flow) == [100, 180]
    assert a.ringing()
    a.do("answer")
    ex.settle()
    ok = flow.sent[-1]
    assert ok.status == 200 and ok.content_type == "application/sdp"
    assert f"c=IN IP4 {a.ip}".encode() in ok.body and f"m=audio {a.rtp_port} ".encode() in ok.body
    (ch,) = a.transmissions.values()
    assert (str(ch.remote_ip), ch.remote_port) == ("192.0.2.7", 30000)


@pytest.mark.parametrize("body,status", [("v=0\r\nthis is not sdp\r\n", 488),
                                         (SDP.replace("RTP/AVP 0", "RTP/AVP 18").replace("0 PCMU", "18 G729"), 488),
                                         ("", 488)])
def test_sdp_that_does_not_parse_or_shares_no_codec_gets_488_and_nothing_starts(ex, body, status):
    ex.phone(A)
    flow = FakeFlow()
    ex.cti.core.receive(invite(body=body), flow)
    ex.settle()
    assert statuses(flow) == [status]
    nothing_left(ex)


def test_a_host_outside_the_trusted_list_gets_403(ex):
    ex.phone(A)
    flow = FakeFlow()
    flow.peer = ("203.0.113.66", 5060)
    ex.cti.core.receive(invite(), flow)
    ex.settle()
    assert statuses(flow) == [403]
    nothing_left(ex)
    # refused before the core keeps anything: no transaction to absorb its retransmissions
    assert ex.cti.core.stats()["transactions"] == 0 and ex.cti.core.stats()["refused"] == 1


def test_a_dial_peer_target_counts_as_trusted(ex):
    ex.phone(A)
    flow = FakeFlow()
    flow.peer = ("198.51.100.20", 5060)
    ex.cti.core.receive(invite(), flow)
    ex.settle()
    assert statuses(flow) == [100, 180]


def test_an_invite_with_no_hops_left_gets_483(ex):
    ex.phone(A)
    flow = FakeFlow()
    request = invite()
    request.headers.set("Max-Forwards", "0")
    ex.cti.core.receive(request, flow)
    ex.settle()
    assert statuses(flow) == [483]
    nothing_left(ex)


def test_a_number_that_is_no_dn_gets_404(ex):
    ex.phone(A)
    flow = FakeFlow()
    ex.cti.core.receive(invite(to="299"), flow)
    ex.settle()
    assert statuses(flow) == [404]
    nothing_left(ex)


def test_a_bye_for_an_unknown_dialog_gets_481():
    ex = Exchange(CONFIG)
    try:
        cti = CTIGateway(ex.config, ex.telephony, ex.clock)
        cti.trunks = TrunkGateway(ex.config, ex.telephony.switch, cti.core, ex.clock, local_host="127.0.0.1",
                                  local_port=5060)
        flow = FakeFlow()
        bye = parse_datagram(
            b"BYE sip:201@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKbye9\r\n"
            b"Max-Forwards: 70\r\nFrom: <sip:5551234@192.0.2.7>;tag=gw1\r\nTo: <sip:201@127.0.0.1>;tag=nope\r\n"
            b"Call-ID: nobody@192.0.2.7\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n")
        cti.core.receive(bye, flow)
        assert statuses(flow) == [481]
    finally:
        ex.close()


def test_the_far_end_cancelling_while_201_rings_clears_everything(ex):
    a, flow = ex.phone(A), FakeFlow()
    ex.cti.core.receive(invite(), flow)
    ex.settle()
    assert a.ringing()
    cancel = parse_datagram(
        b"CANCEL sip:201@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKin1\r\n"
        b"Max-Forwards: 70\r\nFrom: \"Outside\" <sip:5551234@192.0.2.7>;tag=gw1\r\nTo: <sip:201@127.0.0.1>\r\n"
        b"Call-ID: in-1@192.0.2.7\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n")
    ex.cti.core.receive(cancel, flow)
    ex.settle()
    assert sorted(statuses(flow))[-2:] == [200, 487]
    assert not [c for c in a.calls().values() if c.state not in (CallState.ON_HOOK, CallState.IDLE)]
    nothing_left(ex)


def test_a_call_out_with_no_reachable_peer_gives_reorder_and_leaks_nothing(ex):
    a = ex.phone(A)  # no UDP socket in this test: the dial-peer cannot be reached
    a.do("off_hook").do("dial", "95551234#")
    ex.settle()
    (call,) = a.calls().values()
    assert call.state == CallState.INVALID_NUMBER
    a.do("on_hook")
    ex.settle()
    nothing_left(ex)


def test_the_cli_shows_a_trunk_call_while_it_lasts(ex):
    from types import SimpleNamespace

    from cme.cli.trunks import show_call_active_voice_brief, show_sip_ua_calls
    ctx = SimpleNamespace(app=SimpleNamespace(trunks=ex.trunks))
    assert show_sip_ua_calls(ctx).startswith("Total SIP call legs:0")
    a, flow = ex.phone(A), FakeFlow()
    ex.cti.core.receive(invite(), flow)
    ex.settle()
    a.do("answer")
    ex.settle()
    text = show_sip_ua_calls(ctx)
    assert "User Agent Server:1" in text and "in-1@192.0.2.7" in text and "CONFIRMED" in text
    assert "Calling Number          : 5551234" in text and "Remote media            : 192.0.2.7:30000" in text
    assert "pid:200 5551234 -> 201 CONFIRMED" in show_call_active_voice_brief(ctx)
    a.do("on_hook")
    ex.settle()
    (bye,) = [m for m in flow.sent if getattr(m, "method", None) == "BYE"]
    assert "ENDING" in show_sip_ua_calls(ctx)  # until the far end answers the BYE
    ex.cti.core.receive(bye.response(200), flow)
    ex.settle()
    assert show_sip_ua_calls(ctx).startswith("Total SIP call legs:0")
    nothing_left(ex)


def test_the_amplification_guard_trusts_only_the_listed_networks_and_dial_peer_targets(ex):
    """What the gateway gives the core as `trusted` (answered in full over UDP)."""
    vouches = ex.cti.core.trusted
    assert vouches("192.0.2.7") and vouches("198.51.100.20")
    assert not vouches("203.0.113.66") and not vouches("gw.example")
    ex.config.voip.trusted_list, ex.config.voip.trusted = False, []
    assert vouches("198.51.100.20")  # the target still
    assert not vouches("192.0.2.7")  # no list: nobody else is trusted by default


def test_a_trunk_call_on_a_flow_keeps_it_busy(ex):
    ex.phone(A)
    flow = FakeFlow()
    flow.peer = ("198.51.100.20", 5060)
    assert not ex.cti.flow_busy(flow)
    ex.cti.core.receive(invite(), flow)
    ex.settle()
    assert ex.trunks.flow_busy(flow) and ex.cti.flow_busy(flow)
