"""URIs: ``sip:``/``sips:`` (RFC 3261 §19.1), ``tel:`` (RFC 3966) and any other
absolute URI kept opaque (RFC 4475 unksm2: unknown schemes in headers must parse).

A URI keeps the text it was parsed from (``str(uri)``), so relaying never re-spells it;
%-escapes are decoded only where URIs are compared (§19.1.4: ``sip:%75ser@h`` equals
``sip:user@h``).
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from sip.grammar import GrammarError
from sip.memo import Memo

_UNRESERVED = string.ascii_letters + string.digits + "-_.!~*'()"
_USER = frozenset(_UNRESERVED + "%&=+$,;?/")
_PASSWORD = frozenset(_UNRESERVED + "%&=+$,")
_PARAM = frozenset(_UNRESERVED + "%[]/:&+$")
_HEADER = frozenset(_UNRESERVED + "%[]/?:+$")
_HOSTNAME = frozenset(string.ascii_letters + string.digits + "-._")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*\Z")
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_IPV6 = re.compile(r"\[[0-9A-Fa-f:.]+\]\Z")
_TEL_NUMBER = frozenset(string.hexdigits + "*#+-.()pPwW")
_OPAQUE_FORBIDDEN = frozenset(' \t\r\n<>"')


def _check(text: str, allowed: frozenset, what: str) -> str:
    if not allowed.issuperset(text):
        bad = next(c for c in text if c not in allowed)
        raise GrammarError(f"{bad!r} not allowed in URI {what}")
    if "%" in text and _ESCAPE.search(text):
        raise GrammarError(f"bad %-escape in URI {what}")
    return text


def unescape(text: str) -> str:
    """%-escapes decoded (as UTF-8, undecodable octets kept distinct) for comparison."""
    if "%" not in text:
        return text
    return unquote_to_bytes(text).decode("utf-8", "surrogateescape")


def parse_host(text: str, what: str = "host") -> str:
    """hostname / IPv4address / IPv6reference; returned as written."""
    if text.startswith("["):
        if not _IPV6.match(text):
            raise GrammarError(f"bad IPv6 reference in {what}")
        return text
    if not text or not _HOSTNAME.issuperset(text):
        raise GrammarError(f"bad {what} {text!r}")
    return text


def parse_port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 5 or int(text) > 65535:
        raise GrammarError(f"bad port {text!r}")
    return int(text)


def split_hostport(text: str) -> tuple[str, int | None]:
    """``host [":" port]`` with IPv6 references in brackets."""
    if text.startswith("["):
        end = text.find("]")
        host, rest = text[:end + 1], text[end + 1:] if end >= 0 else ""
        if end < 0:
            raise GrammarError("unterminated IPv6 reference")
    else:
        host, _, port = text.partition(":")
        rest = ":" + port if _ else ""
    parse_host(host)
    if not rest:
        return host, None
    if not rest.startswith(":"):
        raise GrammarError(f"junk after host: {rest!r}")
    return host, parse_port(rest[1:])


class URI:
    """Common base: ``scheme`` (lower case) and the text as parsed."""

    scheme: str
    raw: str

    def __str__(self) -> str:
        return self.raw


@dataclass(frozen=True, eq=False, slots=True)
class SIPURI(URI):
    """``sip:user:password@host:port;params?headers``; all parts as written (escaped)."""

    scheme: str
    user: str | None
    password: str | None
    host: str
    port: int | None = None
    params: tuple[tuple[str, str | None], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    raw: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.raw:
            object.__setattr__(self, "raw", self._build())

    def _build(self) -> str:
        text = self.scheme + ":"
        if self.user is not None:
            text += self.user
            if self.password is not None:
                text += ":" + self.password
            text += "@"
        text += self.host
        if self.port is not None:
            text += f":{self.port}"
        text += "".join(f";{k}" if v is None else f";{k}={v}" for k, v in self.params)
        if self.headers:
            text += "?" + "&".join(f"{k}={v}" for k, v in self.headers)
        return text

    def param(self, name: str, default: str | None = None) -> str | None:
        """A URI parameter's value, %-decoded; names compare case-insensitively and
        themselves may be escaped (esc01: ``;%6C%72`` is ``;lr``)."""
        lname = name.lower()
        for key, value in self.params:
            if unescape(key).lower() == lname:
                return None if value is None else unescape(value)
        return default

    def has_param(self, name: str) -> bool:
        lname = name.lower()
        return any(unescape(key).lower() == lname for key, _ in self.params)

    @property
    def hostport(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def transport(self) -> str | None:
        value = self.param("transport")
        return value.lower() if value else None

    def replace(self, **changes) -> "SIPURI":
        """A copy with some parts changed (the text is rebuilt)."""
        values = {name: getattr(self, name) for name in
                  ("scheme", "user", "password", "host", "port", "params", "headers")}
        values.update(changes)
        return SIPURI(**values)

    def _key(self):
        return (self.scheme,
                None if self.user is None else unescape(self.user),
                None if self.password is None else unescape(self.password),
                self.host.lower(), self.port)

    def __eq__(self, other: object) -> bool:
        """RFC 3261 §19.1.4: user and password case-sensitive, host and parameter names
        case-insensitive, escapes decoded; user, ttl, method, maddr, transport must agree
        when either has them, other parameters only when both have them; headers all."""
        if not isinstance(other, SIPURI):
            return NotImplemented
        if self._key() != other._key():
            return False
        mine = {unescape(k).lower(): None if v is None else unescape(v).lower()
                for k, v in self.params}
        theirs = {unescape(k).lower(): None if v is None else unescape(v).lower()
                  for k, v in other.params}
        for name in mine.keys() | theirs.keys():
            if name in ("user", "ttl", "method", "maddr", "transport"):
                if mine.get(name) != theirs.get(name):
                    return False
            elif name in mine and name in theirs and mine[name] != theirs[name]:
                return False
        headers = lambda uri: {(unescape(k).lower(), unescape(v)) for k, v in uri.headers}
        return headers(self) == headers(other)

    def __hash__(self) -> int:
        return hash(self._key())


@dataclass(frozen=True, eq=False, slots=True)
class TelURI(URI):
    """``tel:+1-201-555-0123;phone-context=...`` (RFC 3966)."""

    number: str
    params: tuple[tuple[str, str | None], ...] = ()
    raw: str = field(default="", repr=False)
    scheme: str = "tel"

    def __post_init__(self) -> None:
        if not self.raw:
            params = "".join(f";{k}" if v is None else f";{k}={v}" for k, v in self.params)
            object.__setattr__(self, "raw", f"tel:{self.number}{params}")

    @property
    def digits(self) -> str:
        """The number without visual separators, as RFC 3966 §4 compares it."""
        return "".join(c for c in self.number if c not in "-.()")

    def param(self, name: str, default: str | None = None) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.params if k.lower() == lname), default)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TelURI):
            return NotImplemented
        norm = lambda uri: {k.lower(): None if v is None else unescape(v).lower()
                            for k, v in uri.params}
        return self.digits.lower() == other.digits.lower() and norm(self) == norm(other)

    def __hash__(self) -> int:
        return hash(self.digits.lower())


@dataclass(frozen=True, eq=False, slots=True)
class AbsoluteURI(URI):
    """Any other scheme (``http:``, ``isbn:``, ``soap.beep:``): kept opaque."""

    scheme: str
    opaque: str
    raw: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.raw:
            object.__setattr__(self, "raw", f"{self.scheme}:{self.opaque}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AbsoluteURI):
            return NotImplemented
        return self.scheme == other.scheme and self.opaque == other.opaque

    def __hash__(self) -> int:
        return hash((self.scheme, self.opaque))


def _pairs(text: str, allowed: frozenset, what: str, sep: str) -> tuple:
    pairs = []
    for item in text.split(sep):
        name, eq, value = item.partition("=")
        if not name:
            raise GrammarError(f"empty URI {what} name")
        _check(name, allowed, what)
        if eq:
            _check(value, allowed, what)
        pairs.append((name, value if eq else None))
    return tuple(pairs)


_KNOWN_MAX = 1024       # URIs remembered; then the memo starts over
_KNOWN_LONGEST = 256    # characters: a longer URI is parsed each time, never remembered
_KNOWN = Memo(_KNOWN_MAX, _KNOWN_LONGEST)


def parse_uri(text: str) -> URI:
    """Parse an absolute URI; raises :class:`GrammarError` naming the bad part.

    URIs are immutable, and the same few (the Request-URI, the From and To of a line, a
    Contact) come in every message of a session: a URI parsed once is remembered by its
    text and shared. The memo is bounded in entries and in the length of what it keeps,
    so a peer sending new URIs only makes it start over."""
    uri = _KNOWN.get(text)
    if uri is None:
        uri = _KNOWN.keep(text, _parse_uri(text), len(text))
    return uri


def _parse_uri(text: str) -> URI:
    """parse_uri without the memo: the grammar itself."""
    scheme, colon, rest = text.partition(":")
    if not colon or not _SCHEME.match(scheme):
        raise GrammarError(f"not a URI: {text[:40]!r}")
    lscheme = scheme.lower()
    if lscheme in ("sip", "sips"):
        return _parse_sip(lscheme, rest, text)
    if lscheme == "tel":
        number, _, params = rest.partition(";")
        if not number or any(c not in _TEL_NUMBER for c in number):
            raise GrammarError(f"bad telephone number {number!r}")
        return TelURI(number=number, raw=text,
                      params=_pairs(params, _PARAM, "parameter", ";") if params else ())
    if not rest or any(c in _OPAQUE_FORBIDDEN or ord(c) < 0x20 for c in rest):
        raise GrammarError(f"bad {scheme} URI")
    return AbsoluteURI(scheme=lscheme, opaque=rest, raw=text)


def _parse_sip(scheme: str, rest: str, text: str) -> SIPURI:
    user = password = None
    at = rest.find("@")
    if at >= 0:
        userinfo, rest = rest[:at], rest[at + 1:]
        user, colon, pw = userinfo.partition(":")
        if not user:
            raise GrammarError("empty user part in URI")
        _check(user, _USER, "user")
        if colon:
            password = _check(pw, _PASSWORD, "password")
    headers_text = params_text = ""
    rest, question, headers_text = rest.partition("?")
    if question and not headers_text:
        raise GrammarError("empty URI headers")
    hostport, semi, params_text = rest.partition(";")
    if not hostport:
        raise GrammarError("URI has no host")
    host, port = split_hostport(hostport)
    params = _pairs(params_text, _PARAM, "parameter", ";") if semi else ()
    headers = _pairs(headers_text, _HEADER, "header", "&") if question else ()
    if any(v is None for _, v in headers):
        raise GrammarError("URI header without '='")
    return SIPURI(scheme=scheme, user=user, password=password, host=host, port=port,
                  params=params, headers=headers, raw=text)
