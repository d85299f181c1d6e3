"""Message objects: every message of sccp.md's tables, their sizes, names and the
lenient decoding real phones need."""
from ipaddress import IPv4Address

import pytest

from sccp.enums import CallState, Codec, SoftKeyEvent, Stimulus
from sccp.fields import Char
from sccp.framing import encode
from sccp.messages import (MESSAGES, PHONE_TO_SERVER, SERVER_TO_PHONE, Button,
                           ButtonTemplateResMessage, CallStateMessage,
                           CapabilitiesResMessage, Capability, DisplayPromptStatusMessage,
                           KeypadButtonMessage, LineStatResMessage, MalformedMessage,
                           OffHookMessage, RawMessage, RegisterMessage, SetLampMessage,
                           SoftKeyDefinition, SoftKeyTemplateResMessage,
                           StartMediaTransmissionMessage, StimulusMessage, UnregisterMessage,
                           decode_message)
from tests.sccp.samples import SAMPLES

# Body bytes per message id, as sccp.md's two tables give them (full forms).
TABLE_SIZES = {
    0x0000: 0, 0x0001: 172, 0x0002: 4, 0x0003: 12, 0x0004: 28, 0x0005: 16, 0x0006: 8,
    0x0007: 8, 0x0009: 4, 0x000A: 4, 0x000B: 4, 0x000C: 0, 0x000D: 0, 0x000E: 0,
    0x000F: 0, 0x0010: 292, 0x0020: 92, 0x0022: 20, 0x0023: 60, 0x0025: 0, 0x0026: 12,
    0x0027: 4, 0x0028: 0, 0x002B: 4, 0x002D: 4, 0x0034: 8,
    0x0081: 20, 0x0082: 16, 0x0083: 8, 0x0085: 16, 0x0086: 12, 0x0088: 4, 0x008A: 116,
    0x008B: 16, 0x008F: 384, 0x0090: 92, 0x0091: 68, 0x0092: 112, 0x0093: 112,
    0x0094: 36, 0x0097: 96, 0x0098: 16, 0x009B: 0, 0x009D: 32, 0x009F: 4, 0x0100: 0,
    0x0105: 92, 0x0106: 16, 0x0107: 32, 0x0108: 652, 0x0109: 780, 0x0110: 16,
    0x0111: 24, 0x0112: 44, 0x0113: 8, 0x0114: 36, 0x0115: 0, 0x0116: 4, 0x0117: 0,
    0x0118: 4, 0x011D: 32, 0x0120: 40,
    0x011F: 52,  # FeatureStatRes: not in the tables, Wireshark's layout
}


def test_every_table_message_is_registered_with_its_size():
    assert set(MESSAGES) == set(TABLE_SIZES)
    sizes = {mid: cls._layout.size for mid, cls in MESSAGES.items()}
    assert sizes == TABLE_SIZES


def test_register_forms_are_the_ones_phones_send():
    assert [s.size for s in RegisterMessage._layout.structs] == [36, 48, 124, 172]


def test_names_follow_sccp_md_with_the_wireshark_message_suffix():
    assert MESSAGES[0x0001].__name__ == "RegisterMessage"
    assert MESSAGES[0x0000].__name__ == "KeepAliveMessage"
    assert MESSAGES[0x0081].__name__ == "RegisterAckMessage"
    assert MESSAGES[0x0094].__name__ == "DefineTimeDateMessage"
    assert all(cls.__name__.endswith("Message") for cls in MESSAGES.values())
    assert RegisterMessage().name == "Register"


def test_directions_split_at_0x80():
    assert len(PHONE_TO_SERVER) == 26 and len(SERVER_TO_PHONE) == 37


def test_samples_cover_every_message():
    assert {type(m) for m in SAMPLES} == set(MESSAGES.values())


@pytest.mark.parametrize("msg", SAMPLES, ids=lambda m: m.name)
def test_round_trip(msg):
    frame = encode(msg)
    assert decode_message(msg.message_id, 0, frame[12:]) == msg


def test_messages_are_frozen_slotted_and_hashable():
    msg = CallStateMessage(CallState.CONNECTED, 1, 7)
    with pytest.raises(AttributeError):
        msg.call_state = CallState.IDLE
    assert not hasattr(msg, "__dict__")
    assert hash(msg) == hash(CallStateMessage(5, 1, 7))


def test_constructor_arguments_take_the_decoded_form():
    msg = StartMediaTransmissionMessage(remote_ip="10.1.2.3", compression_type=4)
    assert msg.remote_ip == IPv4Address("10.1.2.3")
    assert msg.compression_type is Codec.G711_ULAW
    buttons = ButtonTemplateResMessage(buttons=[(1, 9), Button()])
    assert buttons.buttons == (Button(1, Stimulus.LINE),)  # unused trailing slot dropped


def test_unknown_enum_values_are_kept_as_ints():
    msg = decode_message(0x0111, 0, (99).to_bytes(4, "little") + bytes(20))
    assert msg.call_state == 99 and type(msg.call_state) is int


def test_old_phones_short_bodies_default_the_optional_fields():
    assert decode_message(0x0006, 0, b"") == OffHookMessage(0, 0)
    assert decode_message(0x0003, 0, (5).to_bytes(4, "little")) == KeypadButtonMessage(5)
    assert decode_message(0x0005, 0, bytes.fromhex("09000000 01000000 07000000")) == \
        StimulusMessage(Stimulus.LINE, 1, 7, 0)
    register = decode_message(0x0001, 0, RegisterMessage("SEP1").encode_body()[:36])
    assert register == RegisterMessage("SEP1")


def test_a_body_ending_inside_an_optional_group_keeps_the_rest_as_extra():
    msg = decode_message(0x0006, 0, b"\x01\x00\x00\x00")
    assert msg == OffHookMessage(extra=b"\x01\x00\x00\x00")


def test_longer_bodies_keep_the_surplus_and_send_it_back():
    body = SetLampMessage(Stimulus.LINE, 1, 2).encode_body() + b"future"
    msg = decode_message(0x0086, 0, body)
    assert (msg.stimulus, msg.stimulus_instance, msg.lamp_mode) == (Stimulus.LINE, 1, 2)
    assert msg.extra == b"future"
    assert msg.encode_body() == body


def test_a_body_short_of_its_required_fields_is_malformed_not_fatal():
    msg = decode_message(0x0111, 0, b"\x05\x00")
    assert isinstance(msg, MalformedMessage)
    assert msg.body == b"\x05\x00" and "needs at least 24" in msg.reason
    assert msg.name == "Malformed(CallStateMessage)"
    assert msg.encode_body() == b"\x05\x00"


def test_unknown_ids_are_kept_raw():
    msg = decode_message(0x0024, 0x11, b"abc")
    assert msg == RawMessage(0x0024, 0x11, b"abc")
    assert msg.name == "Unknown(0x0024)"
    assert encode(msg) == bytes.fromhex("07000000 11000000 24000000") + b"abc"


def test_extension_groups_are_sent_only_when_they_carry_a_value():
    assert len(RegisterMessage("SEP1").encode_body()) == 36
    assert len(RegisterMessage("SEP1", max_conferences=1).encode_body()) == 48
    assert len(RegisterMessage("SEP1", load_name="P003").encode_body()) == 124
    assert len(RegisterMessage("SEP1", config_version_stamp="x").encode_body()) == 172
    assert UnregisterMessage().encode_body() == b""
    assert UnregisterMessage(1).encode_body() == b"\x01\x00\x00\x00"
    assert len(StartMediaTransmissionMessage().encode_body()) == 112
    assert len(StartMediaTransmissionMessage(party_direction=1).encode_body()) == 116


def test_extension_defaults_match_the_wire_defaults():
    # The encoder leaves a group out when it equals the wire defaults; a class default
    # that differed would silently vanish from the wire.
    for cls in MESSAGES.values():
        lay = cls._layout
        first = lay.cuts[lay.extensions_from]
        blank = cls()
        for name, wire in lay.fields[first:]:
            assert getattr(blank, name) == wire.default, (cls.__name__, name)


class TestText:
    def test_stops_at_nul_and_pads(self):
        body = LineStatResMessage(1, "2001").encode_body()
        assert body[4:28] == b"2001" + bytes(20)
        garbage_after_nul = body[:4] + b"2001\0junk" + body[13:]
        assert decode_message(0x0092, 0, garbage_after_nul).directory_number == "2001"

    def test_label_codes_are_single_bytes(self):
        body = SoftKeyTemplateResMessage(definitions=[SoftKeyDefinition("\x80\x01", 1)]) \
            .encode_body()
        assert body[12:16] == b"\x80\x01\0\0"
        msg = decode_message(0x0108, 0, body)
        assert msg.definitions == (SoftKeyDefinition("\x80\x01", SoftKeyEvent.REDIAL),)

    def test_latin1_and_utf8_both_read_back(self):
        for text in ("Müller", "Ã©", "日本", "\x80\x14 2001"):
            msg = DisplayPromptStatusMessage(0, text)
            assert decode_message(0x0112, 0, msg.encode_body()).text == text
        assert Char.encode_text("Müller") == b"M\xfcller"  # what a 7960 displays

    def test_invalid_utf8_falls_back_to_latin1(self):
        body = bytes(4) + b"\xff\xfe\x80" + bytes(29) + bytes(8)
        assert decode_message(0x0112, 0, body).text == "\xff\xfe\x80"

    def test_too_long_text_is_cut_at_a_character(self):
        msg = DisplayPromptStatusMessage(0, "日" * 20)  # 60 bytes of UTF-8 for 32
        assert decode_message(0x0112, 0, msg.encode_body()).text == "日" * 10


def test_ipv4_is_in_network_order():
    body = StartMediaTransmissionMessage(remote_ip="10.1.2.3").encode_body()
    assert body[8:12] == b"\x0a\x01\x02\x03"


def test_arrays_pad_with_their_filler():
    body = ButtonTemplateResMessage(0, 1, 1, [Button(1, Stimulus.LINE)]).encode_body()
    assert body[12:14] == b"\x01\x09" and body[14:] == b"\x00\xff" * 41
    caps = CapabilitiesResMessage(1, [Capability(Codec.G729, 6)]).encode_body()
    assert len(caps) == 292 and caps[4:12] == bytes.fromhex("0b000000 06000000")


def test_oversized_values_are_refused_on_encode():
    with pytest.raises(ValueError):
        ButtonTemplateResMessage(buttons=[Button(1, 9)] * 43)
    with pytest.raises(ValueError, match="CallStateMessage"):
        CallStateMessage(line_instance=2 ** 32).encode_body()
