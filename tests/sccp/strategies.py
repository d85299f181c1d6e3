"""Hypothesis strategies derived from the message layouts themselves, so that a new
message or field is covered by the property tests without writing anything here."""
from ipaddress import IPv4Address

from hypothesis import strategies as st

from sccp.fields import Array, Char, IPv4, Octets, RecordType, UInt, WireType
from sccp.message import MESSAGES, RawMessage


def _fits(wire: Char):
    return lambda text: len(Char.encode_text(text)) <= wire.length


def for_wire(wire: WireType) -> st.SearchStrategy:
    if isinstance(wire, UInt):
        values = st.integers(0, 2 ** wire.bits - 1)
        if wire.enum:  # favour the named values, which the code paths switch on
            values = st.one_of(st.sampled_from(list(wire.enum)), values)
        return values.map(wire.coerce) if wire.enum else values
    if isinstance(wire, Char):
        # No NUL: it ends the text on the wire. Any other character may appear.
        text = st.text(st.characters(min_codepoint=1, blacklist_categories=("Cs",)),
                       max_size=wire.length)
        return text.filter(_fits(wire))
    if isinstance(wire, Octets):
        return st.binary(min_size=wire.length, max_size=wire.length)
    if isinstance(wire, IPv4):
        return st.integers(0, 2 ** 32 - 1).map(IPv4Address)
    if isinstance(wire, RecordType):
        return records(wire.cls)
    if isinstance(wire, Array):
        return st.lists(for_wire(wire.element), max_size=wire.length).map(tuple)
    raise TypeError(f"no strategy for {wire!r}")


def records(cls) -> st.SearchStrategy:
    return st.builds(cls, *(for_wire(wire) for _, wire in cls._layout.fields))


def messages_of(cls) -> st.SearchStrategy:
    return st.builds(cls, *(for_wire(wire) for _, wire in cls._layout.fields),
                     header_version=st.integers(0, 2 ** 32 - 1),
                     extra=st.one_of(st.just(b""), st.binary(max_size=16)))


def raw_messages() -> st.SearchStrategy:
    unknown = st.integers(0, 2 ** 32 - 1).filter(lambda i: i not in MESSAGES)
    return st.builds(RawMessage, unknown, st.integers(0, 2 ** 32 - 1), st.binary(max_size=64))


def any_message() -> st.SearchStrategy:
    return st.one_of(raw_messages(), *(messages_of(cls) for cls in MESSAGES.values()))
