"""TFTP packets, sans-I/O: RFC 1350 (RRQ, WRQ, DATA, ACK, ERROR) and RFC 2347's OACK.

:func:`decode` turns one datagram into a packet object or raises :class:`TFTPError`,
whose ``code`` is the ERROR code to answer with (4, illegal TFTP operation, for anything
malformed; 8 for bad options, RFC 2347). ``packet.encode()`` gives the datagram back.

Checks on a request (they are what a hostile datagram on port 69 would try):
- at least an opcode and two NUL-terminated strings; nothing after the last NUL;
- a file name of 1..255 bytes (:data:`MAX_FILENAME`), UTF-8 (Cisco names are ASCII);
- mode ``octet`` or ``netascii``, in any case (``mail`` is obsolete and refused);
- options as name/value pairs, names case-insensitive (kept lower-case), no duplicate,
  at most :data:`MAX_OPTIONS`, and the whole request at most 512 bytes (RFC 2347).

:func:`netascii` is the conversion RFC 1350 asks for in netascii mode (the one tftp-hpa's
server does): LF becomes CR LF and a bare CR becomes CR NUL, so that a client's reverse
conversion gives back the file's bytes exactly.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Union

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6

# ERROR codes (RFC 1350 §5; 8 from RFC 2347)
NOT_DEFINED = 0
FILE_NOT_FOUND = 1
ACCESS_VIOLATION = 2
DISK_FULL = 3
ILLEGAL_OPERATION = 4
UNKNOWN_TID = 5
FILE_EXISTS = 6
NO_SUCH_USER = 7
OPTION_REFUSED = 8

MODES = ("octet", "netascii")
MAX_FILENAME = 255
MAX_OPTIONS = 16
"""RFC 2347 sets no number; a request cannot exceed 512 bytes anyway. 16 is four times
what any client sends (blksize, tsize, timeout, windowsize)."""
MAX_REQUEST = 512
"""RFC 2347 §Packet formats: a request, options included, must fit in 512 octets."""

_HEAD = struct.Struct("!HH")
_OPCODE = struct.Struct("!H")


class TFTPError(ValueError):
    """A datagram that is not a valid TFTP packet. ``code`` is the ERROR code to answer."""

    def __init__(self, message: str, code: int = ILLEGAL_OPERATION) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ReadRequest:
    filename: str
    mode: str = "octet"
    options: dict[str, str] = field(default_factory=dict)
    opcode = RRQ

    def encode(self) -> bytes:
        return _encode_request(self.opcode, self.filename, self.mode, self.options)


@dataclass(frozen=True, slots=True)
class WriteRequest:
    filename: str
    mode: str = "octet"
    options: dict[str, str] = field(default_factory=dict)
    opcode = WRQ

    def encode(self) -> bytes:
        return _encode_request(self.opcode, self.filename, self.mode, self.options)


@dataclass(frozen=True, slots=True)
class Data:
    block: int
    payload: bytes = b""
    opcode = DATA

    def encode(self) -> bytes:
        return _HEAD.pack(DATA, _block(self.block)) + self.payload


@dataclass(frozen=True, slots=True)
class Ack:
    block: int
    opcode = ACK

    def encode(self) -> bytes:
        return _HEAD.pack(ACK, _block(self.block))


@dataclass(frozen=True, slots=True)
class Error:
    code: int
    message: str = ""
    opcode = ERROR

    def encode(self) -> bytes:
        if not 0 <= self.code <= 0xFFFF:
            raise ValueError(f"error code {self.code} does not fit in 16 bits")
        text = self.message.encode("utf-8", "replace").replace(b"\0", b" ")
        return _HEAD.pack(ERROR, self.code) + text + b"\0"


@dataclass(frozen=True, slots=True)
class OptionAck:
    options: dict[str, str]
    opcode = OACK

    def encode(self) -> bytes:
        if not self.options:
            raise ValueError("an OACK carries at least one option")
        return _OPCODE.pack(OACK) + _encode_options(self.options)


Packet = Union[ReadRequest, WriteRequest, Data, Ack, Error, OptionAck]


def _block(block: int) -> int:
    if not 0 <= block <= 0xFFFF:
        raise ValueError(f"block number {block} does not fit in 16 bits")
    return block


def _text(value: str, what: str) -> bytes:
    raw = value.encode("utf-8")
    if b"\0" in raw:
        raise ValueError(f"{what} {value!r} contains NUL")
    return raw


def _encode_options(options: dict[str, str]) -> bytes:
    return b"".join(_text(k, "option") + b"\0" + _text(str(v), "option value") + b"\0"
                    for k, v in options.items())


def _encode_request(opcode: int, filename: str, mode: str, options: dict[str, str]) -> bytes:
    return (_OPCODE.pack(opcode) + _text(filename, "file name") + b"\0"
            + _text(mode, "mode") + b"\0" + _encode_options(options))


# -- decoding ----------------------------------------------------------------------------
def decode(datagram: bytes) -> Packet:
    """The packet in ``datagram``; :class:`TFTPError` when it is not a valid one."""
    if len(datagram) < 2:
        raise TFTPError(f"short packet: {len(datagram)} bytes, no opcode")
    (opcode,) = _OPCODE.unpack_from(datagram)
    if opcode in (RRQ, WRQ):
        return _decode_request(opcode, datagram)
    if opcode == OACK:
        options = _decode_options(_strings(datagram[2:], "OACK"), "OACK")
        if not options:
            raise TFTPError("OACK without options")
        return OptionAck(options)
    if opcode not in (DATA, ACK, ERROR):
        raise TFTPError(f"unknown opcode {opcode}")
    if len(datagram) < 4:
        raise TFTPError(f"short packet: {len(datagram)} bytes for opcode {opcode}, 4 at least")
    (_, number) = _HEAD.unpack_from(datagram)
    if opcode == DATA:
        return Data(number, bytes(datagram[4:]))
    if opcode == ACK:
        if len(datagram) != 4:
            raise TFTPError(f"ACK of {len(datagram)} bytes: an ACK is 4")
        return Ack(number)
    rest = datagram[4:]
    if not rest.endswith(b"\0"):
        raise TFTPError("ERROR message not NUL-terminated")
    return Error(number, rest[:-1].split(b"\0", 1)[0].decode("utf-8", "replace"))


def _strings(body: bytes, what: str) -> list[bytes]:
    """The NUL-terminated strings of ``body``: the last byte must be a NUL."""
    if not body.endswith(b"\0"):
        raise TFTPError(f"{what}: last field not NUL-terminated")
    return body[:-1].split(b"\0")


def _decode_request(opcode: int, datagram: bytes) -> ReadRequest | WriteRequest:
    what = "RRQ" if opcode == RRQ else "WRQ"
    if len(datagram) > MAX_REQUEST:
        raise TFTPError(f"{what} of {len(datagram)} bytes: at most {MAX_REQUEST}")
    fields = _strings(datagram[2:], what)
    if len(fields) < 2:
        raise TFTPError(f"{what} without a mode")
    raw_name, raw_mode, rest = fields[0], fields[1], fields[2:]
    if not raw_name:
        raise TFTPError(f"{what} with an empty file name")
    if len(raw_name) > MAX_FILENAME:
        raise TFTPError(f"{what} file name of {len(raw_name)} bytes: at most {MAX_FILENAME}")
    try:
        filename = raw_name.decode("utf-8")
    except UnicodeDecodeError:
        raise TFTPError(f"{what} file name is not UTF-8: {raw_name!r}") from None
    mode = raw_mode.decode("ascii", "replace").lower()
    if mode not in MODES:
        raise TFTPError(f"{what} mode {mode!r}: only octet and netascii are served")
    options = _decode_options(rest, what)
    cls = ReadRequest if opcode == RRQ else WriteRequest
    return cls(filename, mode, options)


def _decode_options(fields: list[bytes], what: str) -> dict[str, str]:
    if fields == [b""]:
        fields = []  # OACK body of a single NUL: no options (refused by the caller)
    if len(fields) % 2:
        raise TFTPError(f"{what}: option {fields[-1]!r} without a value", OPTION_REFUSED)
    if len(fields) // 2 > MAX_OPTIONS:
        raise TFTPError(f"{what}: {len(fields) // 2} options, at most {MAX_OPTIONS}",
                        OPTION_REFUSED)
    options: dict[str, str] = {}
    for raw_name, raw_value in zip(fields[::2], fields[1::2]):
        name = raw_name.decode("ascii", "replace").lower()
        if not name:
            raise TFTPError(f"{what}: empty option name", OPTION_REFUSED)
        if name in options:
            raise TFTPError(f"{what}: option {name!r} given twice", OPTION_REFUSED)
        options[name] = raw_value.decode("ascii", "replace")
    return options


# -- netascii ----------------------------------------------------------------------------
def netascii(data: bytes) -> bytes:
    """``data`` as netascii (RFC 1350, RFC 764): CR -> CR NUL, then LF -> CR LF."""
    return data.replace(b"\r", b"\r\0").replace(b"\n", b"\r\n")
