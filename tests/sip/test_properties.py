"""Property tests: hostile bytes, in any split, only ever cost a SIPParseError (or, on a
stream, a FramingError), and generated valid messages survive encode/parse."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sip.framing import MAX_BODY, MAX_HEADER_SECTION, FramingError, StreamFramer, parse_datagram
from sip.message import Request, Response
from sip.parser import SIPParseError, parse_message
from sip.response import error_response
from sip.uri import SIPURI

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
CORPUS = Path(__file__).resolve().parent.parent / "data" / "rfc4475"


def load_corpus(directory: Path) -> list[bytes]:
    """The RFC 4475 messages the mutations start from. Without them the hostile-bytes tests
    would fuzz far less than they claim, so a missing corpus is an error, never a fallback."""
    seeds = [p.read_bytes() for p in sorted(directory.glob("*.dat"))]
    if not seeds:
        raise FileNotFoundError(f"no RFC 4475 corpus (*.dat) in {directory}: "
                                "the property tests mutate those messages and cannot run without them")
    return seeds


SEEDS = load_corpus(CORPUS)  # at import: a missing corpus fails collection, loudly


def test_a_missing_corpus_is_an_error_not_a_fallback(tmp_path):
    with pytest.raises(FileNotFoundError, match="no RFC 4475 corpus"):
        load_corpus(tmp_path)


def test_every_message_of_the_index_seeds_the_mutations():
    listed = {line.split("|")[1].strip() for line in (CORPUS / "INDEX.md").read_text().splitlines()
              if line.startswith("| ") and line.split("|")[1].strip().endswith(".dat")}
    assert len(listed) > 40 and len(SEEDS) == len(listed)
    assert set(SEEDS) == {(CORPUS / name).read_bytes() for name in listed}


def splits(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:])]


def hostile(draw_bytes=st.binary(max_size=2000)):
    """Random bytes, and corpus messages with random bytes overwritten or cut out."""
    mutated = st.tuples(st.sampled_from(SEEDS), st.integers(0, 4000), st.binary(max_size=8),
                        st.integers(0, 20)).map(
        lambda t: t[0][:t[1] % (len(t[0]) + 1)] + t[2] + t[0][t[1] % (len(t[0]) + 1) + t[3]:])
    return st.one_of(draw_bytes, mutated)


def _consume(message) -> None:
    """What the layers above will do with a message: none of it may raise."""
    if isinstance(message, SIPParseError):
        error_response(message, to_tag="x")
        return
    message.encode()
    if isinstance(message, Request):
        message.response(500, to_tag="x").encode()


@FAST
@given(hostile())
def test_datagrams_only_raise_sip_parse_error(data):
    try:
        message = parse_datagram(data)
    except SIPParseError as error:
        assert 400 <= error.status < 600 and "\n" not in error.reason
        _consume(error)
    else:
        if message is not None:
            _consume(message)


@FAST
@given(st.lists(hostile(), min_size=1, max_size=3), st.lists(st.integers(0, 6000), max_size=12))
def test_stream_only_raises_framing_error(messages, cuts):
    framer = StreamFramer()
    try:
        for chunk in splits(b"".join(messages), cuts):
            for event in framer.feed(chunk):
                _consume(event)
            assert framer.buffered <= max(MAX_HEADER_SECTION, MAX_BODY)
    except FramingError as error:
        assert error.status in (400, 413)
        for event in error.messages:
            _consume(event)


token = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~",
                min_size=1, max_size=12)
user = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()&=+$,;?/", min_size=1, max_size=12)
host = st.from_regex(r"[a-z][a-z0-9]{0,8}(\.[a-z][a-z0-9]{0,8}){0,2}", fullmatch=True)
display = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FF,
                                blacklist_categories=("Cs",)), max_size=20)


@st.composite
def requests(draw) -> Request:
    user_part = draw(user)
    uri = SIPURI("sip", user_part, None, draw(host), draw(st.none() | st.integers(1, 65535)))
    method = draw(st.sampled_from(["INVITE", "INFO", "OPTIONS", "BYE", "REGISTER"]) | token)
    name = draw(display).replace("\\", "\\\\").replace('"', '\\"')
    headers = [
        ("Via", f"SIP/2.0/TCP {draw(host)}:{draw(st.integers(1, 65535))};branch=z9hG4bK{draw(token)}"),
        ("Max-Forwards", str(draw(st.integers(0, 255)))),
        ("From", f'"{name}" <sip:{draw(user)}@{draw(host)}>;tag={draw(token)}'),
        ("To", f"<{uri}>"),
        ("Call-ID", f"{draw(token)}@{draw(host)}"),
        ("CSeq", f"{draw(st.integers(0, 2**31 - 1))} {method}"),
    ]
    for _ in range(draw(st.integers(0, 3))):
        headers.append((draw(st.sampled_from(["X-" + draw(token), "Subject", "Supported"])),
                        draw(st.text("abc xyz,;=", max_size=30)).strip()))
    body = draw(st.binary(max_size=300))
    return Request(method, uri, headers, body)


@FAST
@given(requests(), st.lists(st.integers(0, 2000), max_size=6))
def test_generated_requests_round_trip(request, cuts):
    data = request.encode()
    again = parse_message(data)
    assert again.method == request.method and str(again.uri) == str(request.uri)
    assert again.headers == request.headers and again.body == request.body
    assert again.encode() == data
    assert again.from_.display_name == request.from_.display_name
    framer = StreamFramer()
    out = [m for chunk in splits(data + data, cuts) for m in framer.feed(chunk)]
    assert [m.encode() for m in out] == [data, data]


@FAST
@given(requests(), st.integers(100, 699), st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20))
def test_generated_responses_round_trip(request, status, reason):
    response = request.response(status, reason, to_tag="abc")
    data = response.encode()
    again = parse_message(data)
    assert isinstance(again, Response)
    assert (again.status, again.reason) == (status, reason)
    assert again.headers == response.headers and again.encode() == data
