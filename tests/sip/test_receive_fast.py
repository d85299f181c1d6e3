"""The receive path's fast paths (issue 15) give exactly what the general paths give:
head_end is HEAD_END.search, build_message is walk_message (same message and views, or
the same error), a whole read framed from the read's bytes is the same read framed
through the buffer, and CSeq.parse's shortcut is its split."""
from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sip.framing import FramingError, StreamFramer
from sip.grammar import GrammarError
from sip.headers import CSeq
from sip.parser import HEAD_END, SIPParseError, build_message, head_end, parse_head, walk_message

CORPUS = Path(__file__).resolve().parent.parent / "data" / "rfc4475"
SEEDS = [p.read_bytes() for p in sorted(CORPUS.glob("*.dat"))]
MANY = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- head_end ----------------------------------------------------------------------------
def regex_end(data: bytes, start: int):
    match = HEAD_END.search(data, start)
    return None if match is None else match.span()


def test_head_end_is_the_regex_on_every_short_string():
    for n in range(9):
        for octets in itertools.product(b"\r\na", repeat=n):
            data = bytes(octets)
            for start in range(n + 1):
                assert head_end(data, start) == regex_end(data, start), (data, start)
                assert head_end(bytearray(data), start) == regex_end(data, start)


@MANY
@given(st.lists(st.sampled_from([b"\r", b"\n", b"\r\n", b"\r\n\r\n", b"x", b"Via: a", b" "]),
                max_size=30), st.integers(0, 40))
def test_head_end_is_the_regex(pieces, start):
    data = b"".join(pieces)
    assert head_end(data, start) == regex_end(data, start)


@MANY
@given(st.lists(st.sampled_from([b"\r", b"\n", b"\r\n", b"\r\n\r\n", b"x", b"Via: a", b" "]),
                max_size=30))
def test_crlfcrlf_ends_a_section_without_bare_lf(pieces):
    """The framer's fast path: the first CRLFCRLF, when parse_head finds no bare LF
    before it, is where head_end (the regular expression) ends the section."""
    data = b"".join(pieces).lstrip(b"\r\n")
    blank = data.find(b"\r\n\r\n")
    if blank >= 0 and not parse_head(data[:blank]).bare_lf:
        assert regex_end(data, 0) == (blank, blank + 4)


def test_bare_lf_is_reported():
    assert not parse_head(b"SIP/2.0 200 OK\r\nVia: a\r\nTo: b").bare_lf
    assert parse_head(b"SIP/2.0 200 OK\r\nVia: a\nTo: b").bare_lf
    assert parse_head(b"SIP/2.0 200 OK\nVia: a").bare_lf
    assert parse_head(b"SIP/2.0 200 OK\r\nVia: a\n").bare_lf


def test_head_end_on_the_corpus():
    for data in SEEDS:
        assert head_end(data, 0) == regex_end(data, 0)


# -- build_message -----------------------------------------------------------------------
START_LINES = ["INFO sip:201@h SIP/2.0", "SIP/2.0 200 OK", "INVITE sip:a@b SIP/2.0",
               "BYE sip:x@y SIP/3.0", "SIP/2.0 99 Odd", "INFO  sip:a@b SIP/2.0"]
LINES = [
    "Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-1", "v: SIP/2.0/UDP h;branch=z9hG4bKx",
    "Via: SIP/2.0/TCP a, SIP/2.0/UDP b;ttl=9", "Via: SIP/2.0/TCP", "Via: SIP/2.0/TCP a,,b",
    "From: <sip:alice@apps.example>;tag=app1", "f: sip:b@c;tag=2", "From: <sip:a@b",
    "To: <sip:201@127.0.0.1>", "To: <sip:201@127.0.0.1>;tag=x", "t: \"Bob\" <sip:b@c>",
    "To: junk junk", "Call-ID: cti@127.0.0.9", "i: abc", "Call-ID: a b",
    "CSeq: 1 INFO", "CSeq: 7 INVITE", "CSeq: 2 BYE", "CSeq: x INFO", "CSeq: 1  INFO",
    "CSeq: 4294967296 INFO", "CSeq: 1 INFO extra", "Max-Forwards: 70", "Max-Forwards: 300",
    "Contact: <sip:alice@127.0.0.9:5070;transport=tcp>", "Contact: *",
    "m: <sip:c@d>;expires=x", "Contact: <sip:a@b>, <sip:c@d>;q=0.5", "Contact: <sip:a@b>;q=2",
    "Content-Type: application/csta+xml", "c: text", "Content-Length: 0", "l: 5",
    "Content-Length: x", "Route: <sip:a@b;lr>", "Route: <sip:a>,,<sip:b>", "Require: a b",
    "Expires: 10", "Expires: -1", "Session-Expires: 90;refresher=uac", "Min-SE: x",
    " continued", "\tmore", "Bad Line", "User-Agent: bench", "Supported: timer",
]


def outcome(build, head_bytes: bytes, body: bytes, checked: bool):
    head = parse_head(head_bytes)
    try:
        message = build(head, body, length_checked=checked)
    except SIPParseError as error:
        return ("error", error.status, error.reason, error.kind, error.method, error.start_line,
                list(error.headers))
    return (type(message).__name__, message.start_line(), list(message.headers), message.body,
            dict(message.headers._views))


def same(head_bytes: bytes, body: bytes = b"") -> None:
    for checked in (True, False):
        assert outcome(build_message, head_bytes, body, checked) \
            == outcome(walk_message, head_bytes, body, checked)


@MANY
@given(st.sampled_from(START_LINES), st.lists(st.sampled_from(LINES), max_size=14),
       st.sampled_from(["\r\n", "\n"]))
@example("SIP/2.0 200 OK", ["To: junk junk", "CSeq: 1 INFO", "Via: a", "Call-ID: a", "From: <sip:a@b>",
                            "To: <sip:b@c>"], "\r\n")
@example("INFO sip:201@h SIP/2.0", ["Via: SIP/2.0/TCP a", "From: <sip:a@b>", "To: <sip:b@c>",
                                    "Call-ID: a", "CSeq: 7 INVITE", "Max-Forwards: 300"], "\r\n")
def test_build_message_is_the_walk(start, lines, eol):
    same(eol.join([start] + lines).encode())


def test_build_message_is_the_walk_on_the_corpus():
    for data in SEEDS:
        span = regex_end(data, 0)
        if span is not None:
            same(data[:span[0]], data[span[1]:])


# -- the framer --------------------------------------------------------------------------
def events(framer: StreamFramer, reads: list[bytes]):
    out = []
    try:
        for data in reads:
            out += [summary(e) for e in framer.feed(data)]
    except FramingError as failure:
        out += [summary(e) for e in failure.messages] + [("framing", failure.status, failure.reason)]
    return out, framer.buffered, framer.awaiting, framer.failed


def summary(event):
    if isinstance(event, SIPParseError):
        return ("error", event.status, event.reason, list(event.headers))
    return (event.start_line(), list(event.headers), event.body)


OK = (b"SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-a\r\n"
      b"From: <sip:201@h>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: c@h\r\nCSeq: 5 INFO\r\n"
      b"Content-Length: 0\r\n\r\n")
INFO = (b"INFO sip:201@h SIP/2.0\r\nVia: SIP/2.0/TCP a:5070;branch=z9hG4bK-b\r\nMax-Forwards: 70\r\n"
        b"From: <sip:a@b>;tag=2\r\nTo: <sip:201@h>;tag=1\r\nCall-ID: c@h\r\nCSeq: 6 INFO\r\n"
        b"Content-Type: application/csta+xml\r\nContent-Length: 7\r\n\r\n<x a=1>")
PARTS = st.sampled_from([OK, INFO, b"\r\n", b"\r\n\r\n", OK[:40], INFO[:-3], b"Content-Length: x\r\n",
                         b"l: 99999999\r\n\r\n", OK.replace(b"Content-Length: 0\r\n", b""),
                         OK.replace(b"CSeq: 5", b"CSeq: x"), b"garbage\r\n\r\n"])


@MANY
@given(st.lists(PARTS | st.sampled_from(SEEDS), min_size=1, max_size=5), st.integers(0, 3))
def test_a_read_framed_whole_is_the_read_framed_through_the_buffer(parts, reads):
    data = b"".join(parts)
    fast = events(StreamFramer(), [data] * (reads + 1))
    # one octet first: the framer then holds it, so the rest goes through the buffer
    slow = events(StreamFramer(), [data[:1], data[1:]] + [data] * reads)
    # the first read's message counts the same either way; the reads after start fresh
    assert fast == slow


def test_the_fast_path_takes_whole_reads_and_leaves_the_rest_to_the_buffer():
    framer = StreamFramer()
    out = framer.feed(OK + INFO + INFO[:30])
    assert [m.start_line() for m in out] == ["SIP/2.0 200 OK", "INFO sip:201@h SIP/2.0"]
    assert framer.buffered == 30 and framer.awaiting is None
    assert [m.body for m in framer.feed(INFO[30:])] == [b"<x a=1>"]
    assert framer.buffered == 0
    framer.feed(INFO[:-3])  # the head whole, the body not: waiting for 3 octets
    assert framer.awaiting == 3


# -- CSeq --------------------------------------------------------------------------------
def split_cseq(text: str):
    """CSeq.parse by its definition (before issue 15's shortcut)."""
    from sip.grammar import decimal, is_token
    from sip.headers import MAX_CSEQ
    parts = text.split()
    if len(parts) != 2:
        raise GrammarError("CSeq must be a number and a method")
    number = decimal(parts[0], MAX_CSEQ, "CSeq number")
    if not is_token(parts[1]):
        raise GrammarError("CSeq method is not a token")
    return CSeq(number, parts[1])


def cseq_outcome(parse, text):
    try:
        return parse(text)
    except GrammarError as error:
        return str(error)


@MANY
@given(st.lists(st.sampled_from(["1", "0", "007", "2147483647", "2147483648", "999999999",
                                 "1234567890", " ", "  ", "\t", "\x0b", "\u00a0", "INFO", "info",
                                 "INVITE", "IN FO", "x", "é", "-", "+1", "١"]), max_size=5))
def test_cseq_shortcut_is_the_split(pieces):
    text = "".join(pieces)
    assert cseq_outcome(CSeq.parse, text) == cseq_outcome(split_cseq, text)


# -- Via parameters, Call-ID -------------------------------------------------------------
def checked_via_params(params) -> None:
    """_check_via_params by its definition (before issue 15's shortcut)."""
    from sip.grammar import decimal
    from sip.uri import parse_host, parse_port
    ttl = params.get("ttl")
    if ttl is not None:
        decimal(ttl, 255, "Via ttl")
    rport = params.get("rport")
    if rport:
        parse_port(rport)
    received = params.get("received")
    if received is not None:
        parse_host(received if ":" not in received else f"[{received}]", "received")


def via_params_outcome(check, items):
    from sip.grammar import Params
    try:
        check(Params(items))
    except GrammarError as error:
        return str(error)
    return None


@MANY
@given(st.lists(st.tuples(st.sampled_from(["branch", "ttl", "TTL", "rport", "rPort", "received",
                                           "Received", "maddr", "x"]),
                          st.sampled_from([None, "", "1", "300", "70000", "a", "1.2.3.4", "::1",
                                           "z9hG4bK1", "é"])), max_size=4))
def test_via_params_shortcut_is_the_three_gets(items):
    from sip.headers import _check_via_params
    assert via_params_outcome(_check_via_params, items) == via_params_outcome(checked_via_params, items)


def test_checked_lines_memo_keeps_only_what_passed():
    import sip.parser as P
    for value in ["a@b", "a b", "a@b@c", "", "x@y", "a b", "a@b", "@", "é"] * 2:
        P._CHECKED.clear()
        for _ in range(2):
            head = parse_head(("SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP h\r\nFrom: <sip:a@b>\r\n"
                               f"To: <sip:c@d>\r\nCSeq: 1 INFO\r\nCall-ID: {value}").encode())
            try:
                got = build_message(head).call_id
            except SIPParseError as error:
                got = error.reason
            try:
                P._check_call_id(value)
                expected = value
            except GrammarError as error:
                expected = f"Bad Call-ID: {error}"
            assert got == expected
            assert (("Call-ID", value) in P._CHECKED) == (expected == value)


def test_a_bytearray_read_still_gives_bytes_bodies():
    (message,) = StreamFramer().feed(bytearray(INFO))
    assert type(message.body) is bytes and message.body == b"<x a=1>"
