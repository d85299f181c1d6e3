"""Framing: any split or coalescing of the stream, and the lengths that lose framing."""
import struct

import pytest

from sccp.framing import MAX_LENGTH, Decoder, FramingError, encode
from sccp.messages import KeepAliveMessage, OffHookMessage, RawMessage
from tests.sccp.samples import SAMPLES

STREAM = b"".join(encode(m) for m in SAMPLES)


def header(length: int, version: int = 0, message_id: int = 0) -> bytes:
    return struct.pack("<III", length, version, message_id)


def test_max_length_takes_the_largest_message_with_room():
    largest = max(len(encode(m)) - 8 for m in SAMPLES)
    assert largest == 784  # SoftKeySetRes
    assert 2048 <= MAX_LENGTH <= 4096


def test_coalesced_stream_in_one_feed():
    assert Decoder().feed(STREAM) == SAMPLES


def test_one_byte_at_a_time():
    decoder = Decoder()
    out = [m for i in range(len(STREAM)) for m in decoder.feed(STREAM[i:i + 1])]
    assert out == SAMPLES and decoder.buffered == 0


@pytest.mark.parametrize("size", [3, 7, 11, 13, 100, 1460])
def test_fixed_size_chunks(size):
    decoder = Decoder()
    out = [m for i in range(0, len(STREAM), size) for m in decoder.feed(STREAM[i:i + size])]
    assert out == SAMPLES


def test_half_a_header_waits():
    decoder = Decoder()
    assert decoder.feed(b"\x04\x00") == [] and decoder.buffered == 2
    assert decoder.feed(b"\x00\x00\x00\x00\x00\x00\x00\x00") == []
    assert decoder.feed(b"\x00\x00") == [KeepAliveMessage()]


def test_a_valid_length_waits_for_its_body_and_no_more():
    decoder = Decoder()
    assert decoder.feed(header(MAX_LENGTH, 0, 0x7777) + bytes(100)) == []
    out = decoder.feed(bytes(MAX_LENGTH - 4 - 100))
    assert out == [RawMessage(0x7777, 0, bytes(MAX_LENGTH - 4))]


@pytest.mark.parametrize("length", [0, 1, 3, MAX_LENGTH + 1, 0x7FFFFFFF, 0xFFFFFFFF])
def test_lengths_outside_the_limits_lose_framing(length):
    decoder = Decoder()
    with pytest.raises(FramingError, match=f"bad SCCP length field {length} "):
        decoder.feed(header(length)[:4])  # judged on the length word alone
    assert decoder.buffered == 0  # nothing kept, nothing allocated from the length


def test_framing_error_is_sticky_and_hands_over_earlier_messages():
    decoder = Decoder()
    good = encode(OffHookMessage(1, 2))
    with pytest.raises(FramingError) as caught:
        decoder.feed(good + header(0xFFFFFFFF))
    assert caught.value.decoded == [OffHookMessage(1, 2)]
    with pytest.raises(FramingError):
        decoder.feed(good)


def test_garbage_before_a_message_is_a_framing_error():
    with pytest.raises(FramingError):
        Decoder().feed(b"GET / HTTP/1.0\r\n\r\n")


def test_header_version_is_kept_and_sent_back():
    wire = encode(OffHookMessage(1, 2, header_version=0x11))
    assert wire[4:8] == b"\x11\x00\x00\x00"
    assert Decoder().feed(wire)[0].header_version == 0x11


def test_encoding_beyond_the_maximum_is_refused():
    with pytest.raises(FramingError, match="over MAX_LENGTH"):
        encode(RawMessage(0x7777, 0, bytes(MAX_LENGTH)))
