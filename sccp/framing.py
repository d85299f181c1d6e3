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

from sccp.fields import Array, RecordType
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
    """A function packing the whole frame of a ``cls`` message in one ``struct`` call.

    It is compiled from the layout once per class, reads each field as an attribute and
    converts only the text and address fields (their ``to_item``). A field may be a
    record of such fields (OpenReceiveChannel's and StartMediaTransmission's KeyInfo): its
    fields are read through it. Where the layout has extension groups, the function first
    leaves out the trailing groups that hold only defaults, as :meth:`Layout.pack` does,
    and packs the body cut there (see :func:`_frame_source`). Arrays take the general
    path. :func:`encode_general` stays the reference (tests/sccp/test_fast_codec.py
    compares the two on every message type)."""
    layout = cls.__dict__.get("_layout")
    if layout is None or 4 + layout.size > MAX_LENGTH:
        return None
    source = _frame_source(cls, layout)
    if source is None:
        return None
    ns, text = source
    exec(text, ns)
    return ns["frame"]


def fields_frame(cls: type) -> Callable[..., bytes]:
    """``frame(**fields)``, equal to ``encode(cls(**fields))`` but without building the
    message: for a message only made to be sent (sccp/step_frames.py renders the call
    steps with these). Keyword-only, the class's defaults; values in the form the message
    holds them (no coercion here: an IPv4Address, not its text; Octets of their full
    size); a value out of its field's range goes through the message and :func:`encode`,
    which says why. Arrays are not taken. tests/sccp/test_step_frames.py compares the two."""
    layout = cls._layout
    source = _frame_source(cls, layout, reader="")
    if source is None or 4 + layout.size > MAX_LENGTH:
        raise TypeError(f"{cls.__name__} has no compiled frame")
    ns, text = source
    names = [name for name, _ in layout.fields]
    for name, wire in layout.fields:
        ns[f"_d_{name}"] = getattr(cls, "__dataclass_fields__")[name].default
    ns.update(_cls=cls, _error=struct.error, _encode=encode)
    params = ", ".join([f"{n}=_d_{n}" for n in names] + ["header_version=0"])
    call = ", ".join([f"{n}={n}" for n in names] + ["header_version=header_version"])
    body = "\n".join("    " + line for line in text.splitlines()[1:])
    exec(f"def frame(*, {params}):\n    try:\n{body}\n"
         f"    except _error:\n        return _encode(_cls({call}))\n", ns)
    frame = ns["frame"]
    frame.__qualname__ = f"fields_frame({cls.__name__})"
    return frame


def _field_items(name: str, wire, ns: dict, reader: str) -> list[str] | None:
    """The expressions of one field's struct items, reading it as ``reader + name`` (an
    attribute of ``m``, or an argument); None when the field is not one item or a record
    of one-item fields."""
    if isinstance(wire, RecordType):
        inner = wire.cls._layout
        out = []
        for sub, sub_wire in inner.fields:
            if sub_wire.count != 1 or isinstance(sub_wire, (RecordType, Array)):
                return None
            out.append(_item(f"{reader}{name}.{sub}", sub_wire, ns))
        return out
    if wire.count != 1 or isinstance(wire, Array):
        return None
    return [_item(f"{reader}{name}", wire, ns)]


def _item(expr: str, wire, ns: dict) -> str:
    if wire.to_item is None:
        return expr
    key = f"_to_{len(ns)}"
    ns[key] = wire.to_item
    return f"{key}({expr})"


def _frame_source(cls: type, layout, reader: str = "m.") -> tuple[dict, str] | None:
    """The namespace and text of ``frame(m)`` for ``cls``, or None (general path)."""
    ns: dict = {}
    items: list[list[str]] = []
    for name, wire in layout.fields:
        field_items = _field_items(name, wire, ns, reader)
        if field_items is None:
            return None
        items.append(field_items)
    lines = ["def frame(m):"]
    last = len(layout.cuts) - 1
    for index in range(last, layout.extensions_from - 1, -1):
        cut = layout.cuts[index]
        ns[f"_pack_{index}"] = struct.Struct("<III" + layout.formats[index]).pack
        args = [str(4 + layout.structs[index].size), f"{reader}header_version", str(cls.message_id)]
        args += [expr for field_items in items[:cut] for expr in field_items]
        pack = f"_pack_{index}({', '.join(args)})"
        if index == layout.extensions_from:
            lines.append(f"    return {pack}")
            break
        # the group ending at this cut holds a value: the body goes up to here
        tests = []
        for name, wire in layout.fields[layout.cuts[index - 1]:cut]:
            ns[f"_w_{name}"] = wire.default
            tests.append(f"{reader}{name} != _w_{name}")
        lines.append(f"    if {' or '.join(tests)}:")
        lines.append(f"        return {pack}")
    return ns, "\n".join(lines) + "\n"


def encode_general(message: Message) -> bytes:
    """The frame for ``message``, body by ``message.encode_body()``: any message."""
    body = message.encode_body()
    length = 4 + len(body)
    if length > MAX_LENGTH:
        raise FramingError(f"{message.name} would be {length} bytes long, "
                           f"over MAX_LENGTH {MAX_LENGTH}")
    return _HEADER.pack(length, message.header_version, message.message_id) + body
