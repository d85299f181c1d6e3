"""Dialog requests from the per-dialog template (issue 15) are the bytes the field-by-field
build writes, whatever the dialog went through: target refreshes, loose and strict route
sets, methods and body types in any order."""
from __future__ import annotations

import itertools
from unittest import mock

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sip.address import parse_address
from sip.dialog import Dialog
from sip.headers import CSeq, Via
from sip.uri import parse_uri
from tests.sip.test_dialog import INVITE, VIA, parse

METHODS = st.sampled_from(["INFO", "BYE", "INVITE", "NOTIFY", "OPTIONS", "UPDATE"])
TYPES = st.sampled_from([None, "application/csta+xml", "application/sdp"])
TARGETS = st.sampled_from(["sip:alice@192.0.2.7:5060;transport=tcp", "sip:alice@192.0.2.9",
                           "sips:bob@example.com"])
ROUTES = st.lists(st.sampled_from(["<sip:p1.example.com;lr>", "<sip:p2.example.com>",
                                   "<sip:p3.example.com;lr;transport=tcp>"]), max_size=3)
STEPS = st.lists(st.one_of(
    st.tuples(st.just("request"), METHODS, TYPES, st.binary(max_size=8)),
    st.tuples(st.just("target"), TARGETS),
    st.tuples(st.just("routes"), ROUTES),
    st.tuples(st.just("remote_tag"), st.sampled_from(["app1", "app2", None])),
), max_size=12)


@settings(max_examples=200, deadline=None)
@given(STEPS, st.sampled_from([VIA, "SIP/2.0/UDP 192.0.2.1", "SIP/2.0/TLS cme.example.com:5061;rport"]))
@example([("request", "INFO", None, b"")], "SIP/2.0/UDP [2001:db8::1]:5060;rport")
@example([("request", "INFO", None, b"")], "SIP/2.0/TCP host")
def test_template_requests_are_the_field_by_field_bytes(steps, via):
    dialog = Dialog.from_invite(parse(INVITE), local_tag="srv1", local_contact="sip:201@192.0.2.1:5060",
                                via_factory=lambda: via)
    branches = itertools.count()
    with mock.patch("sip.dialog.new_branch", lambda: f"z9hG4bK{next(branches)}"):
        for step in steps:
            if step[0] == "request":
                _, method, content_type, body = step
                cseq = dialog.local_cseq + 1
                general = dialog._build_fields(method, cseq, dialog.via_factory, body, content_type, ())
                fast = dialog.request(method, body, content_type)
                g = general.encode().replace(general.branch.encode(), b"BRANCH")
                f = fast.encode().replace(fast.branch.encode(), b"BRANCH")
                assert f == g
                # what the template hands over is what parsing the request's text gives
                assert fast.cseq == CSeq.parse(fast.headers.get("CSeq"))
                fresh_via, top = Via.parse(fast.headers.get("Via")), fast.via
                assert (top.transport, top.host, top.port, list(top.params), top.protocol) == (
                    fresh_via.transport, fresh_via.host, fresh_via.port, list(fresh_via.params),
                    fresh_via.protocol)
                for name, value in (("To", fast.to), ("From", fast.from_)):
                    fresh = parse_address(fast.headers.get(name))
                    assert (str(value), value.tag) == (str(fresh), fresh.tag)
            elif step[0] == "target":
                dialog.remote_target = parse_uri(step[1])
            elif step[0] == "routes":
                dialog.route_set = [parse_address(r) for r in step[1]]
            else:
                dialog.remote_tag = step[1]


def test_a_request_with_extra_headers_takes_the_general_path():
    dialog = Dialog.from_invite(parse(INVITE), local_tag="srv1", via_factory=lambda: VIA)
    request = dialog.request("INFO", b"x", "application/dtmf-relay", headers=[("Subject", "hi")])
    assert [n for n, _ in request.headers][-2:] == ["Subject", "Content-Type"]
    plain = dialog.request("INFO", b"x", "application/dtmf-relay")
    assert "Subject" not in plain.headers and plain.cseq.number == request.cseq.number + 1


def test_a_header_changed_after_building_is_parsed_afresh():
    dialog = Dialog.from_invite(parse(INVITE), local_tag="srv1", via_factory=lambda: VIA)
    request = dialog.request("INFO")
    request.headers.set("To", "<sip:other@example.com>;tag=x9")
    request.headers.set("CSeq", "77 INFO")
    assert request.to_tag == "x9" and request.cseq.number == 77


def test_a_template_request_carries_its_parses():
    """What the transaction layer reads back at once (CSeq, the top Via's branch, the
    tags) is handed over by the dialog that built the request, not parsed again."""
    dialog = Dialog.from_invite(parse(INVITE), local_tag="srv1", via_factory=lambda: VIA)
    dialog.request("INFO", b"<a/>", "application/csta+xml")  # the template is made here
    request = dialog.request("INFO", b"<b/>", "application/csta+xml")
    unparsed = AssertionError("parsed again")
    with mock.patch.object(CSeq, "parse", side_effect=unparsed), \
            mock.patch.object(Via, "parse", side_effect=unparsed), \
            mock.patch("sip.message.parse_address", side_effect=unparsed):
        assert request.cseq == CSeq(dialog.local_cseq, "INFO")
        assert request.branch.startswith("z9hG4bK") and request.branch in request.headers.get("Via")
        assert (request.from_tag, request.to_tag) == ("srv1", dialog.remote_tag)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([VIA, "SIP/2.0/UDP 192.0.2.1", "SIP/2.0/TLS cme.example.com:5061;rport",
                        "SIP/2.0/UDP [2001:db8::1]:5060;rport"]), METHODS)
def test_the_answer_to_a_template_request_reads_our_via_as_parsing_it_gives(via, method):
    """A response copies our Via byte for byte: its parse is the one the request handed
    over (sip.headers.remember_our_via), equal to what parsing the text gives."""
    from sip.headers import parse_via
    from sip.parser import parse_message

    dialog = Dialog.from_invite(parse(INVITE), local_tag="srv1", local_contact="sip:201@192.0.2.1:5060",
                                via_factory=lambda: via)
    request = dialog.request(method, b"", None)
    answer = parse_message(request.response(200, to_tag="app1").encode())
    text = request.headers.get("Via")
    assert answer.headers.get("Via") == text and answer.via is parse_via(text) is request.via
    fresh = Via.parse(text)
    assert (fresh.transport, fresh.host, fresh.port, list(fresh.params), fresh.protocol) == (
        answer.via.transport, answer.via.host, answer.via.port, list(answer.via.params), answer.via.protocol)
    assert answer.branch == request.branch


def test_a_template_request_says_its_own_length_and_shares_the_index_to_the_wire():
    """The template ends in Content-Length (where encode() puts it), set per request:
    the request reads its true length before encoding, and neither it nor encode()
    changes a name's positions (the template's index stays shared)."""
    dialog = Dialog.from_invite(parse(INVITE), local_tag="srv1", local_contact="sip:201@192.0.2.1:5060",
                                via_factory=lambda: VIA)
    for body in (b"<a/>", b"", b"x" * 300):
        request = dialog.request("INFO", body, "application/csta+xml")
        assert request.headers.get("Content-Length") == str(len(body))
        index = request.headers._index
        wire = request.encode()
        assert request.headers._index is index and wire.endswith(b"\r\n\r\n" + body)
        assert [n for n, _ in request.headers][-2:] == ["Content-Type", "Content-Length"]
