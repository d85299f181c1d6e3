"""The compiled Call-ID check accepts exactly what word[@word] by its definition does
(sip.parser.walk_call_id), on any text; the mandatory-header test names the same
missing header as checking them one by one."""
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sip.grammar import GrammarError, WORD_CHARS
from sip.message import Headers
from sip.parser import REQUIRED, _REQUIRED_KEYS, _check_call_id, walk_call_id

ALPHABET = st.sampled_from(sorted(WORD_CHARS) + list("@ \t\r\n;,=é\x00\u2028"))


def outcome(check, value):
    try:
        check(value)
        return "ok"
    except GrammarError as exc:
        return str(exc)


@settings(max_examples=3000, deadline=None)
@given(st.text(ALPHABET, max_size=24) | st.text(max_size=12))
@example("")
@example("@")
@example("a@")
@example("@b")
@example("a@b@c")
@example("a@b")
@example("abc\n")
@example('f81d4fae-7dec-11d0-a765-00a0c91e6bf6@[2001:db8::9:1]')
def test_call_id_fast_check_is_the_definition(value):
    assert outcome(_check_call_id, value) == outcome(walk_call_id, value)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*REQUIRED, "Max-Forwards", "v", "f", "t", "i", "call-id", "CSEQ", "X"]),
                max_size=8))
def test_has_all_is_every_required_header_present(names):
    headers = Headers([(name, "x") for name in names])
    assert headers.has_all(_REQUIRED_KEYS) == all(name in headers for name in REQUIRED)
