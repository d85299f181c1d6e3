"""SCCP framing: ``u32 length, u32 header version, u32 message id, body``, little-endian.

``length`` counts the message id and the body, not itself nor the version word, so a
frame is ``length + 8`` bytes. Framing is the one thing a peer cannot get wrong and keep
its connection: a length outside ``MIN_LENGTH..MAX_LENGTH`` means we no longer know where
messages start, so the decoder raises :class:`FramingError` and the caller closes.
Everything inside a frame is decoded leniently (see :mod:`sccp.message`).
"""
from __future__ import annotations

import struct
from typing import Callable

from sccp.message import Message, decode_message
import sccp.messages  # noqa: F401  (registers every message class)

MIN_LENGTH = 4
"""The message id alone: the smallest legal length field (KeepAlive)."""

MAX_LENGTH = 2048
"""Largest length field accepted. The largest message in sccp.md's tables is
SoftKeySetRes (780-byte body, length 784); DeviceToUserData, the largest message phones
send that we do not model, is length 2024. 2048 (FreeSWITCH's cap; Asterisk used 2000)
takes both, while a frame can never make us hold more than 2056 bytes."""

HEADER_SIZE = 12  # length, header version, message id
_HEADER = struct.Struct("<III")
_LENGTH = struct.Struct("<I")


class FramingError(ValueError):
    """The byte stream can no longer be split into messages: close the connection.

    ``decoded`` holds the messages that were complete before the bad frame in the same
    :meth:`Decoder.feed` call, so that the caller may still act on them.
    """

    def __init__(self, message: str, decoded: list[Message] | None = None):
        super().__init__(message)
        self.decoded = decoded or []


class Decoder:
    """Incremental decoder for one direction of one connection (sans-I/O).

    Feed it bytes as they arrive, split or coalesced in any way; it returns the complete
    messages. It validates a length as soon as the 4 bytes are in, so it never waits for,
    nor holds, more than one ``max_length + 8``-byte frame.
    """

    def __init__(self, max_length: int = MAX_LENGTH):
        self.max_length = max_length
        self._buffer = bytearray()
        self._error: str | None = None

    @property
    def buffered(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Message]:
        if self._error is not None:
            raise FramingError(self._error)
        buffer = self._buffer
        buffer += data
        messages: list[Message] = []
        start, end = 0, len(buffer)
        while end - start >= 4:
            (length,) = _LENGTH.unpack_from(buffer, start)
            if not MIN_LENGTH <= length <= self.max_length:
                self._error = (f"bad SCCP length field {length} (0x{length:08X}) at stream "
                               f"offset +{start}: must be {MIN_LENGTH}..{self.max_length}")
                del buffer[:]  # framing is lost: nothing left is worth keeping
                raise FramingError(self._error, messages)
            frame_end = start + 8 + length
            if frame_end > end:
                break
            _, version, message_id = _HEADER.unpack_from(buffer, start)
            messages.append(decode_message(message_id, version,
                                           bytes(buffer[start + HEADER_SIZE:frame_end])))
            start = frame_end
        del buffer[:start]
        return messages


def encode(message: Message) -> bytes:
    """The frame for ``message``, header version taken from ``message.header_version``."""
    constant = _CONSTANT_FRAMES.get(id(message))
    if constant is not None and constant[0] is message:
        return constant[1]
    cls = type(message)
    try:
        frame = _FRAMES[cls]
    except KeyError:
        frame = _FRAMES[cls] = _frame_of(cls)
    if frame is not None and not message.extra:
        try:
            return frame(message)
        except struct.error:
            pass  # a value out of its field's range: the general path says which
    return encode_general(message)


_CONSTANT_FRAMES: dict[int, tuple[Message, bytes]] = {}
"""Frames of the messages marked :func:`constant`, by id (the message is kept alive)."""


def constant(message: Message) -> Message:
    """Mark ``message`` (frozen, like every message) as one sent unchanged again and again,
    such as the soft key template every phone asks for at registration: its frame is
    encoded once, here, and :func:`encode` returns those bytes from then on."""
    _CONSTANT_FRAMES[id(message)] = (message, encode_general(message))
    return message


_FRAMES: dict[type, Callable[[Message], bytes] | None] = {}
"""Per message class, the fast path's compiled frame function (see :func:`_frame_of`), or
None where the class takes the general path."""


def _frame_of(cls: type) -> Callable[[Message], bytes] | None:
    """A function packing the whole frame of a ``cls`` message in one ``struct`` call, for a
    class whose frame always has one size: flat fields (no records, no arrays) and no
    extension group the encoder may leave out. It is compiled from the layout once per
    class, reads each field as an attribute and converts only the text and address fields
    (their ``to_item``); :func:`encode_general` stays the reference
    (tests/sccp/test_fast_codec.py compares the two on every message type)."""
    layout = cls.__dict__.get("_layout")
    if layout is None or not layout.flat or layout.extensions_from != len(layout.cuts) - 1:
        return None
    length = 4 + layout.size
    if length > MAX_LENGTH:
        return None
    ns = {"_pack": struct.Struct("<III" + layout.formats[-1]).pack}
    items = [str(length), "m.header_version", str(cls.message_id)]
    for i, (name, wire) in enumerate(layout.fields):
        if wire.to_item is None:
            items.append(f"m.{name}")
        else:
            ns[f"_to_{i}"] = wire.to_item
            items.append(f"_to_{i}(m.{name})")
    exec(f"def frame(m):\n    return _pack({', '.join(items)})\n", ns)
    return ns["frame"]


def encode_general(message: Message) -> bytes:
    """The frame for ``message``, body by ``message.encode_body()``: any message."""
    body = message.encode_body()
    length = 4 + len(body)
    if length > MAX_LENGTH:
        raise FramingError(f"{message.name} would be {length} bytes long, "
                           f"over MAX_LENGTH {MAX_LENGTH}")
    return _HEADER.pack(length, message.header_version, message.message_id) + body
