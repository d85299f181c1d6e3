"""Wire field types and the declarative layouts built from them.

A message or record class declares its body as annotated dataclass fields in wire order,
e.g. ``line_instance: U32 = 0`` or ``text: C32 = ""``; :func:`layout_of` reads those
annotations and compiles one ``struct`` format per length the message may legally have.
No class writes its own packing code, so a layout is fixed by reading the class body
against the table in sccp.md, and the tests derive their strategies from the same layouts.
"""
from __future__ import annotations

import operator
from functools import lru_cache
import struct
import typing
from dataclasses import dataclass, field
from enum import IntEnum
from ipaddress import IPv4Address
from typing import Annotated, Any


class WireType:
    """How one field sits in the body: a struct format and a conversion both ways."""

    fmt: str  # struct format without byte order
    count: int = 1  # struct items the format produces
    default: Any = None

    @property
    def size(self) -> int:
        return struct.calcsize("<" + self.fmt)

    def from_items(self, items: tuple) -> Any:
        return items[0]

    def to_items(self, value: Any) -> tuple:
        return (value,)

    # The codec's fast path (Layout._flat_items, Layout._flat_values): a field of one struct
    # item whose item is the value itself needs no conversion; one that needs one names it
    # in ``to_item`` (value -> item) and ``from_item`` (item -> value).
    to_item = None
    from_item = None

    def coerce(self, value: Any) -> Any:
        """The canonical form of a constructor argument (so decode(encode(m)) == m)."""
        return value

    needs_coerce = False
    # A value of exactly this type is already canonical (Record.__post_init__ skips the
    # call to coerce); None: always coerce.
    canonical_type: type | None = None


class UInt(WireType):
    """Little-endian unsigned integer, optionally mapped onto an IntEnum."""

    def __init__(self, fmt: str, enum: type[IntEnum] | None = None):
        self.fmt, self.enum, self.default = fmt, enum, 0
        self.needs_coerce = enum is not None
        self.canonical_type = enum
        self.bits = 8 * struct.calcsize(fmt)
        # value -> member, looked up without Enum.__call__ (the slow part of coercion)
        self._members = enum._value2member_map_ if enum is not None else {}
        if enum is not None:
            self.from_item = self.coerce

    def from_items(self, items: tuple) -> int:
        return self.coerce(items[0]) if self.enum else items[0]

    def coerce(self, value: int) -> int:
        if type(value) is self.enum:  # already canonical: what the presenter passes
            return value
        member = self._members.get(value) if type(value) is int else None
        if member is not None:
            return member
        try:
            return self.enum(value)
        except ValueError:
            return value  # a value newer than our table: keep it, do not reject the message


def u32(enum: type[IntEnum] | None = None) -> UInt:
    return UInt("I", enum)


def u16(enum: type[IntEnum] | None = None) -> UInt:
    return UInt("H", enum)


def u8(enum: type[IntEnum] | None = None) -> UInt:
    return UInt("B", enum)


class Char(WireType):
    """Fixed ``char[n]``, NUL padded; the text ends at the first NUL.

    Phones speak ISO 8859-1 unless they announce UTF-8, and the server's own label codes
    ("\\x80\\x01" = Redial) are single bytes, so text that fits Latin-1 is sent as Latin-1;
    text that does not (or whose Latin-1 bytes would read back as UTF-8) is sent as UTF-8.
    Reading tries UTF-8 first and falls back to Latin-1, which never fails.
    """

    def __init__(self, size: int):
        self.length, self.fmt, self.default = size, f"{size}s", ""

    def from_items(self, items: tuple) -> str:
        return self.from_item(items[0])

    @staticmethod
    def from_item(item: bytes) -> str:
        raw = item.split(b"\0", 1)[0]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")

    def to_items(self, value: str) -> tuple:
        raw = self.encode_text(value)
        while len(raw) > self.length:  # truncate whole characters, as a phone display would
            value = value[:-1]
            raw = self.encode_text(value)
        return (raw,)

    def to_item(self, value: str) -> bytes:
        """``to_items(value)[0]``; ASCII that fits (nearly every text) is its own bytes:
        its Latin-1, one byte a character, nothing to truncate."""
        if value.isascii() and len(value) <= self.length:
            return value.encode("ascii")
        return self.to_items(value)[0]

    @staticmethod
    def encode_text(value: str) -> bytes:
        try:
            raw = value.encode("latin-1")
        except UnicodeEncodeError:
            return value.encode("utf-8")
        if raw.isascii():
            return raw
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw  # unambiguous: reads back as Latin-1
        return value.encode("utf-8")


class Octets(WireType):
    """Opaque fixed-size bytes (MAC, IPv6 address, key material), zero padded."""

    needs_coerce = True

    def __init__(self, size: int):
        self.length, self.fmt, self.default = size, f"{size}s", bytes(size)

    def coerce(self, value: bytes) -> bytes:
        value = bytes(value)
        if len(value) > self.length:
            raise ValueError(f"{len(value)} bytes do not fit in {self.length}")
        return value.ljust(self.length, b"\0")


class IPv4(WireType):
    """IPv4 address, 4 bytes in network order (unlike every integer around it)."""

    fmt, default, needs_coerce, canonical_type = "4s", IPv4Address(0), True, IPv4Address

    def from_items(self, items: tuple) -> IPv4Address:
        return IPv4Address(items[0])

    # from 4 packed bytes: no text parsed; the same few phones' addresses come in every
    # OpenReceiveChannelAck, so each is made once (addresses are immutable)
    from_item = staticmethod(lru_cache(maxsize=4096)(IPv4Address))

    def to_items(self, value: IPv4Address) -> tuple:
        return (value.packed,)

    def to_item(self, value: IPv4Address) -> bytes:
        return value.packed

    def coerce(self, value: Any) -> IPv4Address:
        if type(value) is IPv4Address:  # IPv4Address(an IPv4Address) re-parses its text
            return value
        return IPv4Address(value)


class RecordType(WireType):
    """A nested fixed-size struct (a ``sccp.message.record`` class) inside a body."""

    def __init__(self, cls: type):
        self.cls = cls
        lay: Layout = cls._layout
        self.fmt, self.count, self.default = lay.formats[-1], lay.counts[-1], cls()
        self.needs_coerce, self.canonical_type = True, cls

    def from_items(self, items: tuple) -> Any:
        return self.cls(*self.cls._layout.values(items, len(self.cls._layout.fields)))

    def to_items(self, value: Any) -> tuple:
        return self.cls._layout.items(value)

    def coerce(self, value: Any) -> Any:
        if isinstance(value, self.cls):
            return value
        return self.cls(*value)  # a plain tuple in wire order


class Array(WireType):
    """A fixed number of elements; the value is a tuple without its trailing filler.

    Bodies always carry all ``length`` slots, mostly unused (42 buttons, 18 codecs); the
    canonical value drops trailing slots equal to the filler so that a template built from
    three buttons decodes back to the same three buttons.
    """

    needs_coerce = True

    def __init__(self, element: WireType | type, length: int, filler: Any = None):
        self.element = as_wire_type(element)
        self.length = length
        self.filler = self.element.default if filler is None else filler
        self.fmt = self.element.fmt * length
        self.count = self.element.count * length
        self.default = ()

    def from_items(self, items: tuple) -> tuple:
        step, element = self.element.count, self.element
        return self._trim(tuple(element.from_items(items[i:i + step])
                                for i in range(0, self.count, step)))

    def to_items(self, value: tuple) -> tuple:
        padded = tuple(value) + (self.filler,) * (self.length - len(value))
        return tuple(item for element in padded for item in self.element.to_items(element))

    def coerce(self, value: Any) -> tuple:
        value = tuple(self.element.coerce(v) if self.element.needs_coerce else v for v in value)
        if len(value) > self.length:
            raise ValueError(f"{len(value)} elements do not fit in {self.length}")
        return self._trim(value)

    def _trim(self, value: tuple) -> tuple:
        end = len(value)
        while end and value[end - 1] == self.filler:
            end -= 1
        return value[:end]


def as_wire_type(spec: WireType | type) -> WireType:
    if isinstance(spec, WireType):
        return spec
    if isinstance(spec, type) and hasattr(spec, "_layout"):
        return RecordType(spec)
    raise TypeError(f"not a wire type: {spec!r}")


# Shorthands for annotations: ``line_instance: U32 = 0``.
U8 = Annotated[int, u8()]
U16 = Annotated[int, u16()]
U32 = Annotated[int, u32()]
IPv4Addr = Annotated[IPv4Address, IPv4()]
C6 = Annotated[str, Char(6)]
C16 = Annotated[str, Char(16)]
C24 = Annotated[str, Char(24)]  # directory numbers (25 from header version 0x12: unused)
C32 = Annotated[str, Char(32)]
C40 = Annotated[str, Char(40)]
C48 = Annotated[str, Char(48)]
C80 = Annotated[str, Char(80)]


@dataclass(frozen=True)
class Layout:
    """The compiled layout of one body.

    ``cuts`` are the field counts a body may stop after: the required prefix, then the
    start of each optional trailing group, then all fields. Decoding accepts a body cut
    at any of them; encoding stops only before an extension group (see
    :func:`layout_of`). ``structs``/``formats``/``counts`` hold the struct, its format
    and its item count for the body cut at each of them.
    """

    fields: tuple[tuple[str, WireType], ...]
    cuts: tuple[int, ...]
    structs: tuple[struct.Struct, ...]
    formats: tuple[str, ...]
    counts: tuple[int, ...]
    extensions_from: int  # index into cuts: the first cut an encoder may stop at
    # The encoder's fast path, compiled once from ``fields`` (see _flat_items): every field
    # one struct item (no records, no arrays), read in one attrgetter call, with the few
    # fields whose item is not their value (text, addresses) converted by position.
    flat: bool = field(init=False, repr=False, compare=False)
    _getter: Any = field(init=False, repr=False, compare=False)
    _convert: tuple = field(init=False, repr=False, compare=False)
    _convert_back: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        flat = all(wire.count == 1 and not isinstance(wire, (RecordType, Array))
                   for _, wire in self.fields)
        names = [name for name, _ in self.fields]
        getter = operator.attrgetter(*names) if names else (lambda obj: ())
        if len(names) == 1:  # attrgetter of one name gives the value, not a tuple
            single = getter
            getter = lambda obj: (single(obj),)  # noqa: E731
        convert = tuple((i, wire.to_item) for i, (_, wire) in enumerate(self.fields)
                        if wire.to_item is not None)
        object.__setattr__(self, "flat", flat)
        object.__setattr__(self, "_getter", getter)
        convert_back = tuple((i, wire.from_item) for i, (_, wire) in enumerate(self.fields)
                             if wire.from_item is not None)
        object.__setattr__(self, "_convert", convert)
        object.__setattr__(self, "_convert_back", convert_back)

    @property
    def size(self) -> int:
        return self.structs[-1].size

    @property
    def min_size(self) -> int:
        return self.structs[0].size

    def values(self, items: tuple, nfields: int) -> list:
        """Field values from the struct items of the first ``nfields`` fields."""
        if self.flat:
            return self._flat_values(items, nfields)
        return self.general_values(items, nfields)

    def _flat_values(self, items: tuple, nfields: int) -> list:
        """``general_values`` for a flat layout: one item a field, so the items are the
        values but for the text, enum and address fields, converted by position."""
        values = list(items[:nfields])
        for i, from_item in self._convert_back:
            if i >= nfields:
                break
            values[i] = from_item(values[i])
        return values

    def general_values(self, items: tuple, nfields: int) -> list:
        """Field values from the struct items, each field's ``from_items`` in turn."""
        values, i = [], 0
        for _, wire in self.fields[:nfields]:
            values.append(wire.from_items(items[i:i + wire.count]))
            i += wire.count
        return values

    def items(self, obj: Any) -> tuple:
        if self.flat:
            return self._flat_items(obj)
        return self.general_items(obj)

    def general_items(self, obj: Any) -> tuple:
        """The struct items of every field, each field's ``to_items`` in turn."""
        out: list = []
        for name, wire in self.fields:
            out.extend(wire.to_items(getattr(obj, name)))
        return tuple(out)

    def _flat_items(self, obj: Any) -> tuple:
        """``general_items`` for a flat layout: one attrgetter call, then only the text and
        address fields converted (tests/sccp/test_fast_codec.py compares the two)."""
        values = self._getter(obj)
        if not self._convert:
            return values
        values = list(values)
        for i, to_item in self._convert:
            values[i] = to_item(values[i])
        return tuple(values)

    def pack(self, obj: Any, full: bool = False) -> bytes:
        """The full body, except extension groups after the last one holding a value
        (unless ``full``: bytes that follow must not be read as a missing group)."""
        index = len(self.cuts) - 1
        while not full and index > self.extensions_from and self._all_default(obj, index):
            index -= 1
        items = self.items(obj)
        try:
            return self.structs[index].pack(*items[:self.counts[index]])
        except struct.error as error:  # a value out of its field's range: a caller's bug
            raise ValueError(f"cannot encode {obj!r}: {error}") from None

    def _all_default(self, obj: Any, index: int) -> bool:
        """Whether the group ending at cut ``index`` holds only wire defaults."""
        group = self.fields[self.cuts[index - 1]:self.cuts[index]]
        return all(getattr(obj, name) == wire.default for name, wire in group)

    def unpack(self, body: bytes) -> tuple[list, bytes] | None:
        """(values of the fields present, bytes after them); None when the body is
        shorter than the required prefix. Absent optional fields are left out: the
        caller's defaults fill them."""
        for index in range(len(self.cuts) - 1, -1, -1):
            shape = self.structs[index]
            if shape.size <= len(body):
                items = shape.unpack_from(body)
                return self.values(items, self.cuts[index]), body[shape.size:]
        return None


def layout_of(cls: type, optional: tuple[str, ...] = (),
              extensions: tuple[str, ...] = ()) -> Layout:
    """Compile the layout from ``cls``'s Annotated fields (in declaration order).

    ``optional`` and ``extensions`` name the first field of each trailing group a body
    may stop before. Both decode as absent (defaults) when the body ends first. They
    differ in what we send: ``optional`` groups always (old senders left them out, but
    Wireshark expects them, as do current phones), ``extensions`` only up to the last
    group holding a non-default value (later additions that older receivers, Wireshark
    included, read only from longer messages or newer header versions).
    """
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = []
    for name in cls.__dict__.get("__annotations__", {}):
        hint = hints[name]
        if typing.get_origin(hint) is Annotated:
            specs = [m for m in hint.__metadata__ if isinstance(m, WireType)]
            if specs:
                fields.append((name, specs[0]))
        elif isinstance(hint, type) and hasattr(hint, "_layout"):
            fields.append((name, RecordType(hint)))
    names = [name for name, _ in fields]
    unknown = (set(optional) | set(extensions)) - set(names)
    if unknown:
        raise TypeError(f"{cls.__name__}: optional groups name unknown fields {unknown}")
    first_extension = min((names.index(name) for name in extensions), default=len(fields))
    if any(names.index(name) > first_extension for name in optional):
        raise TypeError(f"{cls.__name__}: optional groups must come before extensions")
    cuts = tuple(sorted({names.index(name) for name in optional + extensions}
                        | {len(fields)}))
    formats, counts = [], []
    for cut in cuts:
        formats.append("".join(wire.fmt for _, wire in fields[:cut]))
        counts.append(sum(wire.count for _, wire in fields[:cut]))
    return Layout(tuple(fields), cuts, tuple(struct.Struct("<" + f) for f in formats),
                  tuple(formats), tuple(counts), cuts.index(first_extension))
