"""parse_head's one-pass reading (issue 15: interned names, a plain split for CRLF-only
sections) gives what the line walk gave before it: same start line, same fields in the
same order with the same names and values, same first bad line."""
from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sip.grammar import WSP, is_token
from sip.message import Headers
from sip.parser import parse_head


def walk_head(head: bytes):
    """parse_head as it was before issue 15."""
    text = head.decode("utf-8", "surrogateescape")
    lines = re.split(r"\r?\n", text.lstrip("\r\n"))
    start_line = lines[0]
    fields: list[list[str]] = []
    bad_line = None
    for line in lines[1:]:
        if line[:1] in (" ", "\t"):
            if fields:
                fields[-1][1] += " " + line.strip(WSP)
            elif bad_line is None:
                bad_line = line
            continue
        name, colon, value = line.partition(":")
        name = name.rstrip(WSP)
        if not colon or not is_token(name):
            if bad_line is None:
                bad_line = line
            continue
        fields.append([name, value.strip(WSP)])
    headers = Headers((name, value.strip(WSP)) for name, value in fields)
    return start_line, list(headers), bad_line


def outcome(head: bytes):
    parsed = parse_head(head)
    return parsed.start_line, list(parsed.headers), parsed.bad_line


PIECES = st.sampled_from([
    "INVITE sip:a@h SIP/2.0", "SIP/2.0 200 OK", "\r\n", "\n", "\r", " ", "\t", ":", "Via",
    "v", "VIA ", "To", "t", "X-Odd", "x-odd", "Bad Name", "é", "value", " folded", "\tmore",
    "", ";tag=1", "a:b", "Call-ID"])


@settings(max_examples=4000, deadline=None)
@given(st.lists(PIECES, max_size=20))
@example(["INVITE sip:a@h SIP/2.0", "\r\n", "Via", ":", " value", "\r\n", " ", "\r\n", "\t",
          "more"])
@example(["\r\n", "\r\n", "SIP/2.0 200 OK", "\r", "\r\n", "To", ":", "x", "\n", "t", ":", "y"])
@example(["INVITE sip:a@h SIP/2.0", "\r\n", "VIA ", ":", "value", "\r\n", "Bad Name", ":"])
def test_parse_head_is_the_walk(pieces):
    head = "".join(pieces).encode("utf-8")
    assert outcome(head) == walk_head(head)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=60))
def test_parse_head_is_the_walk_on_any_octets(data):
    assert outcome(data) == walk_head(data)
