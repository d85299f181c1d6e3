"""Header names (canonical spelling, compact forms, which are lists, which are single)
and the typed values the stack reads: Via, CSeq, Content-Type, Session-Expires, and the
bounded integers (Content-Length, Max-Forwards, Expires, Min-SE).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from sip.grammar import TOKEN_CHARS, GrammarError, Params, Scanner, decimal, is_token
from sip.memo import Memo
from sip.uri import parse_host, parse_port

_KNOWN = [
    "Accept", "Accept-Contact", "Accept-Encoding", "Accept-Language", "Alert-Info",
    "Allow", "Allow-Events", "Authentication-Info", "Authorization", "Call-ID",
    "Call-Info", "Contact", "Content-Disposition", "Content-Encoding", "Content-Language",
    "Content-Length", "Content-Type", "CSeq", "Date", "Error-Info", "Event", "Expires",
    "From", "Identity", "Identity-Info", "In-Reply-To", "Max-Forwards", "MIME-Version",
    "Min-Expires", "Min-SE", "Organization", "P-Asserted-Identity", "Path", "Priority",
    "Privacy", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Require", "RAck",
    "Reason", "Record-Route", "Refer-To", "Referred-By", "Reject-Contact", "Reply-To",
    "Request-Disposition", "Require", "Retry-After", "Route", "RSeq", "Server",
    "Service-Route", "Session-Expires", "Subject", "Subscription-State", "Supported",
    "Timestamp", "To", "Unsupported", "User-Agent", "Via", "Warning", "WWW-Authenticate",
]
CANONICAL = {name.lower(): name for name in _KNOWN}

COMPACT = {
    "a": "Accept-Contact", "b": "Referred-By", "c": "Content-Type", "d": "Request-Disposition",
    "e": "Content-Encoding", "f": "From", "i": "Call-ID", "j": "Reject-Contact",
    "k": "Supported", "l": "Content-Length", "m": "Contact", "n": "Identity-Info",
    "o": "Event", "r": "Refer-To", "s": "Subject", "t": "To", "u": "Allow-Events",
    "v": "Via", "x": "Session-Expires", "y": "Identity",
}
"""RFC 3261 §7.3.3 and later RFCs' compact forms, all normalised to the long name."""

LIST_HEADERS = frozenset(name.lower() for name in [
    "Accept", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow", "Allow-Events",
    "Call-Info", "Contact", "Content-Encoding", "Content-Language", "Error-Info",
    "In-Reply-To", "P-Asserted-Identity", "Path", "Proxy-Require", "Reason",
    "Record-Route", "Require", "Route", "Service-Route", "Supported", "Unsupported",
    "Via", "Warning",
])
"""Headers whose value is a comma-separated list (RFC 3261 §7.3.1): only these may be
split at commas (Date, Authorization and friends have commas of their own)."""

SINGLE_HEADERS = frozenset(name.lower() for name in [
    "Call-ID", "CSeq", "From", "To", "Max-Forwards", "Content-Length", "Content-Type",
    "Expires", "Min-Expires", "Session-Expires", "Min-SE",
])
"""Headers the stack relies on that may appear once only (RFC 4475 multi01, mcl01)."""

MAX_CSEQ = 2**31 - 1     # RFC 3261 §8.1.1.5: "MUST be less than 2**31"
MAX_DELTA = 2**32 - 1    # §20.19 Expires, §20.37 Min-Expires, RFC 4028 delta-seconds
MAX_FORWARDS = 255       # §20.22 (octet-sized in practice; RFC 4475 scalar02)
MAX_CONTENT_LENGTH = 10**9  # syntax bound only: the framer's limits are far lower


def canonical(name: str) -> str:
    """The long, conventionally spelled name: ``v`` → ``Via``, ``cseq`` → ``CSeq``;
    unknown names keep their spelling."""
    lname = name.lower()
    if len(lname) == 1 and lname in COMPACT:
        return COMPACT[lname]
    return CANONICAL.get(lname, name)


_T = "[" + "".join(re.escape(c) for c in sorted(TOKEN_CHARS)) + "]"
_VIA_HEAD = re.compile(
    # Via.parse's walk up to the params, possessive so that it never backtracks into a
    # shorter token: SWS token SWS "/" SWS token SWS "/" SWS token 1*WSP token-host
    # [ SWS ":" SWS 1*DIGIT ], and without a port not followed by SWS ":". Anything
    # else (an IPv6 reference, a missing part) is left to the walk, and so are its errors.
    rf"[ \t]*+({_T}++)[ \t]*+/[ \t]*+({_T}++)[ \t]*+/[ \t]*+({_T}++)[ \t]++({_T}++)"
    r"(?:[ \t]*+:[ \t]*+([0-9]++)|(?![ \t]*+:))")


_MEDIA_TYPE = re.compile(
    # ContentType.parse's walk up to the params, possessive like _VIA_HEAD:
    # SWS token SWS "/" SWS token; anything else is the walk's, errors included
    rf"[ \t]*+({_T}++)[ \t]*+/[ \t]*+({_T}++)")


@dataclass(slots=True)
class Via:
    """One ``sent-protocol sent-by *(;via-params)`` element (RFC 3261 §20.42)."""

    transport: str
    host: str
    port: int | None = None
    params: Params = field(default_factory=Params)
    protocol: str = "SIP/2.0"

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    @property
    def received(self) -> str | None:
        return self.params.get("received")

    @property
    def rport(self) -> int | None:
        """The rport value filled in by a server (RFC 3581); None when absent or empty."""
        value = self.params.get("rport")
        return int(value) if value else None

    @property
    def has_rport(self) -> bool:
        return "rport" in self.params

    @property
    def rfc3261_branch(self) -> bool:
        """Branch carries the magic cookie, so transactions match on it (§17.2.3);
        otherwise RFC 2543 matching applies (RFC 4475 badbranch)."""
        branch = self.branch
        return bool(branch) and branch.startswith("z9hG4bK")

    @property
    def sent_by(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.protocol}/{self.transport} {self.sent_by}{self.params.encode()}"

    @classmethod
    def parse(cls, text: str) -> "Via":
        head = _VIA_HEAD.match(text)
        if head is not None:  # the common shape in one compiled match (see _VIA_HEAD)
            protocol, transport, host, port = _sent_by(head)
            sc = Scanner(text, head.end())
        else:
            sc, protocol, transport, host, port = walk_via_head(text)
        params = sc.params()
        _check_via_params(params)
        return cls(transport, host, port, params, protocol)


def walk_via_head(text: str) -> tuple[Scanner, str, str, str, int | None]:
    """The character walk of a Via up to its parameters: (the scanner there, protocol,
    transport, host, port). The general path of Via.parse, and the reference its fast
    path is tested against."""
    sc = Scanner(text)
    sc.skip_ws()
    name = sc.token("protocol name")
    sc.expect("/", "'/'")
    version = sc.token("protocol version")
    sc.expect("/", "'/'")
    transport = sc.token("transport")
    if not sc.skip_ws():
        raise GrammarError("no space before sent-by")
    if sc.peek() == "[":
        end = sc.text.find("]", sc.pos)
        if end < 0:
            raise GrammarError("unterminated IPv6 reference")
        host = sc.text[sc.pos:end + 1]
        sc.pos = end + 1
    else:
        host = sc.take(TOKEN_CHARS)
    parse_host(host, "sent-by host")
    port = None
    sc.skip_ws()
    if sc.peek() == ":":
        sc.pos += 1
        sc.skip_ws()
        port = parse_port(sc.take(frozenset("0123456789")))
    return sc, f"{name}/{version}", transport.upper(), host, port


def _check_via_params(params: Params) -> None:
    for key, _ in params._items:
        if key.lower() in _CHECKED_VIA_PARAMS:
            break
    else:  # none of them (usually only a branch): every get below would give None
        return
    ttl = params.get("ttl")
    if ttl is not None:
        decimal(ttl, 255, "Via ttl")
    rport = params.get("rport")
    if rport:
        parse_port(rport)
    received = params.get("received")
    if received is not None:
        parse_host(received if ":" not in received else f"[{received}]", "received")


_CHECKED_VIA_PARAMS = frozenset(("ttl", "rport", "received"))


_SENT_BY_MAX = 256  # then the memo starts over
_SENT_BY = Memo(_SENT_BY_MAX)  # a Via's start -> (protocol, transport, host, port)


def _sent_by(head: re.Match) -> tuple[str, str, str, int | None]:
    """(protocol, transport, host, port) of a Via whose start _VIA_HEAD matched: a peer
    writes the same ``SIP/2.0/TCP host:port`` in every message, so it is checked once
    (host and port as Via.parse's walk checks them) and remembered by its text; one that
    fails raises and is not remembered."""
    text = head.group()
    known = _SENT_BY.get(text)
    if known is None:
        name, version, transport, host, port_text = head.groups()
        parse_host(host, "sent-by host")
        port = None if port_text is None else parse_port(port_text)
        known = _SENT_BY.keep(text, (f"{name}/{version}", transport.upper(), host, port))
    return known


_OURS_MAX = 4096  # Vias of requests not yet answered, about; then the memo starts over
_OURS = Memo(_OURS_MAX)


def remember_our_via(text: str, via: Via) -> None:
    """Keep ``via``, what :meth:`Via.parse` makes of ``text``, for a Via we wrote (a
    request's top Via, branch and all): the responses to the request carry it back byte
    for byte (§8.2.6.2), and :func:`parse_via` then reads it without parsing."""
    _OURS.keep(text, via)


def parse_via(text: str) -> Via:
    """:meth:`Via.parse`, for the text of a Via we wrote (:func:`remember_our_via`) its
    parse at once: the same text parses to the same value, so nothing is less checked."""
    via = _OURS.get(text)
    return via if via is not None else Via.parse(text)


_tuple_new = tuple.__new__
_METHODS = frozenset(("INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "PRACK",
                      "UPDATE", "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH"))
"""Methods CSeq.parse's shortcut knows are tokens (any other token takes the split)."""


class CSeq(NamedTuple):
    """``CSeq: number method``: immutable, compared and hashed by value. A NamedTuple
    (it was a frozen dataclass): one is made for every message received, and a tuple
    is made in one step where the frozen dataclass set each field through
    object.__setattr__ (about 1.4k against 4.3k instructions)."""

    number: int
    method: str

    def __str__(self) -> str:
        return f"{self.number} {self.method}"

    @classmethod
    def parse(cls, text: str) -> "CSeq":
        number, _, method = text.partition(" ")
        if method in _METHODS and len(number) <= 9 and number.isdigit() and number.isascii():
            # "digits SP method" exactly, so the split below gives the same two parts
            # and decimal() the same number (at most 9 digits: below 2**31)
            return _tuple_new(cls, (int(number), method))
        parts = text.split()
        if len(parts) != 2:
            raise GrammarError("CSeq must be a number and a method")
        number = decimal(parts[0], MAX_CSEQ, "CSeq number")
        if not is_token(parts[1]):
            raise GrammarError("CSeq method is not a token")
        return cls(number, parts[1])


@dataclass(slots=True)
class ContentType:
    """``type/subtype *(;param)``; type and subtype compare case-insensitively."""

    type: str
    subtype: str
    params: Params = field(default_factory=Params)

    @property
    def media_type(self) -> str:
        return f"{self.type}/{self.subtype}".lower()

    def __str__(self) -> str:
        return f"{self.type}/{self.subtype}{self.params.encode()}"

    @classmethod
    def parse(cls, text: str) -> "ContentType":
        head = _MEDIA_TYPE.match(text)
        if head is not None:  # type "/" subtype in one compiled match (see _MEDIA_TYPE)
            mtype, subtype = head.groups()
            return cls(mtype, subtype, Scanner(text, head.end()).params())
        sc = Scanner(text)
        sc.skip_ws()
        mtype = sc.token("media type")
        sc.expect("/", "'/'")
        subtype = sc.token("media subtype")
        return cls(mtype, subtype, sc.params())


@dataclass(slots=True)
class SessionExpires:
    """RFC 4028 ``Session-Expires: delta-seconds;refresher=uac|uas``."""

    delta: int
    params: Params = field(default_factory=Params)

    @property
    def refresher(self) -> str | None:
        value = self.params.get("refresher")
        return value.lower() if value else None

    def __str__(self) -> str:
        return f"{self.delta}{self.params.encode()}"

    @classmethod
    def parse(cls, text: str, what: str = "Session-Expires") -> "SessionExpires":
        number, semi, rest = text.partition(";")
        delta = decimal(number, MAX_DELTA, what)
        return cls(delta, Scanner(semi + rest).params())


def parse_delta(text: str, what: str) -> int:
    """delta-seconds for Expires and Min-Expires (0..2**32-1)."""
    return decimal(text, MAX_DELTA, what)
