"""Message objects: the base class, the id registry, raw and malformed messages.

Every known message is a frozen, slotted dataclass whose annotated fields are its body
layout (see :mod:`sccp.fields`); :func:`message` registers it under its message id.
Bodies are decoded leniently, as real phones require: a body longer than the layout keeps
its surplus in ``extra``, a body that stops before an optional trailing group leaves that
group at its defaults, and only a body shorter than the required fields becomes a
:class:`MalformedMessage`. None of this raises: a bad body costs one message, not the
connection.
"""
from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from sccp.fields import Layout, layout_of


class Record:
    """Base of nested records and messages.

    Brings constructor arguments to the form decoding produces (IntEnum members, tuples,
    IPv4Address), so that a message built by hand equals the same message decoded.
    """

    __slots__ = ()
    _coerced: ClassVar[tuple] = ()

    def __post_init__(self) -> None:
        for name, wire, canonical_type in self._coerced:
            value = getattr(self, name)
            if type(value) is not canonical_type:  # mostly it is: callers pass enum members
                object.__setattr__(self, name, wire.coerce(value))


def _compile(cls: type, optional: tuple[str, ...] = (),
             extensions: tuple[str, ...] = ()) -> type:
    cls = dataclasses.dataclass(frozen=True, slots=True)(cls)
    cls._layout = layout_of(cls, optional, extensions)
    cls._coerced = tuple((name, wire, wire.canonical_type) for name, wire in cls._layout.fields
                         if wire.needs_coerce)
    cls.__init__ = _fast_init(cls)
    return cls


def _fast_init(cls: type):
    """The constructor of a compiled record or message: the dataclass's signature and
    effect (fields set, then coerced as :meth:`Record.__post_init__` does), but each slot
    set through its own descriptor and each coercion inline: a frozen dataclass's
    ``__init__`` goes through ``object.__setattr__`` for every field, which made building
    the messages of a call a sixth of the server's time (issue 15). The dataclass's own
    ``__init__`` stays the reference (``tests/sccp/test_fast_codec.py`` compares them)."""
    coerced = {name: (wire, canonical) for name, wire, canonical in cls._coerced}
    ns: dict = {"_MISSING": dataclasses.MISSING}
    positional, keyword, body = [], [], []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.default is not dataclasses.MISSING:
            ns[f"_d_{f.name}"] = f.default
            param = f"{f.name}=_d_{f.name}"
        elif f.default_factory is not dataclasses.MISSING:
            ns[f"_f_{f.name}"] = f.default_factory
            param = f"{f.name}=_MISSING"
            body.append(f"    if {f.name} is _MISSING: {f.name} = _f_{f.name}()")
        else:
            param = f.name
        (keyword if f.kw_only else positional).append(param)
        if f.name in coerced:
            wire, canonical = coerced[f.name]
            ns[f"_c_{f.name}"], ns[f"_t_{f.name}"] = wire.coerce, canonical
            body.append(f"    if type({f.name}) is not _t_{f.name}: {f.name} = _c_{f.name}({f.name})")
        ns[f"_s_{f.name}"] = getattr(cls, f.name).__set__
        body.append(f"    _s_{f.name}(self, {f.name})")
    params = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    exec(f"def __init__({params}):\n" + ("\n".join(body) or "    pass") + "\n", ns)
    init = ns["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.dataclass_init = cls.__init__  # the reference, for the tests
    return init


def record(cls: type) -> type:
    """Class decorator for a fixed-size struct nested in bodies (a codec capability, a
    button, key material); the class derives from :class:`Record`."""
    return _compile(cls)


class Message(Record):
    """Base of every SCCP message; ``message_id`` is a class attribute of known messages."""

    __slots__ = ()
    message_id: ClassVar[int]
    _layout: ClassVar[Layout]

    @property
    def name(self) -> str:
        """The name sccp.md and logs use (``Register``, ``CallState``)."""
        return type(self).__name__.removesuffix("Message")

    def encode_body(self) -> bytes:
        return self._layout.pack(self, full=bool(self.extra)) + self.extra

    @classmethod
    def decode_body(cls, body: bytes, header_version: int = 0) -> Message:
        decoded = cls._layout.unpack(body)
        if decoded is None:
            return MalformedMessage(cls.message_id, header_version, body,
                                    f"{cls.__name__} body is {len(body)} bytes, "
                                    f"needs at least {cls._layout.min_size}")
        values, extra = decoded
        return cls(*values, header_version=header_version, extra=extra)


MESSAGES: dict[int, type[Message]] = {}
"""Known message classes by message id."""


def message(message_id: int, optional: tuple[str, ...] = (),
            extensions: tuple[str, ...] = ()):
    """Class decorator: compile the layout and register the class under ``message_id``.

    ``optional`` and ``extensions`` name the first field of each trailing group a sender
    may leave out; see :func:`sccp.fields.layout_of` for which of them we send.
    Every message also gets two keyword-only fields: ``header_version`` (the frame's
    version word) and ``extra`` (body bytes after the last known field, sent back as-is).
    """

    def register(cls: type) -> type:
        annotations = dict(cls.__dict__.get("__annotations__", {}))
        annotations["header_version"] = int
        annotations["extra"] = bytes
        cls.__annotations__ = annotations
        cls.header_version = dataclasses.field(default=0, kw_only=True)
        cls.extra = dataclasses.field(default=b"", kw_only=True, repr=False)
        cls = _compile(cls, optional, extensions)
        cls.message_id = message_id
        if message_id in MESSAGES:
            raise TypeError(f"message id 0x{message_id:04X} registered twice")
        MESSAGES[message_id] = cls
        decode = _decoder_of(cls)
        if decode is not None:
            _DECODERS[message_id] = decode
        return cls

    return register


@dataclasses.dataclass(frozen=True, slots=True)
class RawMessage(Message):
    """A message whose id we do not know: kept whole so it can be logged or relayed."""

    message_id: int
    header_version: int = 0
    body: bytes = b""

    @property
    def name(self) -> str:
        return f"Unknown(0x{self.message_id:04X})"

    def encode_body(self) -> bytes:
        return self.body


@dataclasses.dataclass(frozen=True, slots=True)
class MalformedMessage(RawMessage):
    """A known message id whose body is too short for its required fields."""

    reason: str = ""

    @property
    def name(self) -> str:
        known = MESSAGES.get(self.message_id)
        return f"Malformed({known.__name__ if known else hex(self.message_id)})"


def decode_message(message_id: int, header_version: int, body: bytes) -> Message:
    """The message object for one frame's id, version and body; never raises."""
    decode = _DECODERS.get(message_id)
    if decode is not None:
        return decode(body, header_version)
    cls = MESSAGES.get(message_id)
    if cls is None:
        return RawMessage(message_id, header_version, body)
    return cls.decode_body(body, header_version)


_DECODERS: dict[int, Any] = {}
"""Per message id of a flat layout, its compiled decoder (see :func:`_decoder_of`)."""


def _decoder_of(cls: type):
    """``cls.decode_body`` for a flat layout (every field one struct item), compiled once:
    the body cut at the longest cut it holds is unpacked by that cut's struct, the text,
    enum and address items converted inline (their ``from_item``) and the message built
    in one call. What the phone sends on a call (KeypadButton, OffHook, SoftKeyEvent,
    OpenReceiveChannelAck, KeepAlive) is decoded here; a body shorter than the required
    fields goes to ``decode_body``, which says why. ``decode_body`` stays the reference
    (tests/sccp/test_fast_codec.py compares the two on every flat message and length)."""
    layout: Layout = cls._layout
    if not layout.flat:
        return None
    ns: dict = {"_cls": cls, "_general": cls.decode_body}
    convert = dict(layout._convert_back)
    lines = ["def decode(body, header_version):", "    size = len(body)"]
    for index in range(len(layout.cuts) - 1, -1, -1):
        cut, shape = layout.cuts[index], layout.structs[index]
        names = [f"v{i}" for i in range(cut)]
        args = []
        for i, name in enumerate(names):
            if i in convert:
                ns[f"_from_{i}"] = convert[i]
                args.append(f"_from_{i}({name})")
            else:
                args.append(name)
        args += ["header_version=header_version", f"extra=body[{shape.size}:]"]
        lines.append(f"    if size >= {shape.size}:")
        if cut:
            ns[f"_unpack_{index}"] = shape.unpack_from
            lines.append(f"        {', '.join(names)}, = _unpack_{index}(body)")
        lines.append(f"        return _cls({', '.join(args)})")
    lines.append("    return _general(body, header_version)")
    exec("\n".join(lines) + "\n", ns)
    return ns["decode"]


def fields_of(cls: type) -> tuple[tuple[str, Any], ...]:
    """(name, wire type) of a message or record class, in wire order."""
    return cls._layout.fields
