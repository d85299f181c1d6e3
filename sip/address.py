"""name-addr / addr-spec with header parameters: From, To, Contact, Route, Record-Route,
Refer-To, P-Asserted-Identity (RFC 3261 §20.10, §25.1).

In a bare addr-spec the URI stops at the first ``;``: what follows are *header* params,
not URI params (§20: ``Contact: sip:a@b;expires=60``). A bare addr-spec with ``?headers``
is strictly a syntax error, but it is unambiguous, so it is tolerated as RFC 4475
§3.1.2.13 (regbadct) allows.
"""
from __future__ import annotations

import re

from sip.grammar import TOKEN_CHARS, WSP, GrammarError, Params, Scanner, quote
from sip.uri import URI, parse_uri

_DISPLAY_TOKENS = TOKEN_CHARS | frozenset(WSP)


class Address:
    """``"Display" <uri>;param=value``. ``display_name`` is unquoted text (or None)."""

    __slots__ = ("display_name", "uri", "params")

    def __init__(self, uri: URI, display_name: str | None = None,
                 params: Params | None = None):
        self.uri = uri
        self.display_name = display_name
        self.params = params if params is not None else Params()

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Address):
            return NotImplemented
        return (self.uri == other.uri and self.display_name == other.display_name
                and self.params == other.params)

    def __repr__(self) -> str:
        return f"Address({self.display_name!r}, {str(self.uri)!r}, {self.params!r})"

    def __str__(self) -> str:
        """Always name-addr form, so that URI params can never be mistaken for header
        params; the display name is quoted unless it is plain tokens."""
        display = ""
        if self.display_name is not None:
            name = self.display_name
            plain = name and all(c in _DISPLAY_TOKENS for c in name) and name.strip() == name
            display = (name if plain else quote(name)) + " "
        return f"{display}<{self.uri}>{self.params.encode()}"


def _class(chars) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


_NAME_ADDR = re.compile(
    # the common name-addr, up to its header params, in one compiled match: blanks, an
    # optional display name (tokens and blanks, or a quoted-string without escapes),
    # "<" URI ">" where the URI has no blank, quote or angle. Anything else (an
    # addr-spec, an escape in the display name, junk) is left to the general walk.
    r'[ \t]*+(?:"([^"\\]*+)"[ \t]*+|(' + _class(_DISPLAY_TOKENS) + r'*+))'
    r'<([^<>"\s]++)>')


def parse_address(text: str) -> Address:
    """One name-addr or addr-spec with its parameters; raises GrammarError."""
    found = _NAME_ADDR.match(text)
    if found is not None:
        return _parse_name_addr(text, found)
    return _parse_general(text)


def _parse_name_addr(text: str, found: re.Match) -> Address:
    """What _parse_general makes of a value that _NAME_ADDR matched at its start: the
    display name as the walk reads it (a quoted one unquoted, tokens with their blanks
    run together, none when empty), the URI between the angles, the params after."""
    quoted, tokens, uri_text = found.groups()
    if quoted is not None:
        display = quoted
    else:
        display = " ".join(tokens.split()) or None
    return Address(parse_uri(uri_text), display, Scanner(text, found.end()).params())


def _parse_general(text: str) -> Address:
    """parse_address's character walk: every shape, every error."""
    sc = Scanner(text)
    sc.skip_ws()
    display: str | None = None
    if sc.peek() == '"':
        display = sc.quoted()
        sc.skip_ws()
        if sc.peek() != "<":
            raise GrammarError("display name not followed by <URI>")
    else:
        angle = text.find("<", sc.pos)
        prefix = text[sc.pos:angle] if angle >= 0 else ""
        if angle >= 0 and ":" not in prefix:
            if not _DISPLAY_TOKENS.issuperset(prefix):
                raise GrammarError("display name must be tokens or a quoted string")
            display = " ".join(prefix.split()) or None
            sc.pos = angle
    if sc.peek() == "<":
        end = text.find(">", sc.pos)
        if end < 0:
            raise GrammarError("unterminated <URI>")
        uri_text = text[sc.pos + 1:end]
        sc.pos = end + 1
    else:
        start = sc.pos
        while not sc.at_end() and sc.peek() not in ";" + WSP:
            sc.pos += 1
        uri_text = text[start:sc.pos]
    if not uri_text:
        raise GrammarError("empty URI")
    if " " in uri_text or "\t" in uri_text:  # WSP
        raise GrammarError("whitespace inside URI")
    uri = parse_uri(uri_text)
    return Address(uri, display, sc.params())
