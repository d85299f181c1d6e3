"""Bytes to :class:`~sip.message.Request` / :class:`~sip.message.Response` (RFC 3261 §7).

Lenient where the RFC is (folded lines, LWS around ``:``, ``/`` and ``;``, compact and
oddly cased names, leading zeros, bare LF line ends, CRLFs before the start line);
strict where it requires: a Request-Line of exactly three elements separated by single
SPs, a SIP-Version (505 for another one), a three-digit status code, single-valued
headers once, the mandatory headers present, CSeq below 2**31 and naming the request's
method, bounded Max-Forwards / Expires / Content-Length.

A message that is not acceptable raises :class:`SIPParseError` with the status to answer
and a reason phrase naming the problem, carrying whatever header lines could be read so
that :func:`sip.response.error_response` can still copy Via, From, To, Call-ID and CSeq.

Parsing is split in two so that the stream framer can read Content-Length before the body
has arrived: :func:`parse_head` (start line and header lines, never raises) and
:func:`build_message` (all the checks, with the body).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from sip.address import parse_address
from sip.grammar import WSP, GrammarError, decimal, is_token, split_list
from sip.grammar import TOKEN_CHARS, WORD_CHARS
from sip.headers import (CANONICAL, MAX_CONTENT_LENGTH, MAX_FORWARDS, SINGLE_HEADERS,
                         ContentType, CSeq, SessionExpires, Via, parse_delta, parse_via)
from sip.memo import Memo
from sip.message import Headers, Request, Response, header_name, shared_view, tagged
from sip.uri import SIPURI, parse_uri

HEAD_END = re.compile(rb"\r?\n\r?\n")
"""The blank line that ends a header section (bare LF line ends are tolerated)."""


def head_end(data, start: int = 0) -> tuple[int, int] | None:
    """Where :data:`HEAD_END` first matches in ``data`` (bytes or bytearray) from
    ``start``: (start, end) of the blank line, or None. A header section with CRLF line
    ends is found by ``find`` (the regular expression tries every octet: about 6 µs
    for a 300-octet head): the first CRLFCRLF is the first match unless a bare-LF one
    (``LF LF``, ``LF CR LF``) begins before it, which is searched for up to there."""
    found = data.find(b"\r\n\r\n", start)
    if found >= 0 and data.find(b"\n\n", start, found) < 0 \
            and data.find(b"\n\r\n", start, found + 2) < 0:
        return found, found + 4
    match = HEAD_END.search(data, start)
    return None if match is None else match.span()
_LINE_END = re.compile(r"\r?\n")
_VERSION = re.compile(r"SIP/[0-9]+\.[0-9]+\Z", re.IGNORECASE)
_STATUS = re.compile(r"[1-6][0-9][0-9]\Z")
_WORD = WORD_CHARS
_URI_CONTROL = re.compile(r"[\x00-\x20]")  # a blank (WSP) or a control character

SUPPORTED_VERSION = "SIP/2.0"
REQUIRED = ("Via", "From", "To", "Call-ID", "CSeq")
"""§8.1.1: every request (and so every response) carries these; Max-Forwards is also
mandatory but RFC 2543 peers omit it and RFC 4475 inv2543 must parse, so it is not."""
_REQUIRED_KEYS = frozenset(name.lower() for name in REQUIRED)  # as Headers keys them


class SIPParseError(ValueError):
    """A message that cannot be accepted.

    ``status``/``reason``: what to answer (400, 413, 505, ...) when ``kind`` is
    ``"request"`` (a malformed response is simply discarded). ``headers``: every header
    line that could be read, for building that answer. ``method``: the request's method
    when the start line got that far (never answer an ACK).
    """

    def __init__(self, status: int, reason: str, *, kind: str | None = None,
                 method: str | None = None, headers: Headers | None = None,
                 start_line: str = ""):
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason
        self.kind = kind
        self.method = method
        self.headers = headers if headers is not None else Headers()
        self.start_line = start_line

    @property
    def is_request(self) -> bool:
        return self.kind == "request"

    @property
    def is_response(self) -> bool:
        return self.kind == "response"


class Head(NamedTuple):
    """A header section as read: the start line, the header lines that parsed, and the
    first header line that did not (reported by :func:`build_message`). ``repeated``:
    some name has more than one line (only then can a single header be repeated).
    ``bare_lf``: some line ended in LF alone (not CRLF). A NamedTuple: one is made for
    every message, in one step (parse_head makes it with tuple.__new__)."""

    start_line: str
    headers: Headers
    bad_line: str | None = None
    repeated: bool = False
    bare_lf: bool = False

    @property
    def kind(self) -> str | None:
        if self.start_line[:4].upper() == "SIP/":
            return "response"
        return "request" if " " in self.start_line else None

    @property
    def method(self) -> str | None:
        return self.start_line.split(" ", 1)[0] if self.kind == "request" else None

    def error(self, status: int, reason: str) -> SIPParseError:
        # a reason phrase is one line of text: never let input bytes shape it
        reason = reason.replace("\r", " ").replace("\n", " ")
        return SIPParseError(status, reason, kind=self.kind, method=self.method,
                             headers=self.headers, start_line=self.start_line)


def parse_head(head: bytes) -> Head:
    """Split a header section (without its blank line) into start line and fields.

    Folded lines (CRLF followed by SP/HTAB) are joined with one SP; a compact name is
    stored under its long name. Never raises: a malformed line is skipped and recorded.

    The fields and their index (Headers) are made in this one pass; a header line seen
    before (the dialog's From, To, Call-ID, Contact, ...; see :data:`_FIELDS`) is read
    from the memo, in one look-up, and a name spelled as before (:data:`_SPELLED`) is
    not checked again. The lines are split at CRLF; a line that holds a bare LF (never
    one from the memo) makes the pass start over, split at either line end.
    """
    text = head.decode("utf-8", "surrogateescape").lstrip("\r\n")
    lines = text.split("\r\n")
    plain = True  # split at CRLF only, so far without a bare LF
    known, spellings, changing = _FIELDS.get, _SPELLED.get, _CHANGING
    while True:
        fields: list[tuple[str, str]] = []
        index: dict[str, list[int]] = {}
        bad_line: str | None = None
        folded = repeated = False
        index_get, append = index.get, fields.append
        lines = iter(lines)
        start_line = next(lines)
        if plain and "\n" in start_line:
            lines, plain = _LINE_END.split(text), False
            continue
        for line in lines:
            field = known(line)
            if field is None:
                if plain and "\n" in line:
                    break  # a bare LF: start over (below)
                if line[:1] in (" ", "\t"):
                    if fields:
                        name, value = fields[-1]
                        fields[-1] = (name, value + " " + line.strip(WSP))
                        folded = True
                    elif bad_line is None:
                        bad_line = line
                    continue
                name, colon, value = line.partition(":")
                spelled = spellings(name)
                if spelled is not None and colon:  # _read_field's outcome, in line
                    field = ((spelled[0], value.strip(WSP)), spelled[1])
                    if spelled[1] not in changing:
                        _FIELDS.keep(line, field, len(line))
                else:
                    field = _read_field(line)
                    if field is None:
                        if bad_line is None:
                            bad_line = line
                        continue
            pair, lname = field
            positions = index_get(lname)
            if positions is None:
                index[lname] = [len(fields)]
            else:
                positions.append(len(fields))
                repeated = True
            append(pair)
        else:
            break
        lines, plain = _LINE_END.split(text), False
    if folded:  # a continuation may end in blanks: strip the joined value again
        fields[:] = [(name, value.strip(WSP)) for name, value in fields]
    headers = _new(Headers)  # the fields and the index made above are its own
    headers._fields, headers._index, headers._views, headers._index_shared = fields, index, {}, False
    return _tuple_new(Head, (start_line, headers, bad_line, repeated, not plain))


_tuple_new = tuple.__new__


def _read_field(line: str) -> tuple[tuple[str, str], str] | None:
    """One header line (not a continuation): ((canonical name, value), lookup key), or
    None when it is not ``token *WSP ":" value``. Remembered in :data:`_FIELDS` unless
    its name is one whose lines differ in every message."""
    name, colon, value = line.partition(":")
    spelled = _SPELLED.get(name)
    if spelled is None:
        stripped = name.rstrip(WSP)
        if not colon or not is_token(stripped):
            return None
        spelled = header_name(stripped)
        if stripped == name and len(_SPELLED) < 512:  # bounded: invented names are checked each time
            _SPELLED[name] = spelled
    elif not colon:
        return None
    field = ((spelled[0], value.strip(WSP)), spelled[1])
    if spelled[1] not in _CHANGING:
        _FIELDS.keep(line, field, len(line))
    return field


_SPELLED: dict[str, tuple[str, str]] = {}
"""Header names as written (tokens, no trailing blank: they need no check) -> (canonical
spelling, lookup key): the few a peer uses."""

_FIELDS = Memo(4096, 256)
"""Header lines as written -> what :func:`_read_field` made of them: a dialog's From,
To, Call-ID, Contact, Max-Forwards, Content-Type, User-Agent are the same line in each
of its messages. Bounded like every Memo (a peer's new lines only make it start over;
at most 4096 lines of 256 characters); lines of :data:`_CHANGING` names are never kept.
Sized like sip.message's _SHARED: a CTI session brings about six lines of its own (its
From and To as the client writes them in requests and in responses, its Call-ID, its
Contact), so 200 sessions need about 1,200."""

_CHANGING = frozenset(("via", "cseq", "authorization", "proxy-authorization", "date",
                       "timestamp"))
"""Lookup keys of headers whose line is new in (nearly) every message: not memoised."""


def content_length(head: Head) -> int | None:
    """The Content-Length, or None when absent; raises when repeated or not a number
    (on a stream either means framing is lost)."""
    headers = head.headers
    positions = headers._index.get("content-length")
    if positions is None:
        return None
    if len(positions) > 1:
        raise head.error(400, "Multiple Content-Length headers")
    try:
        return decimal(headers._fields[positions[0]][1], MAX_CONTENT_LENGTH, "Content-Length")
    except GrammarError as exc:
        raise head.error(400, f"Bad Content-Length: {exc}") from None


_LINES_MAX = 512
_LINES = Memo(_LINES_MAX)
"""Start lines that passed :func:`_check_start_line`, and what they gave: a dialog's
requests share one Request-Line (``INFO sip:201@host SIP/2.0``) and nearly every
response is ``SIP/2.0 200 OK``, so each is checked about once. Bounded: new lines only
make the memo start over; a line that fails is checked (and refused) every time."""


def _start_line(head: Head) -> Request | Response:
    line = head.start_line
    known = _LINES.get(line)
    if known is None:
        known = _LINES.keep(line, _check_start_line(head))
    if known[0] is None:
        message = _new(Response)  # Response(status, reason, headers, version=...), unchecked
        message.status, message.reason = known[1], known[2]
    else:
        message = _new(Request)
        message.method, message.uri = known[0], known[1]
    message.headers, message.body, message.version = head.headers, b"", SUPPORTED_VERSION
    return message


_new = object.__new__


def _check_start_line(head: Head) -> tuple:
    """(None, status, reason) for a Status-Line, (method, Request-URI) for a Request-Line;
    raises SIPParseError. The URI is shared by every request with this line: read, never
    changed (as Headers.view's values)."""
    line = head.start_line
    kind = head.kind
    if kind == "response":
        version, _, rest = line.partition(" ")
        code, _, reason = rest.partition(" ")
        if not _VERSION.match(version):
            raise head.error(400, "Bad Status-Line: malformed SIP-Version")
        if version.upper() != SUPPORTED_VERSION:
            raise head.error(505, f"Version Not Supported: {version[:20]}")
        if not _STATUS.match(code):
            raise head.error(400, "Bad Status-Line: status code must be 100..699")
        return (None, int(code), reason)
    parts = line.split(" ")
    if kind is None or len(parts) < 2:
        raise head.error(400, "Bad Request-Line: not 'Method Request-URI SIP-Version'")
    if len(parts) == 2:
        raise head.error(400, "Bad Request-Line: no SIP-Version")
    if len(parts) > 3:
        if "" in parts:
            raise head.error(400, "Bad Request-Line: elements must be separated by single SP")
        raise head.error(400, "Bad Request-Line: whitespace in Request-URI")
    method, uri_text, version = parts
    if not method or not uri_text or not version:
        raise head.error(400, "Bad Request-Line: elements must be separated by single SP")
    if not _VERSION.match(version):
        raise head.error(400, "Bad Request-Line: malformed SIP-Version")
    if version.upper() != SUPPORTED_VERSION:
        raise head.error(505, f"Version Not Supported: {version[:20]}")
    if not is_token(method):
        raise head.error(400, "Bad Request-Line: method is not a token")
    if _URI_CONTROL.search(uri_text):
        raise head.error(400, "Bad Request-Line: control character in Request-URI")
    try:
        uri = parse_uri(uri_text)
    except GrammarError as exc:
        raise head.error(400, f"Bad Request-URI: {exc}") from None
    if isinstance(uri, SIPURI) and uri.headers:
        # §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 escruri)
        raise head.error(400, "Bad Request-URI: headers not allowed")
    return (method, uri)


def _check_call_id(value: str) -> None:
    if _CALL_ID.fullmatch(value) is None:  # compiled; walk_call_id is the same check spelled out
        raise GrammarError("must be word[@word]")


def walk_call_id(value: str) -> None:
    """_check_call_id by its definition: word, or word@word (the fast path's reference)."""
    parts = value.split("@")
    if len(parts) > 2 or not all(p and _WORD.issuperset(p) for p in parts):
        raise GrammarError("must be word[@word]")


_WORD_CLASS = "[" + "".join(re.escape(c) for c in sorted(WORD_CHARS)) + "]+"
_CALL_ID = re.compile(f"{_WORD_CLASS}(?:@{_WORD_CLASS})?")
"""Call-ID = word [ "@" word ] (§25.1); '@' is no word character."""


def _check_list(value: str, parse):
    """Check every element; returns (first element, what parse made of it)."""
    first = None
    for element in split_list(value):
        if not element:
            raise GrammarError("empty list element")
        parsed = parse(element)
        if first is None:
            first = (element, parsed)
    return first


def _check_contact(element: str):
    """One Contact element: its Address, or None for ``*``."""
    if element == "*":
        return None
    address = parse_address(element)
    expires = address.params.get("expires")
    if expires is not None:
        parse_delta(expires, "expires parameter")
    q = address.params.get("q")
    if q is not None and not _Q_VALUE.match(q):
        raise GrammarError("bad q value")
    return address


_Q_VALUE = re.compile(r"(0(\.[0-9]{0,3})?|1(\.0{0,3})?)\Z")


def _check_contacts(value: str) -> list:
    """Every element of one Contact line checked: their Addresses (None for ``*``)."""
    addresses = []
    for element in split_list(value):
        if not element:
            raise GrammarError("empty list element")
        addresses.append(_check_contact(element))
    return addresses


def _token_list(element: str) -> None:
    if not is_token(element):
        raise GrammarError("not a token")


_CHECKS = {
    # header name → check of one line's value; a GrammarError becomes "400 Bad <name>"
    "Call-ID": _check_call_id,
    "CSeq": CSeq.parse,
    "From": parse_address,
    "To": parse_address,
    "Max-Forwards": lambda v: decimal(v, MAX_FORWARDS, "Max-Forwards"),
    "Expires": lambda v: parse_delta(v, "Expires"),
    "Min-Expires": lambda v: parse_delta(v, "Min-Expires"),
    "Session-Expires": SessionExpires.parse,
    "Min-SE": lambda v: SessionExpires.parse(v, "Min-SE"),
    "Content-Type": ContentType.parse,
    # Via and Contact: checked in build_message, which keeps the top Via and the
    # Contact addresses parsed
    "Route": lambda v: _check_list(v, parse_address),
    "Record-Route": lambda v: _check_list(v, parse_address),
    "Require": lambda v: _check_list(v, _token_list),
    "Proxy-Require": lambda v: _check_list(v, _token_list),
}


_REMEMBERED = {"CSeq": ("cseq", None), "From": ("from", tagged), "To": ("to", tagged),
               "Content-Type": ("content-type", None)}
"""Checked single headers whose parsed value the message keeps for its accessors: the
Headers.view key each is kept under, and what makes the view of the parsed value (see
Message.from_). The transaction, dialog and session layers read them at once, so they
are not parsed twice. Call-ID, the top Via and the Contact addresses are kept too (see
build_message)."""

_REPEATED = frozenset(("From", "To", "Content-Type"))
"""Headers whose text is the same in every message of a dialog: their views come from
sip.message.shared_view."""

_SINGLE = frozenset(CANONICAL.get(name, name) for name in SINGLE_HEADERS)
"""SINGLE_HEADERS as Headers spells them (canonical), so a field's name is compared as
it is stored."""


def build_message(head: Head, body: bytes = b"", *, length_checked: bool = False) -> Request | Response:
    """Validate a parsed head and attach the body; raises :class:`SIPParseError`.

    What the checks parse is kept as the message's typed views (Headers.view), so the
    accessors that routing reads (CSeq, From, To, Call-ID, Content-Type, the top Via,
    Contact) do not parse again. ``length_checked``: the caller has already read the
    Content-Length with :func:`content_length` (the framer and parse_message do, to
    find the body), so it is not read again.

    The fast path runs every check :func:`walk_message` runs, each header line's by one
    look-up of its name (:data:`_RULES`), and repeated single headers by the index; a
    message that fails any of them is handed to :func:`walk_message`, which raises the
    error it always raised (the first in line order), so the outcome is the walk's."""
    message = _start_line(head)
    if head.bad_line is not None:
        raise head.error(400, "Bad header line: " + _describe(head.bad_line))
    headers = head.headers
    index = headers._index
    if not _REQUIRED_KEYS <= index.keys() or head.repeated and _repeats_single(index):
        return walk_message(head, body, length_checked=length_checked)
    views = headers._views
    checked, rules, pures = _CHECKED.get, _RULES.get, _PURE.get
    try:
        for field in headers._fields:
            known = checked(field)
            if known is None:
                name = field[0]
                rule = rules(name)
                if rule is not None:
                    rule(field[1], views)
                    continue
                pure = pures(name)
                if pure is None:
                    continue
                known = _CHECKED.keep(field, pure(field[1]), len(field[1]))
            if known[0] is not None:
                views[known[0]] = known[1]
    except GrammarError:
        views.clear()
        return walk_message(head, body, length_checked=length_checked)
    if message.__class__ is Request and views["cseq"].method != message.method:
        raise head.error(400, "CSeq method does not match the request method")
    if not length_checked:
        content_length(head)  # repeated or malformed even where framing did not need it
    message.body = body
    return message


def _repeats_single(index: dict[str, list[int]]) -> bool:
    """Whether a header that may appear once has more than one line."""
    for key in _SINGLE_KEYS:
        positions = index.get(key)
        if positions is not None and len(positions) > 1:
            return True
    return False


_SINGLE_KEYS = tuple(SINGLE_HEADERS)


def _via_rule(value: str, views: dict) -> None:
    if "," in value or '"' in value or "<" in value or not value.strip(WSP):
        first = _check_list(value, parse_via)[1]
    else:  # one element: what split_list gives, without the list
        first = parse_via(value.strip(WSP))
    if "via" not in views:
        views["via"] = first  # the top Via: what Message.via parses


def _contact_rule(value: str, views: dict) -> None:
    line = shared_view("Contact", value, _contact_addresses)
    views["contact"] = views["contact"] + line if "contact" in views else line


def _contact_addresses(value: str) -> tuple:
    """One Contact line checked: its addresses (``*`` gives none)."""
    return tuple(a for a in _check_contacts(value) if a is not None)


def _call_id(value: str) -> tuple[str, str]:
    _check_call_id(value)
    return ("call-id", value)  # checked: word[@word], no blanks to strip


def _cseq_rule(value: str, views: dict) -> None:
    views["cseq"] = CSeq.parse(value)


def _shared(name: str, key: str, parse, view):
    def pure(value: str) -> tuple[str, object]:
        return (key, shared_view(name, value, parse, view))
    return pure


def _check_only(check):
    def pure(value: str) -> tuple[None, None]:
        check(value)
        return (None, None)
    return pure


_RULES = {"Via": _via_rule, "Contact": _contact_rule, "CSeq": _cseq_rule}
"""Canonical header name -> what build_message's fast path does with one of its lines
when what it keeps depends on more than the line (the top Via is the first line's,
Contact views add up) or the line is new in each message (CSeq): the check
:func:`walk_message` makes of it, keeping the same views."""

_PURE = {name: _check_only(check) for name, check in _CHECKS.items()}
_PURE.update({
    "Call-ID": _call_id,
    "From": _shared("From", "from", parse_address, tagged),
    "To": _shared("To", "to", parse_address, tagged),
    "Content-Type": _shared("Content-Type", "content-type", ContentType.parse, None),
})
"""The other checked headers: name -> the check of one line's value, which gives
(view key, view), or (None, None) when nothing is kept; the same line gives the same,
so :data:`_CHECKED` remembers it."""
del _PURE["CSeq"]

_CHECKED = Memo(4096, 256)
"""(name, value) of a header line that passed its _PURE check -> what the check gave:
the dialog's From, To, Call-ID, Max-Forwards, Content-Type lines are checked about once
(the fields of remembered lines are the same tuples, whose strings' hashes are kept).
Bounded like every Memo; a line that fails is never kept."""


def walk_message(head: Head, body: bytes = b"", *, length_checked: bool = False) -> Request | Response:
    """build_message by its definition, one header line after the other: the general
    path, which gives every error (the first one in the order of the lines), and the
    reference the fast path is tested against.

    What the checks parse is kept as the message's typed views (Headers.view), so the
    accessors that routing reads (CSeq, From, To, Call-ID, Content-Type, the top Via,
    Contact) do not parse again. ``length_checked``: the caller has already read the
    Content-Length with :func:`content_length` (the framer and parse_message do, to
    find the body), so it is not read again."""
    message = _start_line(head)
    headers = head.headers
    if head.bad_line is not None:
        raise head.error(400, "Bad header line: " + _describe(head.bad_line))
    if not headers.has_all(_REQUIRED_KEYS):  # one set test; the loop names the first missing
        for name in REQUIRED:
            if name not in headers:
                raise head.error(400, f"Missing {name} header")
    seen: set[str] = set()
    remember = headers.remember
    top_via = None
    contacts = None
    for name, value in headers:
        if name in _SINGLE:
            if name in seen:
                raise head.error(400, f"Multiple {name} headers")
            seen.add(name)
        check = _CHECKS.get(name)
        if check is not None:
            kept = _REMEMBERED.get(name)
            try:
                if name in _REPEATED:
                    remember(kept[0], shared_view(name, value, check, kept[1]))
                    continue
                parsed = check(value)
            except GrammarError as exc:
                raise head.error(400, f"Bad {name}: {exc}") from None
            if kept is not None:
                key, view = kept
                remember(key, parsed if view is None else view(parsed))
        elif name == "Via":
            try:
                first = _check_list(value, parse_via)
            except GrammarError as exc:
                raise head.error(400, f"Bad {name}: {exc}") from None
            if top_via is None:
                top_via = first
        elif name == "Contact":
            try:
                line = _check_contacts(value)
            except GrammarError as exc:
                raise head.error(400, f"Bad {name}: {exc}") from None
            contacts = line if contacts is None else contacts + line
    if top_via is not None:
        remember("via", top_via[1])  # the top Via: what Message.via parses
    if contacts is not None:
        remember("contact", tuple(a for a in contacts if a is not None))
    remember("call-id", headers.get("Call-ID"))  # checked: word[@word], no blanks to strip
    if isinstance(message, Request):
        cseq = message.cseq
        if cseq.method != message.method:
            raise head.error(400, "CSeq method does not match the request method")
    if not length_checked:
        content_length(head)  # repeated or malformed even where framing did not need it
    message.body = body
    return message


def _describe(line: str) -> str:
    name = line.partition(":")[0].strip(WSP)
    shown = "".join(c if c in TOKEN_CHARS or c == " " else "?" for c in name[:30])
    return f"'{shown}' is not 'name: value'"


def parse_message(data: bytes, *, max_header: int | None = None,
                  max_body: int | None = None) -> Request | Response:
    """Parse one message that occupies ``data`` (one datagram, one test vector).

    Without Content-Length the body is the rest of ``data`` (§18.3, UDP); octets beyond
    Content-Length are ignored (RFC 4475 dblreq); a Content-Length beyond the end is 400.
    The optional limits give 400 for a header section and 413 for a body that exceed them.
    """
    start = len(data) - len(data.lstrip(b"\r\n"))
    match = head_end(data, start)
    if match is None:
        head = parse_head(data[start:start + (max_header or len(data))])
        if max_header is not None and len(data) - start > max_header:
            raise head.error(400, f"Header section exceeds {max_header} octets")
        raise head.error(400, "Header section not terminated by an empty line")
    head = parse_head(data[start:match[0]])
    if max_header is not None and match[0] - start > max_header:
        raise head.error(400, f"Header section exceeds {max_header} octets")
    rest = data[match[1]:]
    length = content_length(head)
    if length is None:
        length = len(rest)
    if max_body is not None and length > max_body:
        raise head.error(413, f"Request Entity Too Large: body exceeds {max_body} octets")
    if length > len(rest):
        raise head.error(400, "Content-Length larger than the message")
    return build_message(head, rest[:length], length_checked=True)
