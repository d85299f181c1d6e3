"""The compiled fast paths of sip/headers.py and sip/grammar.py added for issue 15 accept
exactly the character walk's language: same value, same error text, on any input."""
from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sip.grammar import GrammarError, Scanner, decimal
from sip.headers import ContentType

from tests.sip.test_grammar_fast import walk_params


def walk_content_type(text: str):
    """ContentType.parse as it was before the fast path: the character walk alone."""
    sc = Scanner(text)
    sc.skip_ws()
    mtype = sc.token("media type")
    sc.expect("/", "'/'")
    subtype = sc.token("media subtype")
    return ContentType(mtype, subtype, walk_params(sc))


def content_type_outcome(parse, text: str):
    try:
        parsed = parse(text)
    except GrammarError as exc:
        return ("error", str(exc))
    return ("ok", parsed.type, parsed.subtype, list(parsed.params))


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(["application", "csta+xml", "/", " ", "\t", ";", "charset",
                                 "=", "utf-8", '"q"', "é", "", "//", "text", "*"]),
                max_size=10))
@example(["application", "/", "csta+xml"])
@example([" ", "text", " ", "/", "\t", "plain", ";", "charset", "=", "utf-8"])
@example(["text", "/"])
def test_content_type_fast_path_is_the_walk(pieces):
    text = "".join(pieces)
    assert (content_type_outcome(ContentType.parse, text)
            == content_type_outcome(walk_content_type, text))


def walk_decimal(text: str, maximum: int, what: str) -> int:
    """decimal() as it was before the fast path."""
    import re
    text = text.strip(" \t")
    if not re.match(r"[0-9]+\Z", text):
        raise GrammarError(f"{what} is not a decimal number")
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(maximum)) or int(digits) > maximum:
        raise GrammarError(f"{what} out of range 0..{maximum}")
    return int(digits)


def decimal_outcome(parse, text, maximum):
    try:
        return ("ok", parse(text, maximum, "n"))
    except GrammarError as exc:
        return ("error", str(exc))


@settings(max_examples=3000, deadline=None)
@given(st.text(st.sampled_from(list("0123456789 \t-+x²٣\n")), max_size=14),
       st.sampled_from([0, 9, 255, 2**31 - 1, 2**32 - 1, 10**9]))
@example("0068", 255)
@example("256", 255)
@example("000000000255", 255)
@example("٣", 255)
@example("4294967296", 2**32 - 1)
def test_decimal_fast_path_is_the_walk(text, maximum):
    assert decimal_outcome(decimal, text, maximum) == decimal_outcome(walk_decimal, text, maximum)


def test_the_sent_by_memo_is_bounded_and_keeps_no_failure():
    from sip import headers
    from sip.headers import Via
    headers._SENT_BY.clear()
    for n in range(headers._SENT_BY_MAX + 10):
        via = Via.parse(f"SIP/2.0/tcp 10.0.{n // 250}.{n % 250}:5060;branch=z9hG4bK{n}")
        assert (via.protocol, via.transport, via.port) == ("SIP/2.0", "TCP", 5060)
    assert len(headers._SENT_BY) <= headers._SENT_BY_MAX
    for _ in range(2):
        try:
            Via.parse("SIP/2.0/UDP bad_host!:99999;branch=z9hG4bK1")
        except GrammarError as exc:
            assert "bad" in str(exc)
        else:
            raise AssertionError("a bad sent-by parsed")
    assert not any("bad_host" in text for text in headers._SENT_BY)
    first = Via.parse("SIP/2.0/UDP h:5060;branch=z9hG4bKa")
    second = Via.parse("SIP/2.0/UDP h:5060;branch=z9hG4bKb")
    assert (first.branch, second.branch) == ("z9hG4bKa", "z9hG4bKb")
    assert first.params is not second.params  # params are each Via's own
