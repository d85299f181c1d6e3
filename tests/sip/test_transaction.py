"""Transactions driven by hand: messages in, effects out, timers fired by the test."""
from __future__ import annotations

import pytest

from fsm.table import IllegalEvent
from sip.message import Request, Response
from sip.parser import parse_message
from sip.timers import Timers, is_reliable
from sip.transaction import (CancelTimer, Deliver, InviteServerTransaction,
                             NonInviteClientTransaction, NonInviteServerTransaction, Send,
                             StartTimer, Terminated, Timeout, TransactionTable,
                             TransactionTableFull, client_key, server_key)

UDP = Timers()
TCP = Timers(reliable=True)


def request(method="INFO", *, branch="z9hG4bKa1", transport="UDP", cseq=2, to_tag="srv",
            from_tag="app", sent_by="192.0.2.7:5060", call_id="c1@192.0.2.7") -> Request:
    to = "<sip:201@cme.example.com>" + (f";tag={to_tag}" if to_tag else "")
    text = (f"{method} sip:201@cme.example.com SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} {sent_by};branch={branch}\r\n"
            f"Max-Forwards: 70\r\nTo: {to}\r\n"
            f"From: <sip:app@example.com>;tag={from_tag}\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
            f"Contact: <sip:app@192.0.2.7:5060>\r\nContent-Length: 0\r\n\r\n")
    return parse_message(text.encode())


def invite(**kw) -> Request:
    kw.setdefault("to_tag", None)
    kw.setdefault("cseq", 1)
    return request("INVITE", **kw)


def ack(**kw) -> Request:
    kw.setdefault("cseq", 1)
    return request("ACK", **kw)


def respond(req: Request, status: int) -> Response:
    return req.response(status, to_tag="srv")


def sends(effects):
    return [e.message for e in effects if isinstance(e, Send)]


def starts(effects):
    return [(e.name, e.seconds) for e in effects if isinstance(e, StartTimer)]


# -- timers ------------------------------------------------------------------------------------
def test_timer_values_udp_and_tcp():
    assert (UDP.A, UDP.B, UDP.E, UDP.F, UDP.G, UDP.H) == (0.5, 32.0, 0.5, 32.0, 0.5, 32.0)
    assert (UDP.D, UDP.I, UDP.J, UDP.K, UDP.L, UDP.M) == (32.0, 5.0, 32.0, 5.0, 32.0, 32.0)
    assert (TCP.A, TCP.E, TCP.G) == (None, None, None)
    assert (TCP.D, TCP.I, TCP.J, TCP.K) == (0.0, 0.0, 0.0, 0.0)
    assert (TCP.B, TCP.F, TCP.H, TCP.M) == (32.0, 32.0, 32.0, 32.0)


def test_configurable_t1_scales_everything():
    t = Timers(t1=0.1, t2=1.0, t4=2.0)
    assert (t.E, t.F, t.H, t.J, t.I, t.K) == (0.1, 6.4, 6.4, 6.4, 2.0, 2.0)
    assert [t.backoff(x) for x in (0.1, 0.2, 0.4, 0.8)] == [0.2, 0.4, 0.8, 1.0]
    with pytest.raises(ValueError):
        Timers(t1=5, t2=4)


def test_transport_reliability_and_over():
    assert is_reliable("tcp") and is_reliable("TLS") and not is_reliable("UDP")
    assert UDP.over("TCP") == TCP and TCP.over("UDP") == UDP and UDP.over(False) is UDP


# -- INVITE server -------------------------------------------------------------------------
def test_invite_2xx_goes_to_accepted_and_absorbs_retransmissions():
    inv = invite()
    tx = InviteServerTransaction(inv, UDP)
    assert tx.start() == [Deliver(inv)]
    ringing = respond(inv, 180)
    assert tx.respond(ringing) == [Send(ringing)]
    assert tx.receive(invite()) == [Send(ringing)]      # proceeding: re-send last 1xx
    ok = respond(inv, 200)
    effects = tx.respond(ok)
    assert effects == [Send(ok), StartTimer("L", 32.0)] and tx.state == "accepted"
    assert tx.receive(invite()) == []                   # RFC 6026: absorbed
    assert tx.respond(ok) == [Send(ok)]                 # the TU's 2xx retransmission
    a = ack()
    assert tx.receive(a) == [Deliver(a)]
    assert tx.timer_fired("L") == [Terminated("accepted")] and tx.terminated


def test_invite_retransmission_before_any_response_is_absorbed():
    tx = InviteServerTransaction(invite(), UDP)
    tx.start()
    assert tx.receive(invite()) == []


def test_invite_non_2xx_retransmitted_on_udp_until_ack_then_confirmed():
    inv = invite()
    tx = InviteServerTransaction(inv, UDP)
    busy = respond(inv, 486)
    effects = tx.respond(busy)
    assert sends(effects) == [busy] and starts(effects) == [("G", 0.5), ("H", 32.0)]
    schedule = []
    for _ in range(5):
        effects = tx.timer_fired("G")
        assert sends(effects) == [busy]
        schedule += starts(effects)
    assert schedule == [("G", 1.0), ("G", 2.0), ("G", 4.0), ("G", 4.0), ("G", 4.0)]
    assert tx.receive(invite()) == [Send(busy)]          # retransmitted INVITE
    effects = tx.receive(ack())
    assert effects == [CancelTimer("G"), CancelTimer("H"), StartTimer("I", 5.0)]
    assert tx.state == "confirmed"
    assert tx.receive(ack()) == [] and tx.receive(invite()) == []   # absorbed
    assert tx.timer_fired("G") == []                     # cancelled: ignored
    assert tx.timer_fired("I") == [Terminated("confirmed")]


def test_invite_non_2xx_on_tcp_no_retransmission_and_ack_ends_at_once():
    inv = invite(transport="TCP")
    tx = InviteServerTransaction(inv, TCP)
    busy = respond(inv, 486)
    assert tx.respond(busy) == [Send(busy), StartTimer("H", 32.0)]
    assert tx.receive(ack(transport="TCP")) == [CancelTimer("H"), Terminated("confirmed")]
    assert tx.terminated


def test_invite_timer_h_gives_up_without_ack():
    inv = invite()
    tx = InviteServerTransaction(inv, UDP)
    tx.respond(respond(inv, 404))
    effects = tx.timer_fired("H")
    assert effects == [CancelTimer("G"), Terminated("no ACK (Timer H)")]


def test_invite_ack_in_proceeding_is_dropped_and_tu_double_final_is_a_bug():
    inv = invite()
    tx = InviteServerTransaction(inv, UDP)
    assert tx.receive(ack()) == [] and tx.state == "proceeding"
    tx.respond(respond(inv, 486))
    with pytest.raises(IllegalEvent):
        tx.respond(respond(inv, 200))


def test_invite_transport_error():
    inv = invite()
    tx = InviteServerTransaction(inv, UDP)
    tx.respond(respond(inv, 486))
    assert tx.transport_error() == [CancelTimer("G"), CancelTimer("H"),
                                    Terminated("transport error")]
    assert tx.transport_error() == []
    assert tx.respond(respond(inv, 500)) == []  # a late TU answer: nowhere to go


def test_non_invite_server_transport_error_then_late_answer():
    info = request()
    tx = NonInviteServerTransaction(info, UDP)
    tx.respond(respond(info, 100))
    assert tx.transport_error() == [Terminated("transport error")]
    assert tx.respond(respond(info, 200)) == []


# -- non-INVITE server ---------------------------------------------------------------------
def test_non_invite_server_absorbs_then_resends_final_until_timer_j():
    info = request()
    tx = NonInviteServerTransaction(info, UDP)
    assert tx.start() == [Deliver(info)]
    assert tx.receive(request()) == []                   # trying: absorbed
    ok = respond(info, 200)
    assert tx.respond(ok) == [Send(ok), StartTimer("J", 32.0)]
    assert tx.receive(request()) == [Send(ok)]
    assert tx.receive(request()) == [Send(ok)]
    assert tx.timer_fired("J") == [Terminated("completed")]
    assert tx.receive(request()) == []


def test_non_invite_server_provisional_is_resent():
    info = request()
    tx = NonInviteServerTransaction(info, UDP)
    trying = respond(info, 100)
    assert tx.respond(trying) == [Send(trying)] and tx.state == "proceeding"
    assert tx.receive(request()) == [Send(trying)]


def test_non_invite_server_on_tcp_ends_with_its_final_response():
    info = request(transport="TCP")
    tx = NonInviteServerTransaction(info, TCP)
    ok = respond(info, 200)
    assert tx.respond(ok) == [Send(ok), Terminated("completed")]


# -- non-INVITE client (INFO the server sends) ---------------------------------------------
def test_info_client_retransmits_on_udp_and_times_out():
    info = request(branch="z9hG4bKsrv1")
    tx = NonInviteClientTransaction(info, UDP)
    assert tx.start() == [Send(info), StartTimer("E", 0.5), StartTimer("F", 32.0)]
    elapsed, schedule = 0.0, []
    interval = 0.5
    while elapsed + interval < 32.0:  # what a clock would do: E fires until F
        elapsed += interval
        effects = tx.timer_fired("E")
        assert sends(effects) == [info]
        (name, interval), = starts(effects)
        schedule.append(interval)
    assert schedule[:5] == [1.0, 2.0, 4.0, 4.0, 4.0] and len(schedule) == 10
    effects = tx.timer_fired("F")
    assert effects == [Timeout("F"), CancelTimer("E"), Terminated("timeout")]
    assert tx.terminated and tx.timer_fired("E") == []


def test_info_client_on_tcp_never_retransmits():
    info = request(branch="z9hG4bKsrv1", transport="TCP")
    tx = NonInviteClientTransaction(info, TCP)
    assert tx.start() == [Send(info), StartTimer("F", 32.0)]
    assert tx.timer_fired("E") == []
    assert tx.timer_fired("F") == [Timeout("F"), Terminated("timeout")]


def test_info_client_provisional_then_final_then_absorbs():
    info = request(branch="z9hG4bKsrv1")
    tx = NonInviteClientTransaction(info, UDP)
    tx.start()
    trying = respond(info, 100)
    assert tx.receive(trying) == [Deliver(trying)] and tx.state == "proceeding"
    assert starts(tx.timer_fired("E")) == [("E", 4.0)]   # T2 once proceeding
    ok = respond(info, 200)
    assert tx.receive(ok) == [Deliver(ok), CancelTimer("E"), CancelTimer("F"),
                              StartTimer("K", 5.0)]
    assert tx.receive(ok) == [] and tx.receive(trying) == []
    assert tx.timer_fired("K") == [Terminated("completed")]


def test_info_client_final_on_tcp_terminates_at_once_and_transport_error_times_out():
    info = request(branch="z9hG4bKsrv1", transport="TCP")
    tx = NonInviteClientTransaction(info, TCP)
    tx.start()
    ok = respond(info, 200)
    assert tx.receive(ok) == [Deliver(ok), CancelTimer("F"), Terminated("completed")]
    tx2 = NonInviteClientTransaction(request(branch="z9hG4bKsrv2"), UDP)
    tx2.start()
    assert tx2.transport_error() == [Timeout("transport"), CancelTimer("E"),
                                     CancelTimer("F"), Terminated("transport error")]


# -- keys and the table ----------------------------------------------------------------------
def test_keys_match_ack_to_invite_and_separate_methods():
    assert server_key(ack()) == server_key(invite())
    assert server_key(invite()) != server_key(request("CANCEL", to_tag=None, cseq=1))
    assert server_key(invite(sent_by="192.0.2.8")) != server_key(invite())
    # RFC 2543 peers (no magic cookie): the ACK still matches its INVITE
    assert server_key(ack(branch="old1")) == server_key(invite(branch="old1"))
    info = request(branch="z9hG4bKsrv1")
    assert client_key(info) == client_key(respond(info, 200)) == ("z9hG4bKsrv1", "INFO")


def test_table_routes_retransmissions_and_acks_and_forgets_the_finished():
    table = TransactionTable()
    inv = invite()
    tx, effects = table.receive_request(inv)
    assert effects == [Deliver(inv)] and len(table) == 1
    assert table.receive_request(invite()) == (tx, [])
    busy = respond(inv, 486)
    table.respond(tx, busy)
    assert table.receive_request(invite()) == (tx, [Send(busy)])
    table.receive_request(ack())
    assert table.timer_fired(tx, "I") == [Terminated("confirmed")]
    assert len(table) == 0


def test_table_delivers_the_2xx_ack_without_a_transaction():
    table = TransactionTable()
    a = ack(branch="z9hG4bKack2xx")
    assert table.receive_request(a) == (None, [Deliver(a)])
    assert len(table) == 0


def test_table_uses_the_via_transport_unless_told():
    table = TransactionTable()
    tx, _ = table.receive_request(request(transport="TCP"))
    assert table.respond(tx, respond(tx.request, 200))[-1] == Terminated("completed")
    tx, _ = table.receive_request(request(branch="z9hG4bKa2", transport="TCP"), reliable=False)
    assert starts(table.respond(tx, respond(tx.request, 200))) == [("J", 32.0)]


def test_table_merged_request_gets_482():
    table = TransactionTable()
    table.receive_request(invite())
    tx, effects = table.receive_request(invite(branch="z9hG4bKother"))
    assert tx is None and [m.status for m in sends(effects)] == [482]


def test_table_client_side_and_stray_responses():
    table = TransactionTable()
    info = request(branch="z9hG4bKsrv1")
    tx, effects = table.send_request(info)
    assert sends(effects) == [info]
    assert table.receive_response(respond(request(branch="z9hG4bKnope"), 200)) == (None, [])
    with pytest.raises(ValueError):
        table.send_request(request(branch="z9hG4bKsrv1"))
    with pytest.raises(ValueError):
        table.send_request(ack(branch="z9hG4bKack"))  # an ACK is sent as it is
    assert table.timer_fired(tx, "F")[0] == Timeout("F")
    assert len(table) == 0


def test_table_is_bounded():
    table = TransactionTable(limit=3)
    for i in range(3):
        tx, _ = table.receive_request(request(branch=f"z9hG4bK{i}"))
        assert tx is not None
    tx, effects = table.receive_request(request(branch="z9hG4bKflood"))
    (busy,) = sends(effects)
    assert tx is None and busy.status == 503 and busy.headers.get("Retry-After") == "5"
    assert len(table) == 3
    stray = ack(branch="z9hG4bKx")
    assert table.receive_request(stray) == (None, [Deliver(stray)])  # stores nothing
    with pytest.raises(TransactionTableFull):
        table.send_request(request(branch="z9hG4bKsrv"))
    # retransmissions of live transactions still reach them
    assert table.receive_request(request(branch="z9hG4bK0"))[0] is not None


def test_cancel_finds_its_invite_transaction():
    table = TransactionTable()
    tx, _ = table.receive_request(invite())
    cancel = request("CANCEL", to_tag=None, cseq=1)
    assert table.cancel_target(cancel) is tx
    assert table.cancel_target(request("CANCEL", to_tag=None, cseq=1, branch="z9hG4bKz")) is None
    ctx, effects = table.receive_request(cancel)  # a transaction of its own
    assert ctx is not tx and effects == [Deliver(cancel)]
