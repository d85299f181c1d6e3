"""UAC dialogs, a trunk's outgoing calls: the INVITE we build, the dialog its response
creates (§12.1.2), our ACK, re-INVITE and INFO in it, the far end's requests finding it,
and the CANCEL of a ringing INVITE (§9.1)."""
from __future__ import annotations

import pytest

from sip.cancel import cancel_request
from sip.dialog import Dialog, DialogTable, invite_request, new_branch
from sip.message import Request, Response
from sip.parser import parse_message
from sip.sdp import build, parse as parse_sdp
from sip.uri import parse_uri

VIA = "SIP/2.0/UDP 192.0.2.1:5060"
CONTACT = "sip:201@192.0.2.1:5060"
SDP = build(address="192.0.2.1", port=20000, codecs=["g711ulaw"], telephone_event=101,
            session_id=1, version=1)


def wire(message):
    """What the far end (or we) would read: through the encoder and the parser."""
    return parse_message(message.encode())


def our_invite(**kw) -> Request:
    args = dict(request_uri="sip:5551234@gw.example.net", from_address='"Reception" <sip:201@192.0.2.1>',
                to_address="<sip:5551234@gw.example.net>", local_tag="ours1",
                call_id="trunk-1@192.0.2.1", via=VIA, contact=CONTACT, body=SDP)
    return invite_request(**{**args, **kw})


def ok(invite: Request, *, to_tag="gw1", contact="<sip:5551234@198.51.100.5:5060>",
       record_route=("<sip:sbc1.example.net;lr>", "<sip:sbc2.example.net;lr>"),
       status=200) -> Response:
    """The gateway's answer as it arrives: Record-Route as the proxies put it (the one
    nearest us last)."""
    headers = [("Record-Route", rr) for rr in record_route]
    if contact:
        headers.append(("Contact", contact))
    return wire(invite.response(status, to_tag=to_tag, headers=headers))


@pytest.fixture
def invite():
    return wire(our_invite())


@pytest.fixture
def dialog(invite):
    return Dialog.from_response(invite, ok(invite), via_factory=lambda: VIA,
                                local_contact=CONTACT)


# -- the INVITE ---------------------------------------------------------------------------
def test_invite_request_is_a_complete_out_of_dialog_invite(invite):
    assert invite.method == "INVITE" and str(invite.uri) == "sip:5551234@gw.example.net"
    assert invite.from_tag == "ours1" and invite.to_tag is None
    assert invite.from_.display_name == "Reception"
    assert str(invite.cseq) == "1 INVITE" and invite.call_id == "trunk-1@192.0.2.1"
    assert invite.via.sent_by == "192.0.2.1:5060" and invite.via.rfc3261_branch
    assert invite.max_forwards == 70 and str(invite.contact_uri) == CONTACT
    assert "INVITE" in invite.headers.values("Allow") and "INFO" in invite.headers.values("Allow")
    assert invite.option_tags("Supported") == ["timer"]
    assert invite.content_type == "application/sdp" and parse_sdp(invite.body).port == 20000


def test_each_invite_has_a_fresh_branch_and_extra_headers_and_relayed_max_forwards():
    a, b = our_invite(), our_invite(
        request_uri=parse_uri("sip:5551234@gw.example.net;user=phone"), max_forwards=68,
        contact="<sip:201@192.0.2.1:5060;transport=udp>",
        headers=[("P-Asserted-Identity", "<sip:201@192.0.2.1>")])
    assert a.branch != b.branch and b.max_forwards == 68
    assert b.headers.get("Contact") == "<sip:201@192.0.2.1:5060;transport=udp>"
    assert b.headers.get("P-Asserted-Identity") == "<sip:201@192.0.2.1>"
    with pytest.raises(ValueError):
        our_invite(max_forwards=256)


def test_delayed_offer_invite_has_no_content_type():
    inv = wire(our_invite(body=b""))
    assert inv.body == b"" and "Content-Type" not in inv.headers


# -- the dialog ---------------------------------------------------------------------------
def test_dialog_from_the_2xx(dialog):
    assert dialog.key == ("trunk-1@192.0.2.1", "ours1", "gw1")
    assert str(dialog.remote_target) == "sip:5551234@198.51.100.5:5060"
    # §12.1.2: the Record-Route reversed, so the proxy nearest us comes first
    assert [str(r.uri) for r in dialog.route_set] == ["sip:sbc2.example.net;lr",
                                                       "sip:sbc1.example.net;lr"]
    assert dialog.local_cseq == 1 and dialog.remote_cseq is None
    assert dialog.confirmed and not dialog.secure


def test_early_dialog_from_a_183_then_the_2xx_sets_the_target(invite):
    early = Dialog.from_response(invite, ok(invite, status=183, contact="<sip:early@198.51.100.5>"),
                                 via_factory=lambda: VIA)
    assert not early.confirmed and str(early.remote_target) == "sip:early@198.51.100.5"
    early.update_from_response(ok(invite))
    assert early.confirmed and str(early.remote_target) == "sip:5551234@198.51.100.5:5060"


def test_sips_and_responses_that_make_no_dialog(invite):
    sips = wire(our_invite(request_uri="sips:5551234@gw.example.net"))
    assert Dialog.from_response(sips, ok(sips)).secure
    with pytest.raises(ValueError):
        Dialog.from_response(invite, ok(invite, contact=None))
    with pytest.raises(ValueError):
        Dialog.from_response(invite, wire(invite.response(100)))  # a 100 has no To tag
    options = parse_message(invite.encode().replace(b"INVITE", b"OPTIONS"))
    with pytest.raises(ValueError):
        Dialog.from_response(options, ok(invite))


def test_ack_of_the_2xx(dialog, invite):
    ack = wire(dialog.ack(invite.cseq.number))
    assert ack.method == "ACK" and str(ack.uri) == "sip:5551234@198.51.100.5:5060"
    assert str(ack.cseq) == "1 ACK" and ack.branch != invite.branch and ack.via.rfc3261_branch
    assert [str(r.uri) for r in ack.route] == ["sip:sbc2.example.net;lr",
                                                "sip:sbc1.example.net;lr"]
    assert ack.from_tag == "ours1" and ack.to_tag == "gw1" and ack.call_id == invite.call_id
    assert "Contact" not in ack.headers and ack.body == b""
    assert dialog.local_cseq == 1           # an ACK takes no CSeq of its own
    again = dialog.ack(1)
    assert again.branch != ack.branch      # each ACK is a new request (§13.2.2.4)
    with_answer = wire(dialog.ack(1, SDP, "application/sdp"))
    assert with_answer.content_type == "application/sdp" and with_answer.body == SDP


def test_reinvite_and_info_in_the_dialog(dialog):
    hold = build(address="192.0.2.1", port=20000, codecs=["g711ulaw"], direction="sendonly",
                 session_id=1, version=2)
    reinvite = wire(dialog.request("INVITE", hold, "application/sdp"))
    assert str(reinvite.cseq) == "2 INVITE" and str(reinvite.contact_uri) == CONTACT
    assert reinvite.to_tag == "gw1" and parse_sdp(reinvite.body).direction == "sendonly"
    assert str(dialog.ack(2).cseq) == "2 ACK"
    info = wire(dialog.request("INFO", b"Signal=5\r\nDuration=160\r\n", "application/dtmf-relay"))
    assert str(info.cseq) == "3 INFO" and info.content_type == "application/dtmf-relay"
    assert info.body == b"Signal=5\r\nDuration=160\r\n" and "Contact" not in info.headers
    assert str(info.uri) == "sip:5551234@198.51.100.5:5060"


def test_the_far_ends_requests_find_and_pass_the_uac_dialog(dialog):
    table = DialogTable()
    table.add(dialog)
    bye = parse_message(
        ("BYE sip:201@192.0.2.1:5060 SIP/2.0\r\n"
         f"Via: SIP/2.0/UDP 198.51.100.5:5060;branch={new_branch()}\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:5551234@gw.example.net>;tag=gw1\r\n"
         "To: \"Reception\" <sip:201@192.0.2.1>;tag=ours1\r\n"
         "Call-ID: trunk-1@192.0.2.1\r\nCSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n").encode())
    assert table.find(bye) is dialog
    assert dialog.accept_request(bye) is None and dialog.terminated
    assert dialog.remote_cseq == 7
    response = wire(dialog.request("INFO")).response(200, to_tag="gw1")
    assert table.find_response(response) is dialog
    fork = ok(parse_message(our_invite(call_id="trunk-1@192.0.2.1").encode()), to_tag="gw2")
    assert table.find_response(fork) is None and table.find(fork) is None


def test_uas_and_uac_dialogs_in_one_table(dialog):
    from tests.sip.test_dialog import INVITE, in_dialog  # a UAS dialog from an application
    table = DialogTable()
    uas = table.create(parse_message(INVITE.encode()), local_tag="srv1",
                       via_factory=lambda: VIA)
    table.add(dialog)
    assert table.find(in_dialog("INFO", 11)) is uas
    assert table.find(in_dialog("INFO", 11, to_tag="ours1", from_tag="gw1",
                                call_id="trunk-1@192.0.2.1")) is dialog


# -- CANCEL -------------------------------------------------------------------------------
def test_cancel_copies_what_names_the_invite():
    inv = wire(our_invite(headers=[("Route", "<sip:sbc1.example.net;lr>")]))
    cancel = wire(cancel_request(inv))
    assert cancel.method == "CANCEL" and cancel.uri == inv.uri
    assert cancel.headers.get_all("Via") == inv.headers.get_all("Via")
    assert cancel.branch == inv.branch
    for name in ("From", "To", "Call-ID", "Route", "Max-Forwards"):
        assert cancel.headers.get(name) == inv.headers.get(name), name
    assert str(cancel.cseq) == "1 CANCEL" and cancel.to_tag is None and cancel.body == b""
    assert "Contact" not in cancel.headers and "Content-Type" not in cancel.headers
    with pytest.raises(ValueError):
        cancel_request(cancel)
