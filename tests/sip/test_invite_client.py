"""The INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §7.2) on a task.Clock: the
transaction's effects carried out by the one Executor, so timer values are checked as a
clock sees them (when each Send happens), not as numbers in StartTimer."""
from __future__ import annotations

import pytest
from twisted.internet import task

from sip.executor import Executor
from sip.message import Request, Response
from sip.parser import parse_message
from sip.timers import Timers
from sip.transaction import (InviteClientTransaction, Timeout, TransactionTable,
                             error_ack)

INVITE = (
    "INVITE sip:5551234@gw.example.net SIP/2.0\r\n"
    "Via: SIP/2.0/{transport} 192.0.2.1:5060;branch=z9hG4bKtrunk1\r\n"
    "Max-Forwards: 69\r\n"
    "Route: <sip:sbc1.example.net;lr>\r\n"
    "Route: <sip:sbc2.example.net;lr>\r\n"
    "From: \"Reception\" <sip:201@192.0.2.1>;tag=ours1\r\n"
    "To: <sip:5551234@gw.example.net>\r\n"
    "Call-ID: trunk-call-1@192.0.2.1\r\n"
    "CSeq: 101 INVITE\r\n"
    "Contact: <sip:201@192.0.2.1:5060>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n\r\nv=0\n"
)


def invite(transport: str = "UDP") -> Request:
    return parse_message(INVITE.format(transport=transport).encode())


def reply(req: Request, status: int, to_tag: str = "gw1") -> Response:
    """The response as the gateway's bytes would parse (so header text is what a wire has)."""
    return parse_message(req.response(status, to_tag=to_tag).encode())


class Flow:
    def __init__(self):
        self.sent: list = []

    def send(self, message):
        self.sent.append(message)


class Harness:
    """One transaction on a clock: what was sent when, what the TU heard."""

    def __init__(self, tx: InviteClientTransaction):
        self.clock, self.flow, self.tx = task.Clock(), Flow(), tx
        self.delivered: list = []
        self.timeouts: list = []
        self.ended = False
        self.times: list[float] = []
        self.executor = Executor(
            self.clock, on_timer=lambda tx, name: self.run(tx.timer_fired(name)),
            on_deliver=lambda tx, m, flow: self.delivered.append(m),
            on_timeout=lambda tx, timer, flow: self.timeouts.append(timer),
            on_terminated=lambda tx: setattr(self, "ended", True))
        self.run(tx.start())

    def run(self, effects):
        before = len(self.flow.sent)
        self.executor.run(self.tx, effects, self.flow)
        self.times += [self.clock.seconds()] * (len(self.flow.sent) - before)

    def receive(self, response):
        self.run(self.tx.receive(response))


def udp(**kw) -> Harness:
    return Harness(InviteClientTransaction(invite(), Timers(), **kw))


def tcp() -> Harness:
    return Harness(InviteClientTransaction(invite("TCP"), Timers(reliable=True)))


# -- Calling: Timer A and Timer B -----------------------------------------------------------
def test_udp_invite_retransmitted_doubling_without_cap_until_timer_b():
    h = udp()
    h.clock.pump([0.25] * 127)  # 31.75 s
    # sent at 0, then A = 0.5, 1, 2, 4, 8, 16 after each other: no T2 cap for INVITE
    assert h.times == [0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
    assert all(m is h.tx.request for m in h.flow.sent)
    assert h.timeouts == [] and not h.ended
    h.clock.advance(0.25)  # Timer B = 64 * T1 = 32 s
    assert h.timeouts == ["B"] and h.ended and h.tx.terminated
    assert h.delivered == [] and h.clock.getDelayedCalls() == []


def test_max_sends_gives_up_one_interval_after_the_last_send():
    h = udp(max_sends=3)  # IOS `retry invite 2`: the INVITE and two retransmissions
    h.clock.pump([0.25] * 14)  # 3.5 s: the third A fires with three sent already
    assert h.times == [0, 0.5, 1.5]
    assert h.timeouts == ["B"] and h.tx.terminated and h.clock.getDelayedCalls() == []


def test_max_sends_one_is_no_retransmission_and_zero_is_refused():
    h = udp(max_sends=1)
    h.clock.advance(0.5)
    assert h.times == [0] and h.timeouts == ["B"]
    with pytest.raises(ValueError):
        InviteClientTransaction(invite(), max_sends=0)
    with pytest.raises(ValueError):
        InviteClientTransaction(parse_message(INVITE.replace("INVITE", "OPTIONS")
                                              .format(transport="UDP").encode()))


def test_tcp_sends_once_and_times_out_after_b():
    h = tcp()
    h.clock.advance(31.9)
    assert h.times == [0] and h.timeouts == []
    h.clock.advance(0.1)
    assert h.timeouts == ["B"] and h.ended


def test_transport_error_while_calling_times_out_once():
    h = udp()
    h.run(h.tx.transport_error())
    assert h.timeouts == ["transport"] and h.ended and h.clock.getDelayedCalls() == []
    assert h.tx.transport_error() == []


# -- Proceeding -------------------------------------------------------------------------
def test_a_provisional_stops_retransmission_and_timer_b_and_each_goes_up():
    h = udp()
    trying, ringing = reply(h.tx.request, 100), reply(h.tx.request, 180)
    h.clock.advance(0.5)
    h.receive(trying)
    assert h.tx.state == "proceeding"
    h.receive(ringing)
    h.receive(ringing)  # a retransmitted 1xx goes up too: the TU decides what is new
    h.clock.advance(120)
    assert h.times == [0, 0.5] and h.timeouts == [] and not h.ended
    assert h.delivered == [trying, ringing, ringing]


def test_a_cancelled_invite_with_no_final_is_given_up_after_64_t1():
    h = udp()
    h.receive(reply(h.tx.request, 180))
    h.clock.advance(100)
    h.run(h.tx.cancelled())
    h.clock.advance(31.9)
    assert h.timeouts == []
    h.clock.advance(0.1)
    assert h.timeouts == ["B"] and h.ended


def test_cancelled_in_calling_does_nothing_and_a_487_stops_the_cancel_timer():
    h = udp()
    assert h.tx.cancelled() == []  # §9.1: the core holds the CANCEL until a 1xx
    h.receive(reply(h.tx.request, 183))
    h.run(h.tx.cancelled())
    h.receive(reply(h.tx.request, 487))
    assert h.tx.state == "completed" and "B" not in h.tx.running_timers
    h.clock.advance(40)
    assert h.timeouts == [] and h.ended


# -- Accepted (RFC 6026) ----------------------------------------------------------------
def test_2xx_goes_to_accepted_and_every_2xx_goes_up_until_timer_m():
    h = udp()
    ok = reply(h.tx.request, 200)
    fork = reply(h.tx.request, 200, to_tag="gw2")
    h.receive(ok)
    assert h.tx.state == "accepted" and h.tx.last_response is ok
    h.receive(ok)                               # a retransmission: the TU ACKs it again
    h.receive(fork)                             # another fork's 2xx
    h.receive(reply(h.tx.request, 180))         # absorbed
    h.receive(reply(h.tx.request, 486))         # absorbed: no ACK from the transaction
    assert h.delivered == [ok, ok, fork]
    assert h.flow.sent == [h.tx.request]       # the ACK of a 2xx is not the transaction's
    h.clock.advance(0.5)
    assert len(h.flow.sent) == 1               # Timer A stopped
    h.clock.advance(31.4)
    assert not h.ended
    h.clock.advance(0.1)                        # Timer M = 64 * T1
    assert h.ended and h.timeouts == [] and h.clock.getDelayedCalls() == []


def test_2xx_over_tcp_still_waits_timer_m_for_forks():
    h = tcp()
    h.receive(reply(h.tx.request, 200))
    assert h.tx.state == "accepted" and not h.ended
    h.clock.advance(32)
    assert h.ended


# -- Completed: the transaction's own ACK --------------------------------------------------
def test_error_final_is_acked_as_17_1_1_3_says_and_goes_up_once():
    h = udp()
    h.receive(reply(h.tx.request, 100))
    busy = reply(h.tx.request, 486)
    h.receive(busy)
    assert h.tx.state == "completed" and h.delivered[-1] is busy
    ack = h.flow.sent[-1]
    assert h.tx.ack is ack
    inv = h.tx.request
    assert ack.method == "ACK" and ack.uri == inv.uri
    assert ack.headers.get_all("Via") == ["SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtrunk1"]
    assert ack.headers.get("From") == inv.headers.get("From")
    assert ack.headers.get("To") == busy.headers.get("To") and ack.to_tag == "gw1"
    assert ack.call_id == inv.call_id and str(ack.cseq) == "101 ACK"
    assert ack.headers.get_all("Route") == ["<sip:sbc1.example.net;lr>",
                                            "<sip:sbc2.example.net;lr>"]
    assert ack.max_forwards == 69 and ack.body == b"" and "Contact" not in ack.headers
    assert "Content-Type" not in ack.headers
    wire = parse_message(ack.encode())
    assert wire.method == "ACK" and wire.headers.get("Content-Length") == "0"
    # a retransmitted final: the same ACK again, nothing more for the TU
    h.receive(busy)
    h.receive(reply(h.tx.request, 200))   # absorbed in Completed
    assert h.flow.sent[-2:] == [ack, ack] and h.delivered.count(busy) == 1
    assert len(h.delivered) == 2


def test_timer_d_is_32_s_on_udp_and_zero_on_tcp():
    h = udp()
    h.receive(reply(h.tx.request, 503))
    h.clock.advance(31.9)
    assert not h.ended
    h.clock.advance(0.1)
    assert h.ended and h.timeouts == []
    t = tcp()
    t.receive(reply(t.tx.request, 404))
    assert t.ended and t.tx.terminated and len(t.flow.sent) == 2  # INVITE, ACK


def test_error_ack_of_an_invite_without_route_or_max_forwards():
    inv = parse_message(INVITE.format(transport="UDP")
                        .replace("Route: <sip:sbc1.example.net;lr>\r\n", "")
                        .replace("Route: <sip:sbc2.example.net;lr>\r\n", "").encode())
    ack = error_ack(inv, reply(inv, 404, to_tag="x9"))
    assert "Route" not in ack.headers and ack.to_tag == "x9"


# -- the table ---------------------------------------------------------------------------
def test_table_builds_an_invite_client_transaction_and_routes_its_responses():
    table = TransactionTable()
    inv = invite()
    tx, effects = table.send_request(inv, max_sends=2)
    assert isinstance(tx, InviteClientTransaction) and tx.max_sends == 2
    assert effects[0].message is inv and len(table) == 1
    assert table.sent_invite("z9hG4bKtrunk1") and not table.sent_invite("z9hG4bKother")
    ringing = reply(inv, 180)
    assert table.receive_response(ringing)[0] is tx and tx.state == "proceeding"
    # a CANCEL has the INVITE's branch: a transaction of its own beside it
    cancel = parse_message(INVITE.format(transport="UDP").replace("101 INVITE", "101 CANCEL")
                           .replace("INVITE sip:", "CANCEL sip:").encode())
    ctx, _ = table.send_request(cancel)
    assert ctx is not tx and len(table) == 2
    assert table.receive_response(reply(cancel, 200))[0] is ctx
    effects = table.receive_response(reply(inv, 487))[1]
    assert tx.state == "completed" and table.timer_fired(tx, "D")[-1].reason == "completed"
    assert len(table) == 1 and not table.sent_invite("z9hG4bKtrunk1")


def test_table_timeout_forgets_the_invite():
    table = TransactionTable()
    tx, _ = table.send_request(invite("TCP"))
    assert tx.timers.reliable  # from the Via
    assert table.timer_fired(tx, "B")[0] == Timeout("B")
    assert len(table) == 0
