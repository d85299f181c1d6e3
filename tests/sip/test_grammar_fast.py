"""The compiled fast paths of sip/grammar.py accept exactly the character walk's language
(issue 15): same parameters, same position, same error text, on any input."""
from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sip.grammar import GrammarError, Params, Scanner
from sip.headers import Via, _check_via_params, walk_via_head


def walk_params(sc: Scanner) -> Params:
    """Scanner.params without its fast path: the character walk alone."""
    return sc.walk_params(Params())


def outcome(parse, text: str, pos: int):
    sc = Scanner(text, pos)
    try:
        return ("ok", list(parse(sc)), sc.pos)
    except GrammarError as exc:
        return ("error", str(exc))


# the characters that matter to the grammar, plus a few that are in no class
ALPHABET = st.sampled_from(list(';= \t"\\ab:[]@.-%~xé\x00,<>'))


@settings(max_examples=3000, deadline=None)
@given(st.text(ALPHABET, max_size=30), st.integers(0, 3))
@example(';ab="x"', 0)
@example(';a ="x"', 0)
@example(';a= ;b', 0)
@example(' ; tag = x ;lr', 0)
@example(';a=b=c', 0)
@example(';a;b;', 0)
@example(';a=[::1]:5;é', 0)
def test_params_fast_path_is_the_walk(text, pos):
    pos = min(pos, len(text))
    assert outcome(Scanner.params, text, pos) == outcome(walk_params, text, pos)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from([";", "=", " ", "\t", '"q"', '"', "a", "tag", "[::1]", ":",
                                 "5060", "10.0.0.1", "é", "", "@", "=="]), max_size=12),
       st.integers(0, 2))
def test_params_fast_path_is_the_walk_on_likely_pieces(pieces, pos):
    text = "".join(pieces)
    pos = min(pos, len(text))
    assert outcome(Scanner.params, text, pos) == outcome(walk_params, text, pos)


def walk_via(text: str):
    """Via.parse without its fast paths: the character walk alone."""
    sc, protocol, transport, host, port = walk_via_head(text)
    params = walk_params(sc)
    _check_via_params(params)
    return Via(transport, host, port, params, protocol)


def via_outcome(parse, text: str):
    try:
        via = parse(text)
    except GrammarError as exc:
        return ("error", str(exc))
    return ("ok", via.protocol, via.transport, via.host, via.port, list(via.params))


VIA_PIECES = st.sampled_from(["SIP", "2.0", "/", " ", "\t", "UDP", "tcp", "host.example",
                              "10.0.0.1", "[::1]", "[", "]", ":", "5060", "99999", ";",
                              "branch=z9hG4bK1", "rport", "=", "ttl=300", '"q"', "é", "@", ""])


@settings(max_examples=4000, deadline=None)
@given(st.lists(VIA_PIECES, max_size=14))
@example(["SIP", "/", "2.0", "/", "UDP", " ", "h", ":"])
@example(["SIP", "/", "2.0", "/", "UDP", " ", "h", " ", ":", " ", "5"])
@example(["SIP", "/", "2.0", "/", "UDP", " ", "[::1]", ":", "5060"])
@example([" ", "SIP", " ", "/", " ", "2.0", "/", "UDP", "\t", "10.0.0.1", ";", "rport"])
def test_via_fast_path_is_the_walk(pieces):
    text = "".join(pieces)
    assert via_outcome(Via.parse, text) == via_outcome(walk_via, text)


@settings(max_examples=1000, deadline=None)
@given(st.text(st.sampled_from(list("SIP/2.0 \tUDPh:5;=[]é@")), max_size=25))
def test_via_fast_path_is_the_walk_on_any_text(text):
    assert via_outcome(Via.parse, text) == via_outcome(walk_via, text)
