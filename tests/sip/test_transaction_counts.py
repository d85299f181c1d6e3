"""What the transaction table counts for the metrics: every transaction that ended, by
side, method and how it ended, and every request refused without one."""
from __future__ import annotations

from sip.transaction import TransactionTable

from .test_transaction import TCP, invite, request, respond


def test_a_server_transaction_counts_once_when_it_ends_with_its_final_class():
    table = TransactionTable(TCP)
    info = request("INFO", transport="TCP")
    tx, _ = table.receive_request(info)
    assert table.ended == {}  # live: not counted yet
    table.receive_request(info)  # a retransmission is no new transaction
    table.respond(tx, respond(info, 486))
    assert table.ended == {("in", "INFO", "4xx"): 1}


def test_a_client_transaction_counts_its_final_or_its_timeout():
    table = TransactionTable(TCP)
    ok = request("INFO", branch="z9hG4bKok", transport="TCP")
    table.send_request(ok)
    table.receive_response(respond(ok, 200))
    lost = request("INFO", branch="z9hG4bKlost", transport="TCP")
    tx, _ = table.send_request(lost)
    table.timer_fired(tx, "F")
    assert table.ended == {("out", "INFO", "2xx"): 1, ("out", "INFO", "timeout"): 1}


def test_an_invite_answered_2xx_and_a_refused_merge_are_counted():
    table = TransactionTable(TCP)
    inv = invite(transport="TCP")
    tx, _ = table.receive_request(inv)
    table.respond(tx, respond(inv, 200))
    assert table.ended == {}  # RFC 6026: Accepted, absorbing 2xx retransmissions until Timer L
    table.timer_fired(tx, "L")
    # the same request again under another branch while the first is live: merged, 482
    first = request("OPTIONS", branch="z9hG4bKm1", transport="TCP", cseq=5, to_tag=None)
    table.receive_request(first)
    table.receive_request(request("OPTIONS", branch="z9hG4bKm2", transport="TCP", cseq=5, to_tag=None))
    assert table.ended[("in", "INVITE", "2xx")] == 1
    assert table.ended[("in", "OPTIONS", "4xx")] == 1


def test_a_full_table_counts_its_503s():
    table = TransactionTable(TCP, limit=1)
    table.receive_request(request("INFO", branch="z9hG4bKa", transport="TCP"))
    table.receive_request(request("INFO", branch="z9hG4bKb", transport="TCP", cseq=3))
    assert table.ended == {("in", "INFO", "5xx"): 1}
