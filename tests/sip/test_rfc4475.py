"""RFC 4475 torture corpus: every file, over UDP and TCP, gets exactly what INDEX.md says.

EXPECTED is the table below, written from INDEX.md; test_expectations_follow_index checks
it against INDEX.md's wording, so the two cannot drift. Where we chose among INDEX's
alternatives ("400 (or tolerate)") the comment says which and why; DEVIATIONS lists the
one file where we do not follow INDEX.md at all.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from sip.framing import FramingError, StreamFramer, parse_datagram
from sip.inspection import UASPolicy, inspect_request
from sip.message import Request, Response
from sip.parser import SIPParseError
from sip.response import error_response

CORPUS = Path(__file__).resolve().parent.parent / "data" / "rfc4475"  # the project's copy

PARSE, ERROR, INSPECT, DISCARD = "parse", "error", "inspect", "discard"

EXPECTED: dict[str, tuple] = {
    # file: (outcome, method / status / allowed statuses)
    "wsinv.dat": (PARSE, "INVITE"),
    "intmeth.dat": (INSPECT, {405, 501}),
    "esc01.dat": (PARSE, "INVITE"),
    "escnull.dat": (PARSE, "REGISTER"),
    "esc02.dat": (INSPECT, {405, 501}),
    "lwsdisp.dat": (PARSE, "OPTIONS"),
    "longreq.dat": (PARSE, "INVITE"),  # 3.5 KiB: well under MAX_HEADER_SECTION
    "dblreq.dat": (PARSE, "REGISTER"),
    "semiuri.dat": (PARSE, "OPTIONS"),
    "transports.dat": (PARSE, "OPTIONS"),
    "mpart01.dat": (PARSE, "MESSAGE"),
    "unreason.dat": (PARSE, 200),
    "noreason.dat": (PARSE, 100),
    "badinv01.dat": (ERROR, {400}),
    "clerr.dat": (ERROR, {400}),  # UDP; over TCP the framer waits (TCP_EXPECTED)
    "ncl.dat": (ERROR, {400}),
    "scalar02.dat": (ERROR, {400}),
    "scalarlg.dat": (DISCARD, None),
    "quotbal.dat": (ERROR, {400}),
    "ltgtruri.dat": (ERROR, {400}),
    "lwsruri.dat": (ERROR, {400}),
    "lwsstart.dat": (ERROR, {400}),  # strict: RFC 3261 §7.1 single SP
    "trws.dat": (ERROR, {400}),  # strict, as lwsstart
    "escruri.dat": (ERROR, {400}),  # strict: §19.1.1 forbids headers in a Request-URI
    "baddate.dat": (PARSE, "INVITE"),  # tolerated: Date is never parsed
    "regbadct.dat": (PARSE, "REGISTER"),  # tolerated: ?headers stay in the URI
    "badaspec.dat": (ERROR, {400}),  # strict: LAQUOT/RAQUOT allow no space inside <>
    "baddn.dat": (ERROR, {400}),  # strict: ',' is not a token character
    "badvers.dat": (ERROR, {505}),
    "mismatch01.dat": (ERROR, {400}),
    "mismatch02.dat": (ERROR, {400, 501}),
    "bigcode.dat": (DISCARD, None),
    "badbranch.dat": (PARSE, "OPTIONS"),
    "insuf.dat": (ERROR, {400}),
    "unkscm.dat": (INSPECT, {416}),
    "novelsc.dat": (INSPECT, {416}),
    "unksm2.dat": (PARSE, "REGISTER"),
    "bext01.dat": (INSPECT, {420}),
    "invut.dat": (INSPECT, {415}),
    "regaut01.dat": (PARSE, "REGISTER"),
    "multi01.dat": (ERROR, {400}),
    "mcl01.dat": (ERROR, {400}),
    "bcast.dat": (DISCARD, None),  # well-formed: parsed, then matches no transaction
    "zeromf.dat": (PARSE, "OPTIONS"),
    "cparam01.dat": (PARSE, "REGISTER"),
    "cparam02.dat": (PARSE, "REGISTER"),
    "regescrt.dat": (PARSE, "REGISTER"),
    "sdp01.dat": (INSPECT, {406, 415}),
    "inv2543.dat": (PARSE, "INVITE"),
    "test.dat": (ERROR, {400}),  # see DEVIATIONS
}

DEVIATIONS = {
    "test.dat": "INDEX.md says 'parse', but the request line has no SIP-Version, one header "
                "line has no colon, and Via and CSeq are missing: RFC 3261 §7.1, §7.3 and "
                "§8.1.1 make it malformed, exactly like insuf.dat which INDEX.md answers "
                "with 400. We answer 400 (no Via, so in practice nothing is sent).",
}

# Over TCP: INDEX.md's rule "a framing error (bad or missing Content-Length) closes the
# connection after the error response", and octets after a message are the next one.
FRAMING = "framing"
TCP_EXPECTED: dict[str, tuple] = {
    "clerr.dat": ("wait", None),          # Content-Length 9999 > octets sent: keep reading
    "ncl.dat": (FRAMING, {400}),          # negative Content-Length
    "mcl01.dat": (FRAMING, {400}),        # which of two lengths? framing is lost
    "inv2543.dat": (FRAMING, {400}),      # no Content-Length on a stream (§20.14)
    # Two requests (the CRLF between them is a keepalive); the INVITE's body is 5 octets
    # longer than its Content-Length, and those octets ("C" CRLF CRLF) are no message.
    "dblreq.dat": ("messages-then-framing", ["REGISTER", "INVITE"]),
}

# The CTI server's own policy: sip/sips, INVITE/INFO/..., csta+xml bodies (sdp01 → 415).
POLICY = UASPolicy()
FILES = sorted(p.name for p in CORPUS.glob("*.dat"))


def index_rows() -> dict[str, str]:
    rows = {}
    for line in (CORPUS / "INDEX.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].endswith(".dat"):
            rows[cells[0]] = cells[3]
    return rows


def test_corpus_and_index_name_the_same_files():
    index = index_rows()
    assert FILES, f"no corpus at {CORPUS}"
    assert sorted(index) == FILES
    assert sorted(EXPECTED) == FILES


def test_expectations_follow_index():
    for name, wording in index_rows().items():
        outcome, detail = EXPECTED[name]
        mentioned = {int(s) for s in re.findall(r"\b[1-6][0-9]{2}\b", wording)}
        if name in DEVIATIONS:
            continue
        if wording.startswith(("parse", "tolerate")):
            if outcome == INSPECT:
                assert detail <= mentioned, name
            else:
                assert outcome == PARSE, name
        elif wording.startswith("discard"):
            assert outcome == DISCARD, name
        else:
            assert outcome == ERROR or outcome == INSPECT, name
            assert detail <= mentioned, (name, detail, wording)


def _read(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def _check_message(name: str, message) -> None:
    outcome, detail = EXPECTED[name]
    if outcome == PARSE:
        if isinstance(detail, int):
            assert isinstance(message, Response) and message.status == detail
        else:
            assert isinstance(message, Request) and message.method == detail
            assert message.cseq.method == message.method
            assert message.call_id and message.from_ and message.to and message.vias
            assert inspect_request(message, UASPolicy(
                methods=frozenset({message.method}), uri_schemes=frozenset({"sip"}),
                body_types=frozenset({message.content_type or ""}),
                response_types=frozenset({"application/sdp"}))) is None
    elif outcome == INSPECT:
        assert isinstance(message, Request)
        rejection = inspect_request(message, POLICY, to_tag="t1")
        assert rejection is not None and rejection.status in detail, name
        extra = {405: "Allow", 415: "Accept", 420: "Unsupported", 406: "Warning"}
        if rejection.status in extra:
            assert extra[rejection.status] in rejection.headers
        assert rejection.to_tag == "t1" and rejection.headers.get_all("Via") \
            == message.headers.get_all("Via")
    elif outcome == DISCARD:
        assert isinstance(message, Response), name  # well-formed, for no transaction of ours
    else:
        pytest.fail(f"{name}: parsed, but INDEX.md expects {outcome} {detail}")


def _check_error(name: str, error: SIPParseError) -> None:
    outcome, detail = EXPECTED[name]
    assert outcome in (ERROR, DISCARD), f"{name}: {error}"
    if outcome == DISCARD:
        assert error.is_response and error_response(error) is None
        return
    assert error.is_request and error.status in detail, f"{name}: {error}"
    assert error.reason and "\n" not in error.reason
    answer = error_response(error, to_tag="t9")
    if "Via" in error.headers:
        assert answer is not None and answer.status == error.status
        assert answer.headers.get_all("Via") == error.headers.get_all("Via")
        assert answer.encode().startswith(f"SIP/2.0 {error.status} ".encode())
    else:
        assert answer is None


@pytest.mark.parametrize("name", FILES)
def test_udp(name):
    began = time.monotonic()
    try:
        message = parse_datagram(_read(name))
    except SIPParseError as error:
        _check_error(name, error)
    else:
        _check_message(name, message)
    assert time.monotonic() - began < 1.0


@pytest.mark.parametrize("chunk", [None, 1, 7, 100])
@pytest.mark.parametrize("name", FILES)
def test_tcp(name, chunk):
    data = _read(name)
    chunks = [data] if chunk is None else [data[i:i + chunk] for i in range(0, len(data), chunk)]
    framer = StreamFramer()
    events, failure = [], None
    began = time.monotonic()
    try:
        for piece in chunks:
            events += framer.feed(piece)
    except FramingError as error:
        failure = error
        events += error.messages
    assert time.monotonic() - began < 1.0
    assert framer.buffered <= len(data)
    outcome, detail = TCP_EXPECTED.get(name, (None, None))
    if outcome == "wait":
        body = data.split(b"\r\n\r\n", 1)[1]
        assert failure is None and events == [] and framer.buffered == len(body)
        assert framer.awaiting == 9999 - len(body)  # never reads past what was sent
    elif outcome == FRAMING:
        assert failure is not None and failure.status in detail and events == []
        assert framer.failed and framer.buffered == 0
        answer = error_response(failure, to_tag="t9")
        assert answer is not None and answer.status == failure.status
        with pytest.raises(FramingError):
            framer.feed(b"OPTIONS sip:a@b SIP/2.0\r\n")
    elif outcome == "messages-then-framing":
        assert failure is not None and failure.status == 400
        assert [m.method for m in events] == detail
        assert error_response(failure) is None  # "C" is no request: nothing to answer
    else:
        assert failure is None, f"{name}: {failure}"
        assert len(events) == 1 and framer.buffered == 0
        if isinstance(events[0], SIPParseError):
            _check_error(name, events[0])
        else:
            _check_message(name, events[0])


def test_dblreq_udp_ignores_the_second_request():
    message = parse_datagram(_read("dblreq.dat"))
    assert message.method == "REGISTER" and message.body == b""


def test_deviations_are_still_needed():
    with pytest.raises(SIPParseError) as caught:
        parse_datagram(_read("test.dat"))
    assert caught.value.status == 400 and "SIP-Version" in caught.value.reason
