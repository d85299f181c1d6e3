"""Requests and responses: a start line, an ordered multi-map of headers, a body.

Header values are kept as received (unfolded, otherwise untouched) so that a relayed or
copied header is byte-for-byte what the peer sent; typed views (:attr:`Message.cseq`,
:attr:`Message.vias`, ...) are parsed from them on access. The parser has already checked
that every header the stack relies on parses, so on a parsed message the accessors do
not raise.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from sip.address import Address, parse_address
from sip.grammar import split_list
from sip.headers import CSeq, ContentType, SessionExpires, Via, canonical, parse_delta
from sip.headers import MAX_FORWARDS
from sip.grammar import decimal
from sip.uri import URI


_KEYS: dict[str, str] = {}


def _key(name: str) -> str:
    """The lookup key of a header name: its canonical spelling, lower case (remembered:
    the names looked up are the stack's own few)."""
    key = _KEYS.get(name)
    if key is None:
        if len(_KEYS) >= 512:
            _KEYS.clear()
        key = _KEYS[name] = canonical(name).lower()
    return key


class Headers:
    """Ordered header fields; names case-insensitive, compact forms stored long.

    Each field is one header line; a line holding a comma list stays one field (its
    elements are in :meth:`values`). ``_index`` maps each lower-case canonical name to
    the positions of its fields in ``_fields``, in order, kept in step with every change,
    so that a look-up does not scan the header lines.
    """

    __slots__ = ("_fields", "_index")

    def __init__(self, fields: Iterable[tuple[str, str]] = ()):
        self._fields: list[tuple[str, str]] = []
        self._index: dict[str, list[int]] = {}
        for name, value in fields:
            self.add(name, value)

    def _reindex(self) -> None:
        index: dict[str, list[int]] = {}
        for i, (name, _) in enumerate(self._fields):
            index.setdefault(name.lower(), []).append(i)
        self._index = index

    def add(self, name: str, value: str) -> None:
        name = canonical(name)
        lname = name.lower()
        positions = self._index.get(lname)
        if positions is None:
            self._index[lname] = [len(self._fields)]
        else:
            positions.append(len(self._fields))
        self._fields.append((name, value))

    def set(self, name: str, value: str) -> None:
        """Replace every field of this name by one, where the first one was (else last)."""
        name = canonical(name)
        lname = name.lower()
        positions = self._index.get(lname)
        if positions is None:
            self._index[lname] = [len(self._fields)]
            self._fields.append((name, value))
            return
        first = positions[0]
        self._fields[first] = (name, value)
        if len(positions) > 1:
            dropped = set(positions[1:])
            self._fields = [f for j, f in enumerate(self._fields) if j not in dropped]
            self._reindex()

    def remove(self, name: str) -> None:
        lname = _key(name)
        if lname in self._index:
            self._fields = [f for f in self._fields if f[0].lower() != lname]
            self._reindex()

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first field's value."""
        positions = self._index.get(_key(name))
        if positions is None:
            return default
        return self._fields[positions[0]][1]

    def get_all(self, name: str) -> list[str]:
        """Every field's value, one per header line."""
        positions = self._index.get(_key(name))
        if positions is None:
            return []
        fields = self._fields
        return [fields[i][1] for i in positions]

    def values(self, name: str) -> list[str]:
        """The elements of a comma-list header across all its lines (RFC 3261 §7.3.1)."""
        return [item for value in self.get_all(name) for item in split_list(value)]

    def count(self, name: str) -> int:
        positions = self._index.get(_key(name))
        return 0 if positions is None else len(positions)

    def copy(self) -> "Headers":
        new = Headers()
        new._fields = list(self._fields)
        new._index = {k: list(v) for k, v in self._index.items()}
        return new

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return ([(n.lower(), v) for n, v in self._fields]
                == [(n.lower(), v) for n, v in other._fields])

    def __repr__(self) -> str:
        return f"Headers({self._fields!r})"


class Message:
    """What requests and responses share: headers, body, typed accessors, encoding."""

    __slots__ = ("headers", "body", "_parsed")

    def __init__(self, headers: Headers | Iterable[tuple[str, str]] = (), body: bytes = b""):
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.body = body
        self._parsed: dict[str, tuple[str, object]] = {}

    def _parse(self, name: str, raw: str | None, parse):
        """`parse(raw)`, remembered while the header's text stays the same: the transaction,
        dialog and session layers each read To, CSeq and Via of every message. What it
        returns is shared: read it, do not change it (build a new header instead)."""
        if raw is None:
            return None
        known = self._parsed.get(name)
        if known is not None and known[0] == raw:
            return known[1]
        value = parse(raw)
        self._parsed[name] = (raw, value)
        return value

    # -- identity ------------------------------------------------------------------------
    @property
    def call_id(self) -> str | None:
        value = self.headers.get("Call-ID")
        return None if value is None else value.strip()

    @property
    def cseq(self) -> CSeq | None:
        return self._parse("CSeq", self.headers.get("CSeq"), CSeq.parse)

    @property
    def from_(self) -> Address | None:
        return self._parse("From", self.headers.get("From"), parse_address)

    @property
    def to(self) -> Address | None:
        return self._parse("To", self.headers.get("To"), parse_address)

    @property
    def from_tag(self) -> str | None:
        address = self.from_
        return address.tag if address else None

    @property
    def to_tag(self) -> str | None:
        address = self.to
        return address.tag if address else None

    # -- routing -------------------------------------------------------------------------
    @property
    def vias(self) -> list[Via]:
        return [Via.parse(v) for v in self.headers.values("Via")]

    @property
    def via(self) -> Via | None:
        """The top Via: the one that names the previous hop and the transaction."""
        values = self.headers.values("Via")
        return self._parse("Via", values[0], Via.parse) if values else None

    @property
    def branch(self) -> str | None:
        via = self.via
        return via.branch if via else None

    @property
    def contacts(self) -> list[Address]:
        """Contact addresses (empty for ``Contact: *``; see :attr:`is_star_contact`)."""
        return [parse_address(v) for v in self.headers.values("Contact") if v != "*"]

    @property
    def contact(self) -> Address | None:
        contacts = self.contacts
        return contacts[0] if contacts else None

    @property
    def contact_uri(self) -> URI | None:
        contact = self.contact
        return contact.uri if contact else None

    @property
    def is_star_contact(self) -> bool:
        return self.headers.values("Contact") == ["*"]

    @property
    def record_route(self) -> list[Address]:
        return [parse_address(v) for v in self.headers.values("Record-Route")]

    @property
    def route(self) -> list[Address]:
        return [parse_address(v) for v in self.headers.values("Route")]

    # -- scalars -------------------------------------------------------------------------
    @property
    def max_forwards(self) -> int | None:
        value = self.headers.get("Max-Forwards")
        return None if value is None else decimal(value, MAX_FORWARDS, "Max-Forwards")

    @property
    def expires(self) -> int | None:
        value = self.headers.get("Expires")
        return None if value is None else parse_delta(value, "Expires")

    @property
    def session_expires(self) -> SessionExpires | None:
        value = self.headers.get("Session-Expires")
        return None if value is None else SessionExpires.parse(value)

    @property
    def min_se(self) -> int | None:
        value = self.headers.get("Min-SE")
        return None if value is None else SessionExpires.parse(value, "Min-SE").delta

    @property
    def content_type(self) -> str | None:
        """The media type, lower case, without parameters (``application/csta+xml``)."""
        parsed = self.content_type_header
        return parsed.media_type if parsed else None

    @property
    def content_type_header(self) -> ContentType | None:
        value = self.headers.get("Content-Type")
        return None if value is None else ContentType.parse(value)

    def option_tags(self, name: str) -> list[str]:
        """Require / Supported / Proxy-Require / Unsupported tags."""
        return [v for v in self.headers.values(name) if v]

    # -- wire ----------------------------------------------------------------------------
    def start_line(self) -> str:
        raise NotImplementedError

    def encode(self) -> bytes:
        """The message on the wire: CRLF line ends, one field per line with its long
        name, and Content-Length always present and equal to the body's length."""
        self.headers.set("Content-Length", str(len(self.body)))
        lines = [self.start_line()]
        lines += [f"{name}: {value}" for name, value in self.headers]
        head = "\r\n".join(lines) + "\r\n\r\n"
        return head.encode("utf-8", "surrogateescape") + self.body


class Request(Message):
    __slots__ = ("method", "uri", "version")

    def __init__(self, method: str, uri: URI,
                 headers: Headers | Iterable[tuple[str, str]] = (),
                 body: bytes = b"", version: str = "SIP/2.0"):
        super().__init__(headers, body)
        self.method = method
        self.uri = uri
        self.version = version

    def start_line(self) -> str:
        return f"{self.method} {self.uri} {self.version}"

    def response(self, status: int, reason: str | None = None, **kwargs) -> "Response":
        """A response to this request with RFC 3261 §8.2.6.2's copied headers; see
        :func:`sip.response.make_response` for the arguments."""
        from sip.response import make_response
        return make_response(self, status, reason, **kwargs)

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.uri} call-id={self.call_id!r}>"


class Response(Message):
    __slots__ = ("status", "reason", "version")

    def __init__(self, status: int, reason: str = "",
                 headers: Headers | Iterable[tuple[str, str]] = (),
                 body: bytes = b"", version: str = "SIP/2.0"):
        super().__init__(headers, body)
        self.status = status
        self.reason = reason
        self.version = version

    def start_line(self) -> str:
        return f"{self.version} {self.status} {self.reason}"

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.reason} call-id={self.call_id!r}>"
