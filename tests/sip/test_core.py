"""UASCore: transactions run on a task.Clock, OPTIONS, inspection, the default TU."""
from __future__ import annotations

from twisted.internet import task

from sip.core import UASCore
from sip.framing import parse_datagram
from sip.message import Request, Response


class FakeFlow:
    def __init__(self, reliable: bool = False):
        self.reliable = reliable
        self.transport_name = "TCP" if reliable else "UDP"
        self.peer = ("192.0.2.7", 5070)
        self.sent: list = []

    def send(self, message):
        self.sent.append(message)


def request(method: str = "OPTIONS", *, to_tag: str | None = None, branch: str = "z9hG4bKabc",
            transport: str = "UDP", extra: str = "") -> Request:
    to = "<sip:201@cme.example>" + (f";tag={to_tag}" if to_tag else "")
    text = (f"{method} sip:201@cme.example SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} 192.0.2.7:5070;branch={branch}\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:app@192.0.2.7>;tag=f1\r\n"
            f"To: {to}\r\n"
            "Call-ID: call-1@192.0.2.7\r\n"
            f"CSeq: 7 {method}\r\n{extra}"
            "Content-Length: 0\r\n\r\n")
    message = parse_datagram(text.encode())
    assert isinstance(message, Request)
    return message


def test_options_answered_200_with_capabilities():
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock)
    req = request()
    core.receive(req, flow)
    [resp] = flow.sent
    assert isinstance(resp, Response) and resp.status == 200
    for name in ("Via", "From", "Call-ID", "CSeq"):
        assert resp.headers.get(name) == req.headers.get(name)
    assert resp.to_tag
    assert "INVITE" in resp.headers.get("Allow") and "OPTIONS" in resp.headers.get("Allow")
    assert resp.headers.get("Accept") == "application/csta+xml"
    assert resp.headers.get("Supported") == "timer"


def test_udp_transaction_lingers_for_timer_j_then_goes():
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock)
    core.receive(request(), flow)
    core.receive(request(), flow)  # retransmission: the same response again
    assert len(flow.sent) == 2 and flow.sent[0] is flow.sent[1]
    assert core.stats()["transactions"] == 1 and core.stats()["retransmissions"] == 1
    clock.advance(32)
    assert core.stats()["transactions"] == 0 and core.stats()["timers"] == 0
    assert clock.getDelayedCalls() == []


def test_tcp_transaction_ends_at_once():
    clock, flow = task.Clock(), FakeFlow(reliable=True)
    core = UASCore(clock)
    core.receive(request(transport="TCP"), flow)
    assert flow.sent[0].status == 200
    assert core.stats()["transactions"] == 0 and clock.getDelayedCalls() == []


def test_default_tu_481_in_dialog_and_501_otherwise():
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock)
    core.receive(request("INFO", to_tag="gone"), flow)
    core.receive(request("INVITE", branch="z9hG4bKinv"), flow)
    core.receive(request("BYE", to_tag="gone", branch="z9hG4bKbye"), flow)
    assert [r.status for r in flow.sent] == [481, 501, 481]
    assert flow.sent[0].to_tag == "gone"


def test_inspection_rejects_before_the_tu():
    seen = []
    core = UASCore(task.Clock(), on_request=lambda *a: seen.append(a))
    flow = FakeFlow()
    core.receive(request("SUBSCRIBE"), flow)  # known method, not allowed
    core.receive(request("INFO", branch="z9hG4bK2", extra="Require: 100rel\r\n"), flow)
    assert [r.status for r in flow.sent] == [405, 420]
    assert seen == [] and core.stats()["rejected"] == 2


def test_tu_gets_request_transaction_and_flow_and_responds():
    seen = []
    core = UASCore(task.Clock(), on_request=lambda req, tx, flow: seen.append((req, tx, flow)))
    flow = FakeFlow()
    req = request("INFO", to_tag="t1")
    core.receive(req, flow)
    [(got, tx, got_flow)] = seen
    assert got is req and got_flow is flow and flow.sent == []
    core.respond(tx, req.response(200))
    assert [r.status for r in flow.sent] == [200]


def test_tu_exception_answers_500():
    def broken(req, tx, flow):
        raise RuntimeError("boom")
    core = UASCore(task.Clock(), on_request=broken)
    flow = FakeFlow()
    core.receive(request("INFO", to_tag="t1"), flow)
    assert [r.status for r in flow.sent] == [500]
    assert core.stats()["tu_errors"] == 1


def test_invite_response_retransmitted_on_udp_until_timer_h():
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock)
    core.receive(request("INVITE", branch="z9hG4bKinv"), flow)
    assert [r.status for r in flow.sent] == [501]
    clock.advance(0.5)  # Timer G: T1
    assert [r.status for r in flow.sent] == [501, 501]
    clock.pump([1] * 40)  # Timer H: 64*T1
    assert core.stats()["transactions"] == 0 and clock.getDelayedCalls() == []


def test_stray_response_dropped():
    core = UASCore(task.Clock())
    flow = FakeFlow()
    resp = request().response(200)
    core.receive(resp, flow)
    assert flow.sent == [] and core.stats()["stray_responses"] == 1


# -- requests the server sends (INFO with CSTA events, BYE) ---------------------------------
def info(branch: str = "z9hG4bKsrv1", transport: str = "UDP") -> Request:
    text = ("INFO sip:app@192.0.2.7:5070 SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} 127.0.0.1:5060;branch={branch}\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:201@cme.example>;tag=s1\r\n"
            "To: <sip:app@192.0.2.7>;tag=f1\r\n"
            "Call-ID: call-1@192.0.2.7\r\n"
            "CSeq: 2 INFO\r\n"
            "Content-Length: 0\r\n\r\n")
    message = parse_datagram(text.encode())
    assert isinstance(message, Request)
    return message


def answer(req: Request, status: int) -> Response:
    return parse_datagram(req.response(status).encode())


def test_a_request_we_send_hears_its_final_response_once():
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock)
    heard = []
    req = info()
    core.send_request(req, flow, heard.append)
    assert flow.sent == [req]
    core.receive(answer(req, 100), flow)  # provisional: not an answer yet
    assert heard == []
    core.receive(answer(req, 200), flow)
    core.receive(answer(req, 200), flow)  # retransmitted final: absorbed
    assert [r.status for r in heard] == [200]
    clock.advance(60)
    assert core.stats()["transactions"] == 0 and core.stats()["timers"] == 0
    assert len(heard) == 1


def test_no_answer_over_udp_is_retransmitted_then_none_after_timer_f():
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock)
    heard = []
    core.send_request(info(), flow, heard.append)
    clock.pump([0.5] * 63)  # 31.5 s: E retransmits (0.5, 1, 2, 4, 4, …), F not yet
    assert len(flow.sent) > 5 and heard == []
    clock.advance(0.5)  # Timer F = 64 x T1 = 32 s: the application is gone
    assert heard == [None]
    assert core.stats()["transactions"] == 0


def test_a_lost_stream_answers_none_at_once():
    clock, flow = task.Clock(), FakeFlow(reliable=True)
    core = UASCore(clock)
    heard = []
    core.send_request(info(transport="TCP"), flow, heard.append)
    assert len(flow.sent) == 1  # no retransmission over TCP
    core.flow_lost(flow)
    assert heard == [None]
    assert core.stats()["transactions"] == 0 and core.stats()["timers"] == 0


# -- a trunk's INVITEs, their CANCEL and ACK -----------------------------------------------
def trunk_invite(branch: str = "z9hG4bKtr1", transport: str = "UDP") -> Request:
    text = ("INVITE sip:5551234@198.51.100.5 SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} 192.0.2.1:5060;branch={branch}\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:201@192.0.2.1>;tag=ours1\r\n"
            "To: <sip:5551234@198.51.100.5>\r\n"
            "Call-ID: trunk-1@192.0.2.1\r\n"
            "CSeq: 1 INVITE\r\n"
            "Contact: <sip:201@192.0.2.1:5060>\r\n"
            "Content-Length: 0\r\n\r\n")
    message = parse_datagram(text.encode())
    assert isinstance(message, Request)
    return message


def test_send_invite_hears_every_response_and_nothing_more():
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock)
    heard = []
    inv = trunk_invite()
    tx = core.send_invite(inv, flow, heard.append)
    assert flow.sent == [inv] and core.stats()["invites"] == 1
    ringing, ok = answer(inv, 180), answer(inv, 200)
    for response in (answer(inv, 100), ringing, ok, ok):
        core.receive(response, flow)
    assert [r.status for r in heard] == [100, 180, 200, 200]
    assert flow.sent == [inv]  # the 2xx's ACK is the TU's (send_stateless)
    clock.advance(32)  # Timer M
    assert tx.terminated and core.stats()["transactions"] == 0
    assert len(heard) == 4  # no None after a final response


def test_send_invite_error_final_is_acked_to_where_the_invite_went():
    clock, flow, elsewhere = task.Clock(), FakeFlow(), FakeFlow()
    core = UASCore(clock)
    heard = []
    inv = trunk_invite()
    core.send_invite(inv, flow, heard.append)
    busy = answer(inv, 486)
    core.receive(busy, elsewhere)
    core.receive(busy, elsewhere)
    assert [r.status for r in heard] == [486]
    assert [m.method for m in flow.sent] == ["INVITE", "ACK", "ACK"] and elsewhere.sent == []
    clock.advance(32)  # Timer D
    assert core.stats()["transactions"] == 0 and heard == [busy]


def test_send_invite_no_answer_is_none_once_and_max_sends_gives_up_early():
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock)
    heard = []
    core.send_invite(trunk_invite(), flow, heard.append)
    clock.pump([0.5] * 63)  # 31.5 s: A at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5
    assert heard == [] and len(flow.sent) == 7
    clock.advance(0.5)
    assert heard == [None] and core.stats()["transactions"] == 0
    heard.clear()
    flow.sent.clear()
    core.send_invite(trunk_invite(branch="z9hG4bKtr2"), flow, heard.append, max_sends=2)
    clock.pump([0.5] * 3)  # sent at 0 and 0.5; at 1.5 the third would go: given up
    assert heard == [None] and len(flow.sent) == 2


def test_send_invite_over_a_lost_stream_is_none_at_once():
    clock, flow = task.Clock(), FakeFlow(reliable=True)
    core = UASCore(clock)
    heard = []
    core.send_invite(trunk_invite(transport="TCP"), flow, heard.append)
    core.flow_lost(flow)
    assert heard == [None] and core.stats()["timers"] == 0


def test_send_stateless_sends_once_in_no_transaction():
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock)
    ack = parse_datagram(trunk_invite().encode().replace(b"1 INVITE", b"1 ACK")
                         .replace(b"INVITE sip:", b"ACK sip:"))
    core.send_stateless(ack, flow)
    assert flow.sent == [ack] and core.stats()["transactions"] == 0
    assert clock.getDelayedCalls() == [] and core.stats()["sent"] == 1


def test_cancel_waits_for_a_provisional():
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock)
    heard = []
    inv = trunk_invite()
    tx = core.send_invite(inv, flow, heard.append)
    assert core.cancel(tx) is None          # §9.1: nothing to cancel yet
    assert core.cancel(tx) is None          # asked twice: still one CANCEL
    clock.advance(0.5)
    assert [m.method for m in flow.sent] == ["INVITE", "INVITE"]
    core.receive(answer(inv, 100), flow)
    cancel = flow.sent[-1]
    assert cancel.method == "CANCEL" and cancel.branch == inv.branch
    assert str(cancel.cseq) == "1 CANCEL" and [r.status for r in heard] == [100]
    core.receive(answer(inv, 180), flow)
    assert [m.method for m in flow.sent].count("CANCEL") == 1
    core.receive(answer(cancel, 200), flow)
    core.receive(answer(inv, 487), flow)
    assert [r.status for r in heard] == [100, 180, 487]
    assert flow.sent[-1].method == "ACK" and core.stats()["cancels"] == 1
    clock.advance(32)
    assert core.stats()["transactions"] == 0 and core.stats()["timers"] == 0


def test_cancel_in_proceeding_goes_at_once_and_a_missing_487_ends_the_invite():
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock)
    heard = []
    inv = trunk_invite()
    tx = core.send_invite(inv, flow, heard.append)
    core.receive(answer(inv, 183), flow)
    ctx = core.cancel(tx)
    assert ctx is not None and flow.sent[-1] is ctx.request and ctx.request.method == "CANCEL"
    assert core.cancel(tx) is None          # one CANCEL per INVITE
    core.receive(answer(ctx.request, 200), flow)
    clock.advance(32)                       # no 487 in 64*T1: given up (§9.1)
    assert heard[-1] is None and tx.terminated


def test_held_cancel_is_dropped_when_a_final_comes_first_and_none_after_a_final():
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock)
    inv = trunk_invite()
    tx = core.send_invite(inv, flow, lambda r: None)
    core.cancel(tx)
    core.receive(answer(inv, 200), flow)   # answered before any 1xx: no CANCEL
    assert [m.method for m in flow.sent] == ["INVITE"]
    assert core.cancel(tx) is None
    assert core.stats()["cancels"] == 0


def test_tu_failing_on_a_response_is_counted_and_the_transaction_goes_on():
    def broken(response):
        raise RuntimeError("boom")
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock)
    inv = trunk_invite()
    tx = core.send_invite(inv, flow, broken)
    core.receive(answer(inv, 180), flow)
    core.receive(answer(inv, 486), flow)
    assert core.stats()["tu_errors"] == 2 and tx.state == "completed"


# -- relaying UAs: Max-Forwards and loops --------------------------------------------------
def test_a_relaying_ua_answers_max_forwards_zero_483_but_a_plain_uas_does_not():
    from sip.inspection import UASPolicy
    seen = []
    flow = FakeFlow()
    relay = UASCore(task.Clock(), policy=UASPolicy(relays=True),
                    on_request=lambda *a: seen.append(a))
    zero = parse_datagram(request("INVITE", branch="z9hG4bKmf").encode()
                          .replace(b"Max-Forwards: 70", b"Max-Forwards: 0"))
    relay.receive(zero, flow)
    options = parse_datagram(request().encode().replace(b"Max-Forwards: 70", b"Max-Forwards: 0"))
    relay.receive(options, flow)
    assert [r.status for r in flow.sent] == [483, 200] and seen == []
    plain = UASCore(task.Clock(), on_request=lambda *a: seen.append(a))
    plain.receive(zero, FakeFlow())
    assert len(seen) == 1


def test_our_own_invite_coming_back_is_482_loop_detected():
    from sip.inspection import UASPolicy
    seen = []
    clock, flow = task.Clock(), FakeFlow()
    core = UASCore(clock, policy=UASPolicy(sent_by=frozenset({"192.0.2.1:5060"})),
                   on_request=lambda *a: seen.append(a))
    inv = trunk_invite()
    core.send_invite(inv, flow, lambda r: None)
    # the gateway routes it back to us through a proxy: its Via on top, ours below
    looped = parse_datagram(inv.encode().replace(
        b"Via: SIP/2.0/UDP 192.0.2.1:5060",
        b"Via: SIP/2.0/UDP 198.51.100.9:5060;branch=z9hG4bKprx1\r\n"
        b"Via: SIP/2.0/UDP 192.0.2.1:5060"))
    core.receive(looped, flow)
    assert flow.sent[-1].status == 482 and seen == [] and core.stats()["loops"] == 1
    # a Via of ours with a branch we are not sending, or another host's: no loop
    for via in (b"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKold",
                b"Via: SIP/2.0/UDP 192.0.2.77:5060;branch=z9hG4bKtr1"):
        other = parse_datagram(inv.encode().replace(
            b"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtr1", via)
            .replace(b"trunk-1@", b"trunk-2@" + via[-3:]))
        core.receive(other, flow)
    assert len(seen) == 2


def test_admit_refuses_statelessly_before_any_transaction_or_tu():
    seen, asked = [], []

    def admit(req, flow):
        asked.append((req.method, flow.peer))
        return req.response(403, "Not in the trusted list") if flow.peer[0] == "192.0.2.7" else None

    clock = task.Clock()
    core = UASCore(clock, on_request=lambda *a: seen.append(a), admit=admit)
    flow = FakeFlow()
    core.receive(request("INVITE", branch="z9hG4bKinv"), flow)
    core.receive(request("INVITE", branch="z9hG4bKinv"), flow)  # its retransmission: the same again
    core.receive(request("ACK", branch="z9hG4bKinv"), flow)  # dropped: an ACK has no answer
    core.receive(request("OPTIONS", branch="z9hG4bKopt"), flow)  # even OPTIONS is refused
    assert [(r.status, r.reason) for r in flow.sent] == [(403, "Not in the trusted list")] * 3
    assert seen == [] and core.stats()["transactions"] == 0 and clock.getDelayedCalls() == []
    assert core.stats()["refused"] == 4 and core.stats()["delivered"] == 0
    trusted = FakeFlow()
    trusted.peer = ("198.51.100.1", 5060)
    core.receive(request("INFO", to_tag="t1", branch="z9hG4bKok"), trusted)
    assert len(seen) == 1 and [m for m, _ in asked].count("INFO") == 1  # admitted: the TU has it
