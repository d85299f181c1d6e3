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
from sip.memo import Memo
from sip.uri import URI


_KEYS = Memo(512)  # header name as asked -> its lookup key
_NAMES = Memo(512)  # header name as written -> (canonical spelling, lookup key)


def _key(name: str) -> str:
    """The lookup key of a header name: its canonical spelling, lower case (remembered:
    the names looked up are the stack's own few)."""
    key = _KEYS.get(name)
    if key is None:
        key = _KEYS.keep(name, canonical(name).lower())
    return key


def header_name(name: str) -> tuple[str, str]:
    """(canonical spelling, lookup key) of a header name as written (remembered)."""
    return _NAMES.get(name) or _name(name)


def _name(name: str) -> tuple[str, str]:
    """(canonical spelling, lookup key) of a header name as written: a peer writes the
    same few names in every message, so each spelling is worked out once (bounded: a
    peer inventing names only makes the table start over)."""
    known = _NAMES.get(name)
    if known is None:
        spelled = canonical(name)
        known = _NAMES.keep(name, (spelled, spelled.lower()))
    return known


class Headers:
    """Ordered header fields; names case-insensitive, compact forms stored long.

    Each field is one header line; a line holding a comma list stays one field (its
    elements are in :meth:`values`). ``_index`` maps each lower-case canonical name to
    the positions of its fields in ``_fields``, in order, kept in step with every change,
    so that a look-up does not scan the header lines.

    ``_views`` holds what :class:`Message`'s typed accessors parsed from these fields
    (the top Via, the From and To addresses, CSeq, ...), keyed by the header's lookup
    key: every change to a name (add, set, remove) drops that name's view, so a view is
    always what parsing the current text would give. See :meth:`view`.

    A copy shares the original's ``_index`` until either changes its names
    (``_index_shared``, copy-on-write): a request made from a dialog's template only
    replaces the values of its Via and CSeq, which leaves the positions as they were.
    """

    __slots__ = ("_fields", "_index", "_views", "_index_shared")

    def __init__(self, fields: Iterable[tuple[str, str]] = ()):
        self._fields: list[tuple[str, str]] = []
        self._index: dict[str, list[int]] = {}
        self._views: dict[str, object] = {}
        self._index_shared = False
        index, out = self._index, self._fields
        known, index_get, append = _NAMES.get, index.get, out.append  # bound once: ~10 fields a message
        for name, value in fields:  # add(), without the views to drop
            name, lname = known(name) or _name(name)
            positions = index_get(lname)
            if positions is None:
                index[lname] = [len(out)]
            else:
                positions.append(len(out))
            append((name, value))

    def _reindex(self) -> None:
        index: dict[str, list[int]] = {}
        for i, (name, _) in enumerate(self._fields):
            index.setdefault(name.lower(), []).append(i)
        self._index = index
        self._index_shared = False

    def _own_index(self) -> None:
        """Before the positions change in place: the index becomes this object's own."""
        self._index = {k: list(v) for k, v in self._index.items()}
        self._index_shared = False

    def add(self, name: str, value: str) -> None:
        name, lname = _NAMES.get(name) or _name(name)
        if self._index_shared:
            self._own_index()
        positions = self._index.get(lname)
        if positions is None:
            self._index[lname] = [len(self._fields)]
        else:
            positions.append(len(self._fields))
        self._fields.append((name, value))
        if self._views:
            self._views.pop(lname, None)

    def set(self, name: str, value: str) -> None:
        """Replace every field of this name by one, where the first one was (else last)."""
        name, lname = _NAMES.get(name) or _name(name)
        if self._views:
            self._views.pop(lname, None)
        positions = self._index.get(lname)
        if positions is None:
            if self._index_shared:
                self._own_index()
            self._index[lname] = [len(self._fields)]
            self._fields.append((name, value))
            return
        first = positions[0]
        self._fields[first] = (name, value)  # the positions stay: a shared index serves
        if len(positions) > 1:  # _reindex makes a new index
            dropped = set(positions[1:])
            self._fields = [f for j, f in enumerate(self._fields) if j not in dropped]
            self._reindex()

    def remove(self, name: str) -> None:
        lname = _key(name)
        self._views.pop(lname, None)
        if lname in self._index:
            self._fields = [f for f in self._fields if f[0].lower() != lname]
            self._reindex()

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first field's value."""
        positions = self._index.get(_KEYS.get(name) or _key(name))
        if positions is None:
            return default
        return self._fields[positions[0]][1]

    def get_all(self, name: str) -> list[str]:
        """Every field's value, one per header line."""
        positions = self._index.get(_KEYS.get(name) or _key(name))
        if positions is None:
            return []
        fields = self._fields
        return [fields[i][1] for i in positions]

    def values(self, name: str) -> list[str]:
        """The elements of a comma-list header across all its lines (RFC 3261 §7.3.1)."""
        return [item for value in self.get_all(name) for item in split_list(value)]

    def count(self, name: str) -> int:
        positions = self._index.get(_KEYS.get(name) or _key(name))
        return 0 if positions is None else len(positions)

    def view(self, key: str, parse):
        """What ``parse(self)`` makes of the fields whose lookup key (lower-case canonical
        name) is ``key``, remembered until a field of that name changes. What it returns
        is shared by every reader: read it, do not change it (build a new header
        instead). ``parse`` may raise; nothing is remembered then."""
        views = self._views
        value = views.get(key, _MISSING)
        if value is _MISSING:
            value = views[key] = parse(self)
        return value

    def remember(self, key: str, value: object) -> None:
        """Keep ``value`` as the view of ``key`` (the parser, which has just parsed it,
        saves the accessors parsing it again)."""
        self._views[key] = value

    def copy(self) -> "Headers":
        new = Headers.__new__(Headers)
        new._fields = list(self._fields)
        new._index = self._index  # shared until either changes a name's positions
        new._views = dict(self._views)
        new._index_shared = self._index_shared = True
        return new

    def __contains__(self, name: str) -> bool:
        return (_KEYS.get(name) or _key(name)) in self._index

    def has_all(self, keys: frozenset) -> bool:
        """Whether a field of every lookup key (lower-case canonical name) in ``keys``
        is present: one set test for the parser's mandatory headers."""
        return keys <= self._index.keys()

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


_MISSING = object()


# -- the typed views' parsers (Headers.view): each reads its header from the fields --------
def _call_id(headers: Headers) -> str | None:
    value = headers.get("Call-ID")
    return None if value is None else value.strip()


def _cseq(headers: Headers) -> CSeq | None:
    value = headers.get("CSeq")
    return None if value is None else CSeq.parse(value)


def tagged(address: Address | None) -> tuple[Address | None, str | None]:
    """The From / To view: (the address, its tag); (None, None) without the header."""
    return (None, None) if address is None else (address, address.tag)


_SHARED_MAX = 4096  # views remembered; then the memo starts over
_SHARED_TEXT_MAX = 256  # longer texts are parsed each time (ours and a CTI client's are short)
"""Sized for the sessions one server holds: each dialog has about four texts here (From
and To as the client writes them and as our requests carry them), so 200 CTI sessions
already need 800; at 512 the memo started over every few hundred messages and parsed
From/To again (a quarter of the 200s to our event INFOs). At most 4096 texts of 256
characters and their parses: a few MB, whatever a peer sends."""
_SHARED = Memo(_SHARED_MAX, _SHARED_TEXT_MAX)  # (header name, text) -> its view


def shared_view(name: str, value: str, parse, view=None):
    """The view of a header whose text is the same in every message of a dialog (From and
    To carry the dialog's tags; Content-Type the CSTA body type), and in every response
    we send in it: a message reuses what an earlier one with the same text made (views
    are shared and never changed, see Headers.view), so these are parsed about once a
    dialog. ``view(parsed)`` makes the view (default: the parsed value). Bounded: a peer
    sending new texts only makes the memo start over; a value that fails to parse
    raises and is never remembered."""
    key = (name, value)
    known = _SHARED.get(key)
    if known is None:
        parsed = parse(value)
        known = _SHARED.keep(key, parsed if view is None else view(parsed), len(value))
    return known


def _from(headers: Headers) -> tuple[Address | None, str | None]:
    value = headers.get("From")
    return (None, None) if value is None else shared_view("From", value, parse_address, tagged)


def _to(headers: Headers) -> tuple[Address | None, str | None]:
    value = headers.get("To")
    return (None, None) if value is None else shared_view("To", value, parse_address, tagged)


def _top_via(headers: Headers) -> Via | None:
    values = headers.values("Via")
    return Via.parse(values[0]) if values else None


def _contacts(headers: Headers) -> tuple[Address, ...]:
    return tuple(parse_address(v) for v in headers.values("Contact") if v != "*")


def _content_type(headers: Headers) -> ContentType | None:
    value = headers.get("Content-Type")
    return None if value is None else shared_view("Content-Type", value, ContentType.parse)


class Message:
    """What requests and responses share: headers, body, typed accessors, encoding."""

    __slots__ = ("headers", "body")

    def __init__(self, headers: Headers | Iterable[tuple[str, str]] = (), body: bytes = b""):
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.body = body

    # The typed views below are parsed once and kept in the headers (Headers.view) until
    # that header changes: the transaction, dialog and session layers each read To, CSeq
    # and Via of every message, the dialog look-up the To tag several times. What they
    # return is shared: read it, do not change it (build a new header instead).

    # -- identity ------------------------------------------------------------------------
    @property
    def call_id(self) -> str | None:
        return self.headers.view("call-id", _call_id)

    @property
    def cseq(self) -> CSeq | None:
        return self.headers.view("cseq", _cseq)

    # From and To are viewed as (address, tag): the tags are what dialog and
    # transaction matching read, several times a message
    @property
    def from_(self) -> Address | None:
        return self.headers.view("from", _from)[0]

    @property
    def to(self) -> Address | None:
        return self.headers.view("to", _to)[0]

    @property
    def from_tag(self) -> str | None:
        return self.headers.view("from", _from)[1]

    @property
    def to_tag(self) -> str | None:
        return self.headers.view("to", _to)[1]

    # -- routing -------------------------------------------------------------------------
    @property
    def vias(self) -> list[Via]:
        return [Via.parse(v) for v in self.headers.values("Via")]

    @property
    def via(self) -> Via | None:
        """The top Via: the one that names the previous hop and the transaction."""
        return self.headers.view("via", _top_via)

    @property
    def branch(self) -> str | None:
        via = self.headers.view("via", _top_via)
        return via.branch if via else None

    @property
    def contacts(self) -> list[Address]:
        """Contact addresses (empty for ``Contact: *``; see :attr:`is_star_contact`)."""
        return list(self.headers.view("contact", _contacts))

    @property
    def contact(self) -> Address | None:
        contacts = self.headers.view("contact", _contacts)
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
        parsed = self.headers.view("content-type", _content_type)
        return parsed.media_type if parsed else None

    @property
    def content_type_header(self) -> ContentType | None:
        return self.headers.view("content-type", _content_type)

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
