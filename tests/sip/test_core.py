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
