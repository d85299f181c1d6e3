"""The codec piece by piece: names, folding, lists, addresses, URIs, limits, responses."""
from __future__ import annotations

import pytest

from sip.address import parse_address
from sip.framing import (MAX_BODY, MAX_HEADER_SECTION, FramingError, StreamFramer,
                         parse_datagram)
from sip.grammar import GrammarError, split_list
from sip.headers import Via, canonical
from sip.inspection import UASPolicy, inspect_request
from sip.message import Headers, Request
from sip.parser import SIPParseError, parse_message
from sip.response import error_response
from sip.uri import SIPURI, AbsoluteURI, TelURI, parse_uri

INVITE = (
    b"INVITE sip:201@cme.example.com SIP/2.0\r\n"
    b"v: SIP/2.0/TCP 192.0.2.7:5060;branch=z9hG4bK776asdhds;rport\r\n"
    b"Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK1;received=192.0.2.1\r\n"
    b"Max-Forwards: 70\r\n"
    b"t: <sip:201@cme.example.com>\r\n"
    b'f: "Office \\"Communicator\\"" <sip:alice@example.com>;tag=1928301774\r\n'
    b"i: a84b4c76e66710@pc33.example.com\r\n"
    b"CSeq: 314159 INVITE\r\n"
    b"m: <sip:alice@192.0.2.7:5060;transport=tcp>\r\n"
    b"k: timer\r\n"
    b"x: 1800;refresher=uac\r\n"
    b"Min-SE: 90\r\n"
    b"Timestamp: 54\r\n"
    b"c: application/csta+xml\r\n"
    b"l: 5\r\n"
    b"\r\n"
    b"<x/>\n"
)


def parse(data: bytes):
    return parse_message(data)


# -- names and header section -----------------------------------------------------------

def test_compact_forms_are_stored_under_long_names():
    request = parse(INVITE)
    names = [name for name, _ in request.headers]
    assert names[:3] == ["Via", "Via", "Max-Forwards"]
    assert {"To", "From", "Call-ID", "Contact", "Supported", "Session-Expires",
            "Content-Type", "Content-Length"} <= set(names)
    for compact, long in zip("vftimlcksx", ["Via", "From", "To", "Call-ID", "Contact",
                                            "Content-Length", "Content-Type", "Supported",
                                            "Subject", "Session-Expires"]):
        assert canonical(compact) == canonical(compact.upper()) == long
    assert canonical("eRROR-Info") == "Error-Info" and canonical("X-Mine") == "X-Mine"


def test_lookup_is_case_insensitive_and_accepts_compact_names():
    request = parse(INVITE)
    assert request.headers.get("call-id") == request.headers.get("i") == \
        "a84b4c76e66710@pc33.example.com"
    assert request.headers.count("VIA") == 2


def test_accessors():
    request = parse(INVITE)
    assert request.method == "INVITE" and str(request.uri) == "sip:201@cme.example.com"
    assert request.call_id == "a84b4c76e66710@pc33.example.com"
    assert (request.cseq.number, request.cseq.method) == (314159, "INVITE")
    assert request.branch == "z9hG4bK776asdhds"
    via = request.via
    assert (via.transport, via.host, via.port, via.has_rport, via.rport) == \
        ("TCP", "192.0.2.7", 5060, True, None)
    assert request.vias[1].received == "192.0.2.1"
    assert request.from_tag == "1928301774" and request.to_tag is None
    assert request.from_.display_name == 'Office "Communicator"'
    assert str(request.contact_uri) == "sip:alice@192.0.2.7:5060;transport=tcp"
    assert request.contact_uri.transport == "tcp"
    assert request.content_type == "application/csta+xml"
    assert request.session_expires.delta == 1800
    assert request.session_expires.refresher == "uac"
    assert request.min_se == 90 and request.max_forwards == 70
    assert request.option_tags("Supported") == ["timer"]
    assert request.body == b"<x/>\n"


def test_folded_lines_are_unfolded():
    data = (b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n ;branch=z9hG4bKx\r\n"
            b"To: <sip:a@b>\r\nFrom: <sip:c@d>\r\n\t;tag=1\r\nCall-ID: 1\r\n"
            b"CSeq:\r\n  1\r\n   OPTIONS\r\nSubject: one\r\n two\r\n\r\n")
    request = parse(data)
    assert request.branch == "z9hG4bKx" and request.from_tag == "1"
    assert request.headers.get("Subject") == "one two"
    assert request.cseq.number == 1


def test_bare_lf_line_ends_and_leading_crlf_are_tolerated():
    data = INVITE.replace(b"\r\n", b"\n")
    request = parse(b"\r\n\r\n" + data)
    assert request.method == "INVITE" and request.body == b"<x/>\n"


@pytest.mark.parametrize("value, elements", [
    ("a, b,c", ["a", "b", "c"]),
    ('"Doe, John" <sip:j@x>, <sip:k@y;a=1,2>', ['"Doe, John" <sip:j@x>', "<sip:k@y;a=1,2>"]),
    (r'"a\",b" <sip:x@y>', [r'"a\",b" <sip:x@y>']),
    ("a,,b", ["a", "", "b"]),
])
def test_comma_lists_respect_quotes_and_angle_brackets(value, elements):
    assert split_list(value) == elements


def test_contact_list_over_several_lines():
    headers = Headers([("Contact", "<sip:a@x>, \"B, b\" <sip:b@y>"), ("m", "<sip:c@z>")])
    assert headers.values("contact") == ['<sip:a@x>', '"B, b" <sip:b@y>', "<sip:c@z>"]


def test_unterminated_quote_in_list_is_an_error():
    with pytest.raises(GrammarError):
        split_list('"a, b')


# -- addresses ---------------------------------------------------------------------------

def test_name_addr_with_quoted_display_name_and_params():
    address = parse_address('"J Rosenberg \\\\\\"" <sip:jdrosen@example.com> ; tag = 98asjd8')
    assert address.display_name == 'J Rosenberg \\"'
    assert address.tag == "98asjd8" and str(address.uri) == "sip:jdrosen@example.com"


def test_token_display_name_without_space():
    address = parse_address("caller<sip:caller@example.com>;tag=323")
    assert address.display_name == "caller" and address.tag == "323"


def test_bare_addr_spec_params_belong_to_the_header():
    address = parse_address("sip:+19725552222@gw1.example.net;unknownparam;expires=60")
    assert address.uri.params == () and "unknownparam" in address.params
    assert address.params.get("expires") == "60"
    inside = parse_address("<sip:+19725552222@gw1.example.net;unknownparam>")
    assert inside.uri.has_param("unknownparam") and len(inside.params) == 0


def test_address_str_is_always_name_addr():
    address = parse_address("sip:a@b;tag=x")
    assert str(address) == "<sip:a@b>;tag=x"
    address = parse_address('"Bell, A." <sip:a@b>')
    assert str(address) == '"Bell, A." <sip:a@b>'


@pytest.mark.parametrize("text", [
    '"unterminated <sip:a@b>', "Bell, A <sip:a@b>", "< sip:a@b >", "<sip:a@b", "",
    "<sip:a@b>;;tag=1", "<sip:a@b> junk", "<sip:>",
])
def test_bad_addresses(text):
    with pytest.raises(GrammarError):
        parse_address(text)


# -- URIs --------------------------------------------------------------------------------

def test_sip_uri_parts():
    uri = parse_uri("sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&x=y")
    assert isinstance(uri, SIPURI)
    assert (uri.scheme, uri.user, uri.password, uri.host, uri.port) == \
        ("sips", "alice", "secret", "[2001:db8::1]", 5061)
    assert uri.param("TRANSPORT") == "tcp" and uri.has_param("lr")
    assert uri.headers == (("subject", "hi"), ("x", "y"))
    assert str(uri) == "sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&x=y"


def test_user_part_may_hold_semicolons_and_question_marks():
    uri = parse_uri("sip:user;par=u%40example.net@example.com")
    assert uri.user == "user;par=u%40example.net" and uri.host == "example.com"


def test_escapes_are_kept_raw_and_decoded_for_comparison():
    uri = parse_uri("sip:%75se%72@Example.COM;%6C%72")
    assert str(uri) == "sip:%75se%72@Example.COM;%6C%72"
    assert uri == parse_uri("sip:user@example.com;lr")
    assert uri.has_param("lr")
    assert parse_uri("sip:null-%00-null@x").user == "null-%00-null"


def test_uri_comparison_rules():
    assert parse_uri("sip:a@h") != parse_uri("sip:A@h")
    assert parse_uri("sip:a@h;transport=tcp") != parse_uri("sip:a@h")
    assert parse_uri("sip:a@h;foo=1") == parse_uri("sip:a@h")
    assert parse_uri("sip:a@h:5060") != parse_uri("sip:a@h")
    assert parse_uri("sip:a@h") != parse_uri("sips:a@h")


def test_tel_and_other_schemes():
    tel = parse_uri("tel:+1-201-555-0123;phone-context=example.com")
    assert isinstance(tel, TelURI) and tel.digits == "+12015550123"
    assert tel == parse_uri("tel:+1.201.555.0123;phone-context=example.com")
    other = parse_uri("soap.beep://192.0.2.103:3002")
    assert isinstance(other, AbsoluteURI) and other.scheme == "soap.beep"


@pytest.mark.parametrize("text", [
    "sip:", "sip:a@", "sip:@h", "sip:a@h:99999", "sip:a@h;;x", "sip:a b@h", "sip:a@h?x",
    "sip:a%zz@h", "<sip:a@h>", "sip:a@[::1", "tel:", "nocolon",
])
def test_bad_uris(text):
    with pytest.raises(GrammarError):
        parse_uri(text)


# -- Via ---------------------------------------------------------------------------------

def test_via_with_lws_around_slashes():
    via = Via.parse("SIP  /   2.0 /UDP    192.0.2.2 ; branch = z9hG4bK30239")
    assert via.transport == "UDP" and via.branch == "z9hG4bK30239" and via.rfc3261_branch
    assert str(via) == "SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK30239"


def test_via_ipv6_and_received():
    via = Via.parse("SIP/2.0/TCP [2001:db8::9]:5070;received=2001:db8::9;rport=5070")
    assert via.host == "[2001:db8::9]" and via.port == 5070 and via.rport == 5070


# -- strictness --------------------------------------------------------------------------

def request_with(**replace) -> bytes:
    data = INVITE
    for old, new in replace.items():
        data = data.replace(old.encode(), new.encode())
    return data


@pytest.mark.parametrize("old, new, status, words", [
    ("CSeq: 314159", "CSeq: 2147483648", 400, "CSeq"),
    ("CSeq: 314159 INVITE", "CSeq: 1 BYE", 400, "CSeq method"),
    ("Max-Forwards: 70", "Max-Forwards: 256", 400, "Max-Forwards"),
    ("Min-SE: 90", "Expires: 4294967296", 400, "Expires"),
    ("l: 5", "l: +5", 400, "Content-Length"),
    ("SIP/2.0\r\nv:", "SIP/2.1\r\nv:", 505, "Version"),
    ("SIP/2.0\r\nv:", "SIP/2\r\nv:", 400, "SIP-Version"),
    ("INVITE sip", "INV(TE sip", 400, "token"),
    ("i: a84b4c76e66710@pc33.example.com", "i: a b", 400, "Call-ID"),
    ("i: a84b4c76e66710@pc33.example.com\r\n", "", 400, "Missing Call-ID"),
    ("k: timer", "k timer", 400, "header line"),
    ("Min-SE: 90", "x: 2", 400, "Multiple Session-Expires"),
    ("c: application/csta+xml", "c: csta", 400, "Content-Type"),
])
def test_strict_checks_name_the_problem(old, new, status, words):
    with pytest.raises(SIPParseError) as caught:
        parse(request_with(**{old: new}))
    error = caught.value
    assert error.status == status and words in error.reason and error.is_request
    assert error.headers.get("Call-ID") in (None, "a84b4c76e66710@pc33.example.com", "a b")


def test_status_line():
    response = parse(b"SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                     b"To: <sip:a@b>;tag=2\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\n"
                     b"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
    assert (response.status, response.reason, response.to_tag) == (180, "Ringing", "2")
    for line in (b"SIP/2.0 99 Low", b"SIP/2.0 700 High", b"SIP/2.0 2000 X", b"SIP/2.0 abc X"):
        with pytest.raises(SIPParseError) as caught:
            parse(line + b"\r\nVia: SIP/2.0/UDP h\r\n\r\n")
        assert caught.value.is_response and error_response(caught.value) is None


def test_error_response_copies_what_could_be_read():
    data = request_with(**{"CSeq: 314159 INVITE": "CSeq: 99999999999 INVITE"})
    with pytest.raises(SIPParseError) as caught:
        parse(data)
    answer = error_response(caught.value, to_tag="abc")
    assert answer.encode() == (
        b"SIP/2.0 400 Bad CSeq: CSeq number out of range 0..2147483647\r\n"
        b"Via: SIP/2.0/TCP 192.0.2.7:5060;branch=z9hG4bK776asdhds;rport\r\n"
        b"Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK1;received=192.0.2.1\r\n"
        b'From: "Office \\"Communicator\\"" <sip:alice@example.com>;tag=1928301774\r\n'
        b"To: <sip:201@cme.example.com>;tag=abc\r\n"
        b"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
        b"CSeq: 99999999999 INVITE\r\n"
        b"Content-Length: 0\r\n\r\n")


def test_no_error_response_to_ack():
    data = request_with(**{"INVITE sip": "ACK sip", "314159 INVITE": "314159 ACK",
                           "Max-Forwards: 70": "Max-Forwards: 700"})
    with pytest.raises(SIPParseError) as caught:
        parse(data)
    assert caught.value.method == "ACK" and error_response(caught.value) is None


# -- building responses ------------------------------------------------------------------

def test_response_copies_headers_byte_exactly():
    request = parse(INVITE)
    response = request.response(200, to_tag="a6c85cf", body=b"<ok/>",
                                content_type="application/csta+xml",
                                headers=[("Contact", "<sip:201@192.0.2.10:5060>"),
                                         ("Session-Expires", "1800;refresher=uac")])
    assert response.encode() == (
        b"SIP/2.0 200 OK\r\n"
        b"Via: SIP/2.0/TCP 192.0.2.7:5060;branch=z9hG4bK776asdhds;rport\r\n"
        b"Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK1;received=192.0.2.1\r\n"
        b'From: "Office \\"Communicator\\"" <sip:alice@example.com>;tag=1928301774\r\n'
        b"To: <sip:201@cme.example.com>;tag=a6c85cf\r\n"
        b"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
        b"CSeq: 314159 INVITE\r\n"
        b"Contact: <sip:201@192.0.2.10:5060>\r\n"
        b"Session-Expires: 1800;refresher=uac\r\n"
        b"Content-Type: application/csta+xml\r\n"
        b"Content-Length: 5\r\n\r\n<ok/>")
    again = parse(response.encode())
    assert again.status == 200 and again.to_tag == "a6c85cf" and again.body == b"<ok/>"


def test_100_trying_has_no_to_tag_and_copies_timestamp():
    response = parse(INVITE).response(100)
    assert response.to_tag is None and response.headers.get("Timestamp") == "54"
    assert response.reason == "Trying"


def test_existing_to_tag_is_kept_and_a_fresh_one_made_otherwise():
    request = parse(INVITE.replace(b"t: <sip:201@cme.example.com>",
                                   b"t: <sip:201@cme.example.com>;tag=x1"))
    assert request.response(481).to_tag == "x1"
    tags = {parse(INVITE).response(486).to_tag for _ in range(3)}
    assert len(tags) == 3 and all(len(t) >= 8 for t in tags)


def test_request_encode_round_trip():
    request = parse(INVITE)
    again = parse(request.encode())
    assert again.headers == request.headers and again.body == request.body
    assert again.encode() == request.encode()


def test_encode_sets_content_length():
    request = Request("INFO", parse_uri("sip:a@b"), [("Via", "SIP/2.0/TCP h;branch=z9hG4bK1"),
                      ("From", "<sip:c@d>;tag=1"), ("To", "<sip:a@b>;tag=2"),
                      ("Call-ID", "k"), ("CSeq", "2 INFO")], body=b"abc")
    assert request.encode().endswith(b"Content-Length: 3\r\n\r\nabc")
    assert parse(request.encode()).body == b"abc"


# -- inspection --------------------------------------------------------------------------

def test_inspection_passes_a_good_cti_invite_and_406_on_accept():
    request = parse(INVITE)
    assert inspect_request(request) is None
    request.headers.add("Accept", "application/sdp")
    assert inspect_request(request).status == 406
    request.headers.set("Accept", "application/*")
    assert inspect_request(request) is None


def test_inspection_405_lists_allowed_methods():
    data = request_with(**{"INVITE sip": "SUBSCRIBE sip", "314159 INVITE": "314159 SUBSCRIBE"})
    rejection = inspect_request(parse(data), UASPolicy())
    assert rejection.status == 405 and "INFO" in rejection.headers.get("Allow")


# -- framing and limits ------------------------------------------------------------------

def test_stream_any_split():
    stream = INVITE + b"\r\n\r\n" + INVITE.replace(b"314159", b"314160")
    for size in (1, 2, 3, 5, 64, len(stream)):
        framer = StreamFramer()
        out = [m for i in range(0, len(stream), size) for m in framer.feed(stream[i:i + size])]
        assert [m.cseq.number for m in out] == [314159, 314160]
        assert framer.buffered == 0


def test_stream_bad_message_with_intact_framing_is_reported_in_line():
    bad = request_with(**{"CSeq: 314159": "CSeq: x"})
    out = StreamFramer().feed(bad + INVITE)
    assert isinstance(out[0], SIPParseError) and out[0].status == 400
    assert out[1].method == "INVITE"


def test_stream_header_section_limit():
    framer = StreamFramer()
    framer.feed(b"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n")
    with pytest.raises(FramingError) as caught:
        for _ in range(MAX_HEADER_SECTION // 1000 + 1):
            framer.feed(b"X-Pad: " + b"p" * 991 + b"\r\n")
            assert framer.buffered <= MAX_HEADER_SECTION
    assert caught.value.status == 400 and "Header section" in caught.value.reason
    assert error_response(caught.value) is not None  # Via was salvaged: answer, then close


def test_stream_body_limit_is_413_before_the_body_arrives():
    big = request_with(**{"l: 5": f"l: {MAX_BODY + 1}"}).split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    with pytest.raises(FramingError) as caught:
        StreamFramer().feed(big)
    assert caught.value.status == 413
    ok = request_with(**{"l: 5": f"l: {MAX_BODY}"}).split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    framer = StreamFramer()
    assert framer.feed(ok) == [] and framer.awaiting == MAX_BODY


def test_datagram_limits_and_keepalive():
    assert parse_datagram(b"\r\n\r\n") is None
    with pytest.raises(SIPParseError) as caught:
        parse_datagram(INVITE.replace(b"l: 5", b"l: 50"))
    assert caught.value.status == 400 and "Content-Length" in caught.value.reason
    no_length = INVITE.replace(b"l: 5\r\n", b"")
    assert parse_datagram(no_length).body == b"<x/>\n"
    padded = INVITE.replace(b"\r\n\r\n", b"\r\nX-Pad: " + b"p" * MAX_HEADER_SECTION
                            + b"\r\n\r\n")
    with pytest.raises(SIPParseError) as caught:
        parse_datagram(padded)
    assert caught.value.status == 400


def test_parsed_headers_follow_changes_to_their_text():
    request = Request("INFO", parse_address("<sip:201@h>").uri,
                      [("To", "<sip:201@h>;tag=a"), ("CSeq", "2 INFO"), ("Via", "SIP/2.0/TCP h;branch=z9hG4bK1")])
    assert request.to is request.to and request.to_tag == "a"  # parsed once, while unchanged
    request.headers.set("To", "<sip:201@h>;tag=b")
    request.headers.set("CSeq", "3 INFO")
    request.headers.set("Via", "SIP/2.0/TCP h;branch=z9hG4bK2")
    assert (request.to_tag, request.cseq.number, request.branch) == ("b", 3, "z9hG4bK2")
