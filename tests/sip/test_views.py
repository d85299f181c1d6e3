"""Message's typed views (Headers.view) are parsed once and kept until their header
changes (issue 15): after any change, and on any parsed message, every accessor answers
what parsing the current header text afresh would."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sip import message as message_module
from sip.grammar import GrammarError
from sip.message import Headers, Request
from sip.parser import SIPParseError, parse_message
from sip.transport import stamp_via
from sip.uri import parse_uri

CORPUS = Path(__file__).resolve().parent.parent / "data" / "rfc4475"

ACCESSORS = ("call_id", "cseq", "from_", "to", "from_tag", "to_tag", "via", "branch",
             "contacts", "contact", "content_type", "content_type_header")


def shape(value):
    """A comparable picture of what an accessor returned (the parsed objects compare
    semantically; this compares them as written)."""
    if isinstance(value, list):
        return [shape(v) for v in value]
    if value is None or isinstance(value, (str, int)):
        return value
    params = getattr(value, "params", None)
    return (type(value).__name__, str(value), repr(value),
            list(params) if params is not None else None)


def read(message, name):
    try:
        return ("ok", shape(getattr(message, name)))
    except GrammarError as exc:
        return ("error", str(exc))


def fresh(message: Request) -> Request:
    """The same message with headers that have never been read: nothing remembered."""
    return Request(message.method, message.uri, list(message.headers), message.body)


def agree(message: Request) -> None:
    for name in ACCESSORS:
        read(message, name)  # what it has, remembered or shared (shared_view)
    message_module._SHARED.clear()  # so that the fresh copy really parses
    again = fresh(message)
    for name in ACCESSORS:
        assert read(message, name) == read(again, name), name


VALUES = {
    "To": ["<sip:bob@example.com>", "<sip:bob@example.com>;tag=1", "Bob <sip:b@h>;tag=2",
           "sip:bob@h;tag=3", "<bad", ""],
    "From": ["<sip:a@h>;tag=x", '"A" <sip:a@h>;tag=y', "<sip:a@h>"],
    "Via": ["SIP/2.0/TCP h:5060;branch=z9hG4bK1", "SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bK2",
            "SIP/2.0/TCP a;branch=z9hG4bK3, SIP/2.0/TCP b;branch=z9hG4bK4", "junk"],
    "CSeq": ["1 INVITE", "2 INFO", "x"],
    "Call-ID": ["abc@h", " spaced ", "other"],
    "Content-Type": ["application/csta+xml", "text/plain;charset=utf-8", "/"],
    "Contact": ["<sip:c@h>", "*", "<sip:d@h>;expires=60, <sip:e@h>", "<x"],
}
COMPACT = {"To": "t", "From": "f", "Via": "v", "Call-ID": "i", "Content-Type": "c",
           "Contact": "m"}
NAMES = sorted(VALUES)

operations = st.lists(
    st.tuples(st.sampled_from(["add", "set", "remove", "read"]), st.sampled_from(NAMES),
              st.integers(0, 5), st.booleans()),
    max_size=20)


@settings(max_examples=400, deadline=None)
@given(operations)
def test_a_view_is_what_parsing_the_current_text_gives(ops):
    message = Request("INVITE", parse_uri("sip:bob@example.com"), [])
    for op, name, which, compact in ops:
        spelled = COMPACT.get(name, name.upper()) if compact else name
        value = VALUES[name][which % len(VALUES[name])]
        if op == "add":
            message.headers.add(spelled, value)
        elif op == "set":
            message.headers.set(spelled, value)
        elif op == "remove":
            message.headers.remove(spelled)
        else:
            for accessor in ACCESSORS:
                read(message, accessor)  # remember what can be parsed
        agree(message)


def test_a_copy_keeps_the_views_and_changes_apart():
    message = Request("INVITE", parse_uri("sip:bob@example.com"),
                      [("To", "<sip:b@h>;tag=1"), ("Call-ID", "c")])
    assert message.to_tag == "1"
    copy = Headers.copy(message.headers)
    copy.set("To", "<sip:b@h>;tag=2")
    assert message.to_tag == "1"
    assert Request("INVITE", message.uri, copy).to_tag == "2"


INVITE = (
    "INVITE sip:201@127.0.0.1:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK-1-0;rport, SIP/2.0/UDP b;branch=z9hG4bKb\r\n"
    "v: SIP/2.0/UDP c;branch=z9hG4bKc\r\n"
    "From: <sip:alice@127.0.0.1>;tag=1SIPpTag001\r\n"
    "To: \"Bob\" <sip:201@127.0.0.1>\r\n"
    "Call-ID: 1-1@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Max-Forwards: 70\r\n"
    "m: <sip:alice@127.0.0.1:5070;transport=TCP>, *\r\n"
    "Contact: <sip:other@h>;expires=30\r\n"
    "Content-Type: application/csta+xml\r\n"
    "Content-Length: 0\r\n\r\n").encode()


def corpus_requests():
    for path in sorted(CORPUS.glob("*.dat")):
        try:
            message = parse_message(path.read_bytes())
        except SIPParseError:
            continue
        if isinstance(message, Request):
            yield pytest.param(message, id=path.name)


@pytest.mark.parametrize("message", [parse_message(INVITE), *corpus_requests()])
def test_what_the_parser_keeps_is_what_the_accessors_would_parse(message):
    agree(message)


@pytest.mark.parametrize("host, port", [("127.0.0.1", 5070), ("10.9.9.9", 40000),
                                        ("::1", 5062)])
def test_a_stamped_via_is_the_view_parsing_would_give(host, port):
    message = parse_message(INVITE)
    branch = message.branch
    stamp_via(message, host, port)
    agree(message)
    assert message.branch == branch
    assert message.via.rport == port
    assert message.headers.get_all("Via")[1:] == ["SIP/2.0/UDP c;branch=z9hG4bKc"]


def test_stamping_leaves_the_parsed_view_it_started_from_alone():
    message = parse_message(INVITE)
    before = message.via
    params = list(before.params)
    stamp_via(message, "10.9.9.9", 40000)
    assert list(before.params) == params  # a shared view is never changed in place
    assert message.via is not before and message.via.received == "10.9.9.9"


def test_the_views_of_repeated_headers_are_shared_and_bounded():
    from sip import message as module
    module._SHARED.clear()
    first, second = parse_message(INVITE), parse_message(INVITE)
    assert first.to is second.to and first.from_ is second.from_  # parsed once
    assert first.content_type_header is second.content_type_header
    for n in range(module._SHARED_MAX + 5):
        parse_message(INVITE.replace(b"tag=1SIPpTag001", f"tag={n}".encode()))
    assert len(module._SHARED) <= module._SHARED_MAX
    agree(parse_message(INVITE))


def test_a_bad_repeated_header_is_never_remembered():
    from sip import message as module
    bad = INVITE.replace(b'To: "Bob" <sip:201@127.0.0.1>', b"To: <sip:201@127.0.0.1")
    for _ in range(2):
        with pytest.raises(SIPParseError) as info:
            parse_message(bad)
        assert info.value.status == 400 and info.value.reason.startswith("Bad To:")
    assert not any(name == "To" and "<sip:201@127.0.0.1" == value
                   for name, value in module._SHARED)


def test_the_shared_views_hold_a_full_server_of_dialogs():
    """200 CTI sessions (four From/To texts each) fit: the 200s to their INFOs find their
    From and To parsed (at 512 the memo started over and parsed them again)."""
    from sip import message as module
    module._SHARED.clear()
    texts = [INVITE.replace(b"tag=1SIPpTag001", f"tag=s{n}".encode())
             .replace(b"Call-ID: ", f"Call-ID: {n}".encode()) for n in range(800)]
    firsts = [parse_message(t) for t in texts]
    again = [parse_message(t) for t in texts]
    assert all(a.from_ is b.from_ for a, b in zip(firsts, again))


def test_a_long_repeated_header_is_parsed_not_remembered():
    from sip import message as module
    module._SHARED.clear()
    long_name = b'"' + b"x" * 300 + b'"'
    message = parse_message(INVITE.replace(b'"Bob"', long_name))
    assert message.to.display_name == "x" * 300
    assert not any(name == "To" for name, _ in module._SHARED)
    agree(message)
