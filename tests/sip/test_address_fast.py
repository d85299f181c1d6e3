"""parse_address's compiled name-addr fast path and parse_uri's memo accept exactly what
the general walk does (issue 15): same Address, same error text, on any input."""
from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sip import uri as uri_module
from sip.address import _parse_general, parse_address
from sip.grammar import GrammarError


def outcome(parse, text: str):
    try:
        address = parse(text)
    except GrammarError as exc:
        return ("error", str(exc))
    uri = address.uri
    return ("ok", address.display_name, type(uri).__name__, str(uri), uri.scheme,
            getattr(uri, "user", None), getattr(uri, "host", None),
            getattr(uri, "port", None), getattr(uri, "params", None),
            list(address.params))


PIECES = st.sampled_from([
    "<", ">", '"', "\\", " ", "\t", "sip:", "sips:", "tel:", "alice", "@", "127.0.0.1",
    "example.com", ":", "5060", ";", "tag=", "1234", "transport=tcp", "lr", "=", "Alice",
    "Bob Smith", '"Q"', "\\\"", "é", ",", "?", "h=v", "[::1]", "", "\r", "\n", "%41"])


@settings(max_examples=4000, deadline=None)
@given(st.lists(PIECES, max_size=14))
@example(["<", "sip:", "alice", "@", "127.0.0.1", ">", ";", "tag=", "1234"])
@example(['"Q"', " ", "<", "sip:", "alice", "@", "example.com", ">"])
@example([" ", "Bob Smith", "\t", "<", "sip:", "alice", "@", "example.com", ">", " ", ";", "lr"])
@example(['"', "\\\"", '"', "<", "sip:", "alice", "@", "example.com", ">"])
@example(["<", "sip:", "alice", " ", "@", "example.com", ">"])
@example(["<", ">"])
@example(["Alice", ":", "<", "sip:", "alice", "@", "example.com", ">"])
@example(["<", "sip:", "alice", "@", "example.com", ">", "<", "sip:", "x", ">"])
def test_name_addr_fast_path_is_the_walk(pieces):
    text = "".join(pieces)
    assert outcome(parse_address, text) == outcome(_parse_general, text)


@settings(max_examples=1500, deadline=None)
@given(st.text(st.sampled_from(list('<>" \t\\sip:a@h;tag=1,é\r')), max_size=30))
def test_name_addr_fast_path_is_the_walk_on_any_text(text):
    assert outcome(parse_address, text) == outcome(_parse_general, text)


def uri_outcome(parse, text):
    try:
        uri = parse(text)
    except GrammarError as exc:
        return ("error", str(exc))
    return ("ok", type(uri).__name__, str(uri), repr(uri))


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(["sip:", "SIP:", "tel:", "a", "@", "h", ":", "5060", ";",
                                 "lr", "=", "?", "x=y", "%", "%41", "[::1]", " ", ""]),
                max_size=10))
def test_a_remembered_uri_is_what_parsing_gives(pieces):
    text = "".join(pieces)
    first = uri_outcome(uri_module.parse_uri, text)   # parsed (and maybe remembered)
    again = uri_outcome(uri_module.parse_uri, text)   # from the memo when remembered
    assert first == again == uri_outcome(uri_module._parse_uri, text)


def test_the_uri_memo_is_bounded():
    uri_module._KNOWN.clear()
    for n in range(uri_module._KNOWN_MAX + 10):
        uri_module.parse_uri(f"sip:user{n}@example.com")
    assert len(uri_module._KNOWN) <= uri_module._KNOWN_MAX
    long = "sip:" + "a" * uri_module._KNOWN_LONGEST + "@example.com"
    assert str(uri_module.parse_uri(long)) == long
    assert long not in uri_module._KNOWN
    bad = "sip:@example.com"
    for _ in range(2):
        try:
            uri_module.parse_uri(bad)
        except GrammarError:
            pass
    assert bad not in uri_module._KNOWN
