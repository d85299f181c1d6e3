"""The encoder's fast paths against the general ones they stand in for (issue 15).

Each fast path is a shortcut of a general path kept beside it; these properties say they
give the same struct items, the same canonical values and the same bytes for every
message type and every value the layouts allow."""
from ipaddress import IPv4Address

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from sccp.fields import Char, UInt
from sccp.framing import encode, encode_general
from sccp.message import MESSAGES
from sccp.enums import Tone
from tests.sccp.strategies import messages_of

FLAT = [cls for cls in MESSAGES.values() if cls._layout.flat]


def test_most_messages_take_the_flat_path():
    # Records and arrays (button templates, softkey sets, capabilities) take the general one.
    assert len(FLAT) > 0.8 * len(MESSAGES)
    assert not MESSAGES[0x0097]._layout.flat  # ButtonTemplateRes: an array of records


@settings(max_examples=300)
@given(st.data())
def test_flat_items_equal_general_items(data):
    cls = data.draw(st.sampled_from(FLAT))
    message = data.draw(messages_of(cls))
    assert cls._layout.items(message) == cls._layout.general_items(message)


@given(st.sampled_from([16, 24, 32, 40]),
       st.text(st.characters(min_codepoint=0, blacklist_categories=("Cs",)), max_size=60))
def test_char_to_item_equals_to_items(size, text):
    wire = Char(size)
    assert wire.to_item(text) == wire.to_items(text)[0]


@given(st.one_of(st.sampled_from(list(Tone)), st.integers(0, 2 ** 32 - 1), st.booleans()))
def test_enum_coercion_equals_the_enum_call(value):
    wire = UInt("I", Tone)
    try:
        expected = Tone(value)
    except ValueError:
        expected = value
    got = wire.coerce(value)
    assert got == expected and type(got) is type(expected)


def test_ipv4_coercion_keeps_the_address_and_takes_text():
    address = IPv4Address("10.1.2.3")
    cls = MESSAGES[0x008A]  # StartMediaTransmission
    assert cls(remote_ip=address).remote_ip is address
    assert cls(remote_ip="10.1.2.3").remote_ip == address
    assert encode(cls(remote_ip="10.1.2.3")) == encode(cls(remote_ip=address))


@settings(max_examples=500)
@given(st.data())
def test_fast_frames_equal_general_frames(data):
    cls = data.draw(st.sampled_from(list(MESSAGES.values())))
    message = data.draw(messages_of(cls))
    assert encode(message) == encode_general(message)


@settings(max_examples=300)
@given(st.data())
def test_flat_values_equal_general_values(data):
    cls = data.draw(st.sampled_from(FLAT))
    layout = cls._layout
    items = layout.items(data.draw(messages_of(cls)))
    for cut in layout.cuts:
        fast, general = layout.values(items, cut), layout.general_values(items, cut)
        assert fast == general
        assert [type(v) for v in fast] == [type(v) for v in general]


def test_a_value_out_of_range_is_still_a_clear_error():
    cls = MESSAGES[0x0086]  # SetLamp
    with pytest.raises(ValueError, match="cannot encode"):
        encode(cls(stimulus_instance=2 ** 32))


def test_a_constant_message_keeps_its_bytes_and_an_equal_one_is_encoded_afresh():
    from sccp import softkeys
    from sccp.framing import constant

    assert softkeys.sets_message() is softkeys.sets_message()
    assert encode(softkeys.sets_message()) == encode_general(softkeys._sets_message())
    assert encode(softkeys.template_message()) == encode_general(softkeys._template_message())
    lamp = constant(MESSAGES[0x0086](stimulus_instance=3))
    other = MESSAGES[0x0086](stimulus_instance=4)
    assert encode(lamp) == encode_general(lamp) != encode(other)


def _by_dataclass_init(cls, args, kwargs):
    obj = object.__new__(cls)
    cls.__init__.dataclass_init(obj, *args, **kwargs)
    return obj


@settings(max_examples=300)
@given(st.data())
def test_fast_constructor_equals_the_dataclass_one(data):
    cls = data.draw(st.sampled_from(list(MESSAGES.values())))
    sample = data.draw(messages_of(cls))
    names = [name for name, _ in cls._layout.fields]
    # raw (uncoerced) arguments too: plain ints for enums, text for addresses, lists
    args = [int(v) if isinstance(v, int) else str(v) if isinstance(v, IPv4Address)
            else list(v) if isinstance(v, tuple) else v
            for v in (getattr(sample, name) for name in names)]
    cut = data.draw(st.integers(0, len(args)))
    kwargs = dict(zip(names[cut:], args[cut:]), header_version=sample.header_version, extra=sample.extra)
    fast, reference = cls(*args[:cut], **kwargs), _by_dataclass_init(cls, args[:cut], kwargs)
    assert fast == reference
    assert [type(getattr(fast, n)) for n in names] == [type(getattr(reference, n)) for n in names]


def test_fast_constructor_keeps_defaults_and_errors():
    cls = MESSAGES[0x0086]  # SetLamp
    assert cls() == _by_dataclass_init(cls, (), {})
    with pytest.raises(TypeError):
        cls(1, 2, 3, 4)  # one positional too many
    with pytest.raises(TypeError):
        cls(bogus=1)


def test_the_presenter_shares_the_messages_no_call_changes():
    from sccp import presenter as show
    from sccp.enums import LampMode, Stimulus

    first, second = show.off_hook(1, 5), show.off_hook(1, 6)
    lamp = MESSAGES[0x0086](stimulus=Stimulus.LINE, stimulus_instance=1, lamp_mode=LampMode.ON)
    assert lamp in first and lamp in second
    assert next(x for x in first if x == lamp) is next(x for x in second if x == lamp)
    assert encode(next(x for x in first if x == lamp)) == encode_general(lamp)
    # an instance outside configuration's range is built afresh, not kept
    far = show.answering(100_000, 7)
    assert far[1] == MESSAGES[0x0086](stimulus=Stimulus.LINE, stimulus_instance=100_000, lamp_mode=LampMode.ON)
    assert ("lamp", Stimulus.LINE, 100_000, LampMode.ON) not in show._SHARED


# Records of one-item fields and extension groups take a compiled frame too (issue 15,
# round 3): OpenReceiveChannel and StartMediaTransmission (a KeyInfo record; the latter an
# extension group) are sent on every call, Register and RegisterReject have extensions.
WITH_GROUPS = [MESSAGES[i] for i in (0x0105, 0x008A, 0x0001, 0x0027)]


def test_records_and_extension_groups_take_a_compiled_frame():
    from sccp.framing import _frame_of

    for cls in WITH_GROUPS:
        assert _frame_of(cls) is not None, cls.__name__
    assert _frame_of(MESSAGES[0x0097]) is None  # ButtonTemplateRes: an array: general path


def _with_defaults_from(data, cls, message):
    """``message`` with the fields of its extension groups from a drawn cut on set back to
    their defaults, so that every cut the encoder may stop at is reached."""
    import dataclasses

    layout = cls._layout
    cut = layout.cuts[data.draw(st.integers(layout.extensions_from, len(layout.cuts) - 1))]
    defaults = {name: wire.default for name, wire in layout.fields[cut:]}
    return dataclasses.replace(message, **defaults)


@settings(max_examples=400)
@given(st.data())
def test_compiled_frames_with_groups_equal_general_frames(data):
    cls = data.draw(st.sampled_from(WITH_GROUPS))
    message = _with_defaults_from(data, cls, data.draw(messages_of(cls)))
    assert encode(message) == encode_general(message)
    assert type(message).decode_body(encode(message)[12:], message.header_version) == message


FLAT_IDS = sorted(cls.message_id for cls in FLAT)


def test_every_flat_message_has_a_compiled_decoder():
    from sccp.message import _DECODERS

    assert sorted(_DECODERS) == FLAT_IDS


@settings(max_examples=500)
@given(st.data())
def test_compiled_decoders_equal_decode_body(data):
    """Any body, of any length around the layout's cuts (short, cut, full, longer)."""
    from sccp.message import decode_message

    cls = MESSAGES[data.draw(st.sampled_from(FLAT_IDS))]
    size = cls._layout.size
    body = data.draw(st.one_of(st.binary(max_size=size + 16),
                               st.binary(min_size=size, max_size=size + 8),
                               messages_of(cls).map(lambda m: m.encode_body())))
    version = data.draw(st.integers(0, 2 ** 32 - 1))
    fast, general = decode_message(cls.message_id, version, body), cls.decode_body(body, version)
    assert fast == general and type(fast) is type(general)
    names = [name for name, _ in cls._layout.fields] if type(fast) is cls else []
    assert [type(getattr(fast, n)) for n in names] == [type(getattr(general, n)) for n in names]
    assert fast.extra == general.extra if type(fast) is cls else fast.body == general.body
