"""Property tests: hostile streams never raise anything but FramingError, and every
message the layouts can describe survives encode/decode and any split of the stream."""
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sccp.framing import MAX_LENGTH, Decoder, FramingError, encode
from sccp.message import MESSAGES, decode_message
from tests.sccp.strategies import any_message, messages_of

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def splits(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:])]


def feed_all(chunks: list[bytes]) -> list:
    decoder, out = Decoder(), []
    for chunk in chunks:
        out += decoder.feed(chunk)
        assert decoder.buffered <= MAX_LENGTH + 8
    return out


@FAST
@given(st.binary(max_size=3000), st.lists(st.integers(0, 3000), max_size=20))
def test_random_bytes_only_ever_raise_framing_error(data, cuts):
    try:
        feed_all(splits(data, cuts))
    except FramingError:
        pass


@FAST
@given(st.lists(st.tuples(st.integers(0, 0x200), st.integers(0, 0x20),
                          st.binary(max_size=900)), max_size=8),
       st.lists(st.integers(0, 8000), max_size=20))
def test_well_framed_random_bodies_always_decode(frames, cuts):
    # Plausible ids with random bodies: framing is intact, so every frame must come out
    # as some message object (known, malformed or raw), never as an exception.
    wire = b"".join(struct.pack("<III", 4 + len(body), version, mid) + body
                    for mid, version, body in frames)
    out = feed_all(splits(wire, cuts))
    assert [m.message_id for m in out] == [mid for mid, _, _ in frames]
    for msg in out:  # and whatever was decoded can be sent again and reads the same
        assert decode_message(msg.message_id, msg.header_version, msg.encode_body()) == msg


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_every_message_type_round_trips(data):
    for cls in MESSAGES.values():
        msg = data.draw(messages_of(cls), label=cls.__name__)
        assert Decoder().feed(encode(msg)) == [msg]


@FAST
@given(st.lists(any_message(), max_size=10), st.lists(st.integers(0, 20000), max_size=30))
def test_any_split_of_any_message_sequence(messages, cuts):
    wire = b"".join(encode(m) for m in messages)
    assert feed_all(splits(wire, cuts)) == messages
