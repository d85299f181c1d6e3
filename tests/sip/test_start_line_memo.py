"""The start-line memo of sip.parser: a remembered line gives what checking it gives, a
refused line is refused every time and never kept, and the memo is bounded."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sip import parser as P
from sip.message import Request, Response
from sip.parser import SIPParseError, parse_head

HEADERS = b"\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK1\r\nCSeq: 1 INFO"

LINES = st.one_of(
    st.sampled_from(["SIP/2.0 200 OK", "SIP/2.0 180 Ringing", "sip/2.0 486 Busy Here", "SIP/2.0 200",
                     "SIP/2.0 99 Low", "SIP/3.0 200 OK", "INFO sip:201@127.0.0.1:5070 SIP/2.0",
                     "INFO sip:201@h SIP/2.0 x", "INFO  sip:201@h SIP/2.0", "INFO sip:201@h?x=1 SIP/2.0",
                     "INFO sip:201@h SIP/3.0", "IN(FO sip:201@h SIP/2.0", "INFO tel:+1-201 SIP/2.0"]),
    st.builds(lambda m, u, v: f"{m} {u} {v}", st.sampled_from(["INFO", "BYE", "INVITE", "X"]),
              st.text(alphabet="sip:@.h0123;=<>%?x", min_size=1, max_size=14),
              st.sampled_from(["SIP/2.0", "sip/2.0", "SIP/2.1"])),
    st.text(alphabet="SIP/2.0 01 OKINFO:@", max_size=20))


def outcome(line: str):
    try:
        message = P._start_line(parse_head(line.encode() + HEADERS))
    except SIPParseError as e:
        return ("refused", e.status, e.reason)
    if isinstance(message, Response):
        return ("response", message.status, message.reason, message.version)
    assert isinstance(message, Request)
    return ("request", message.method, str(message.uri), message.version)


@settings(max_examples=400, deadline=None)
@given(LINES)
def test_a_remembered_line_gives_what_checking_it_gives(line):
    P._LINES.clear()
    first = outcome(line)  # checked
    assert (line in P._LINES) == (first[0] != "refused")  # a refused line is never kept
    assert outcome(line) == first  # the memo's answer, or refused again


def test_each_message_gets_its_own_headers_and_the_memo_is_bounded(monkeypatch):
    P._LINES.clear()
    a = P._start_line(parse_head(b"SIP/2.0 200 OK" + HEADERS))
    b = P._start_line(parse_head(b"SIP/2.0 200 OK" + HEADERS))
    assert a is not b and a.headers is not b.headers
    monkeypatch.setattr(P._LINES, "limit", 3)
    for code in range(200, 210):
        P._start_line(parse_head(f"SIP/2.0 {code} OK".encode() + HEADERS))
        assert len(P._LINES) <= 3


def test_a_refused_line_is_refused_each_time():
    P._LINES.clear()
    for _ in range(2):
        with pytest.raises(SIPParseError) as e:
            P._start_line(parse_head(b"INFO sip:201@h SIP/3.0" + HEADERS))
        assert e.value.status == 505
    assert not P._LINES
