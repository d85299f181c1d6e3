"""UAS dialogs: creation from INVITE, the 200 OK, our requests, their requests, the table."""
from __future__ import annotations

import pytest

from sip.dialog import (Dialog, DialogTable, DialogTableFull, OkRetransmission, new_branch,
                        no_dialog)
from sip.parser import parse_message
from sip.session_timer import negotiate
from sip.timers import Timers
from sip.transaction import CancelTimer, Deliver, Send, StartTimer, Timeout, TransactionTable

INVITE = (
    "INVITE sip:201@cme.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 192.0.2.7:5060;branch=z9hG4bKinv1\r\n"
    "Max-Forwards: 70\r\n"
    "Record-Route: <sip:proxy2.example.com;lr>\r\n"
    "Record-Route: <sip:proxy1.example.com;lr>\r\n"
    "To: <sip:201@cme.example.com>\r\n"
    'From: "Office Communicator" <sip:alice@example.com>;tag=app1\r\n'
    "Call-ID: c1@192.0.2.7\r\n"
    "CSeq: 10 INVITE\r\n"
    "Contact: <sip:alice@192.0.2.7:5060;transport=tcp>\r\n"
    "Supported: timer\r\n"
    "Session-Expires: 1800;refresher=uac\r\n"
    "Content-Disposition: signal;handling=required\r\n"
    "Content-Length: 0\r\n\r\n"
)
VIA = "SIP/2.0/TCP 192.0.2.1:5060"


def parse(text: str):
    return parse_message(text.encode())


def in_dialog(method, cseq, *, to_tag="srv1", from_tag="app1", call_id="c1@192.0.2.7",
              branch=None, contact=None):
    extra = f"Contact: <{contact}>\r\n" if contact else ""
    return parse(
        f"{method} sip:201@192.0.2.1:5060 SIP/2.0\r\n"
        f"Via: SIP/2.0/TCP 192.0.2.7:5060;branch={branch or new_branch()}\r\n"
        "Max-Forwards: 70\r\n"
        f"To: <sip:201@cme.example.com>;tag={to_tag}\r\n"
        f"From: <sip:alice@example.com>;tag={from_tag}\r\n"
        f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n{extra}Content-Length: 0\r\n\r\n")


@pytest.fixture
def invite():
    return parse(INVITE)


@pytest.fixture
def dialog(invite):
    return Dialog.from_invite(invite, local_tag="srv1", local_contact="sip:201@192.0.2.1:5060",
                              via_factory=lambda: VIA)


def test_dialog_state_from_invite(dialog):
    assert dialog.key == ("c1@192.0.2.7", "srv1", "app1")
    assert str(dialog.remote_target) == "sip:alice@192.0.2.7:5060;transport=tcp"
    assert [str(r.uri) for r in dialog.route_set] == ["sip:proxy2.example.com;lr",
                                                       "sip:proxy1.example.com;lr"]
    assert dialog.remote_cseq == 10 and dialog.local_cseq == 0
    assert not dialog.confirmed and not dialog.secure


def test_invite_without_contact_cannot_make_a_dialog():
    with pytest.raises(ValueError):
        Dialog.from_invite(parse(INVITE.replace(
            "Contact: <sip:alice@192.0.2.7:5060;transport=tcp>\r\n", "")))


def test_invite_ok_carries_tag_contact_record_route_and_timer(dialog, invite):
    ok = dialog.invite_ok(invite, body=b"<x/>", content_type="application/csta+xml",
                          session_timer=negotiate(invite))
    assert ok.status == 200 and ok.to_tag == "srv1"
    assert str(ok.contact_uri) == "sip:201@192.0.2.1:5060"
    assert ok.headers.get_all("Record-Route") == ["<sip:proxy2.example.com;lr>",
                                                  "<sip:proxy1.example.com;lr>"]
    assert ok.option_tags("Supported") == ["timer"] and ok.option_tags("Require") == ["timer"]
    assert str(ok.session_expires) == "1800;refresher=uac"
    assert ok.content_type == "application/csta+xml" and ok.body == b"<x/>"
    assert parse_message(ok.encode()).to_tag == "srv1"


def test_invite_ok_without_timer_request_has_no_session_expires(dialog):
    plain = parse(INVITE.replace("Supported: timer\r\n", "")
                  .replace("Session-Expires: 1800;refresher=uac\r\n", ""))
    ok = dialog.invite_ok(plain, session_timer=negotiate(plain))
    assert ok.session_expires is None and ok.option_tags("Require") == []
    assert ok.option_tags("Supported") == ["timer"]


def test_our_info_request(dialog):
    info = dialog.request("INFO", b"<MonitorStart/>", "application/csta+xml")
    assert info.method == "INFO" and str(info.uri) == "sip:alice@192.0.2.7:5060;transport=tcp"
    assert info.route == dialog.route_set
    assert info.from_tag == "srv1" and info.to_tag == "app1" and info.call_id == "c1@192.0.2.7"
    assert str(info.from_.uri) == "sip:201@cme.example.com"
    assert info.to.display_name == "Office Communicator"
    assert str(info.cseq) == "1 INFO"
    assert info.via.sent_by == "192.0.2.1:5060" and info.via.rfc3261_branch
    assert info.content_type == "application/csta+xml" and info.max_forwards == 70
    assert "Contact" not in info.headers
    again = parse_message(info.encode())
    assert str(again.cseq) == "1 INFO" and again.body == b"<MonitorStart/>"
    bye = dialog.request("BYE", headers=[("Reason", "SIP;text=\"session expired\"")])
    assert str(bye.cseq) == "2 BYE" and bye.branch != info.branch
    assert bye.headers.get("Reason") == "SIP;text=\"session expired\""


def test_request_without_route_set_and_with_a_strict_router(invite):
    plain = parse(INVITE.replace("Record-Route: <sip:proxy2.example.com;lr>\r\n", "")
                  .replace("Record-Route: <sip:proxy1.example.com;lr>\r\n", ""))
    d = Dialog.from_invite(plain, via_factory=lambda: VIA)
    info = d.request("INFO")
    assert info.route == [] and "Route" not in info.headers
    strict = parse(INVITE.replace("<sip:proxy2.example.com;lr>", "<sip:proxy2.example.com>"))
    d = Dialog.from_invite(strict, via_factory=lambda: VIA)
    info = d.request("INFO")
    assert str(info.uri) == "sip:proxy2.example.com"
    assert [str(r.uri) for r in info.route] == ["sip:proxy1.example.com;lr",
                                                 "sip:alice@192.0.2.7:5060;transport=tcp"]


def test_request_needs_a_via_factory(invite):
    with pytest.raises(ValueError):
        Dialog.from_invite(invite).request("INFO")
    with pytest.raises(ValueError):
        Dialog.from_invite(invite, via_factory=lambda: VIA).request("ACK")


def test_ack_confirms_and_info_in_order_is_accepted(dialog):
    assert dialog.accept_request(in_dialog("ACK", 10)) is None and dialog.confirmed
    assert dialog.accept_request(in_dialog("INFO", 11)) is None
    assert dialog.remote_cseq == 11
    assert dialog.accept_request(in_dialog("INFO", 15)) is None  # gaps are fine


@pytest.mark.parametrize("cseq", [9, 10])
def test_cseq_not_above_the_last_gets_500(dialog, cseq):
    response = dialog.accept_request(in_dialog("INFO", cseq))
    assert response.status == 500 and response.to_tag == "srv1"
    assert dialog.remote_cseq == 10


def test_reinvite_refreshes_target_and_session_timer(dialog, invite):
    dialog.accept_request(in_dialog("ACK", 10))
    reinvite = in_dialog("INVITE", 11, contact="sip:alice@192.0.2.99:5070")
    assert dialog.accept_request(reinvite) is None
    assert str(dialog.remote_target) == "sip:alice@192.0.2.99:5070"
    assert dialog.invite_cseq == 11
    st = negotiate(reinvite)
    assert st.interval == 1800  # no Session-Expires in the refresh: default again
    ok = dialog.invite_ok(reinvite, session_timer=st)
    assert ok.to_tag == "srv1" and ok.headers.count("To") == 1
    assert dialog.accept_request(in_dialog("ACK", 11)) is None
    assert str(dialog.request("INFO").uri) == "sip:alice@192.0.2.99:5070"


def test_bye_ends_the_dialog_and_later_requests_get_481(dialog):
    assert dialog.accept_request(in_dialog("BYE", 11)) is None and dialog.terminated
    assert dialog.accept_request(in_dialog("INFO", 12)).status == 481


def test_a_request_of_another_dialog_gets_481(dialog):
    assert dialog.accept_request(in_dialog("INFO", 11, from_tag="other")).status == 481


def test_table_finds_dialogs_and_unknown_ones_get_481(invite):
    table = DialogTable()
    d = table.create(invite, local_tag="srv1", via_factory=lambda: VIA)
    assert table.find(in_dialog("INFO", 11)) is d
    assert table.find(in_dialog("INFO", 11, to_tag="gone")) is None
    assert table.find(in_dialog("INFO", 11, call_id="other")) is None
    assert table.find(invite) is None  # no To tag: not in a dialog
    unknown = in_dialog("INFO", 11, to_tag="gone")
    response = no_dialog(unknown)
    assert response.status == 481 and response.reason == "Call/Transaction Does Not Exist"
    assert no_dialog(in_dialog("ACK", 11, to_tag="gone")) is None
    with pytest.raises(ValueError):
        table.add(d)
    table.remove(d)
    assert len(table) == 0 and table.find(in_dialog("INFO", 11)) is None


def test_dialog_table_is_bounded(invite):
    table = DialogTable(limit=2)
    table.create(invite)
    table.create(invite)
    with pytest.raises(DialogTableFull):
        table.create(invite)
    assert len(table) == 2


def test_event_info_through_a_client_transaction_times_out_over_udp(dialog):
    transactions = TransactionTable()
    dialog.via_factory = lambda: "SIP/2.0/UDP 192.0.2.1:5060"
    info = dialog.request("INFO", b"<DeliveredEvent/>", "application/csta+xml")
    tx, effects = transactions.send_request(info)
    assert effects[0] == Send(info)
    # the application answers nothing: E keeps re-sending (4 s apart at most) until F
    elapsed, interval = 0.0, effects[1].seconds
    while elapsed + interval < 32.0:
        elapsed += interval
        effects = transactions.timer_fired(tx, "E")
        assert effects[0] == Send(info)
        interval = effects[1].seconds
    assert transactions.timer_fired(tx, "F")[0] == Timeout("F")
    assert len(transactions) == 0


def test_in_dialog_request_through_the_transaction_table(dialog):
    transactions = TransactionTable()
    info = in_dialog("INFO", 11)
    tx, effects = transactions.receive_request(info)
    assert effects == [Deliver(info)]
    assert dialog.accept_request(info) is None
    ok = dialog.response(info, 200, body=b"<ok/>", content_type="application/csta+xml")
    assert transactions.respond(tx, ok)[0] == Send(ok)
    assert ok.to_tag == "srv1" and ok.headers.count("To") == 1


def test_2xx_retransmitted_on_udp_until_ack(dialog, invite):
    ok = dialog.invite_ok(invite)
    r = OkRetransmission(ok, Timers())
    assert r.start() == [Send(ok), StartTimer("2xx", 0.5), StartTimer("ack", 32.0)]
    assert [r.timer_fired("2xx")[1].seconds for _ in range(4)] == [1.0, 2.0, 4.0, 4.0]
    assert r.ack() == [CancelTimer("2xx"), CancelTimer("ack")]
    assert r.ack() == [] and r.timer_fired("2xx") == []


def test_2xx_without_ack_times_out_and_tcp_sends_once(dialog, invite):
    ok = dialog.invite_ok(invite)
    r = OkRetransmission(ok, Timers())
    r.start()
    assert r.timer_fired("ack") == [CancelTimer("2xx"), Timeout("ack")]
    tcp = OkRetransmission(ok, Timers(reliable=True))
    assert tcp.start() == [Send(ok), StartTimer("ack", 32.0)]
    assert tcp.timer_fired("ack") == [Timeout("ack")]
