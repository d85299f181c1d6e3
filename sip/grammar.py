"""The small pieces of RFC 3261 §25 grammar every header shares.

Header values reach this module already unfolded (every LWS run is one SP or more), so
"SWS" and "LWS" both mean "optional blanks" here. The :class:`Scanner` walks one value;
it raises :class:`GrammarError` with a short description of what was wrong, which the
parser turns into a 400 reason phrase that names the header.
"""
from __future__ import annotations

import re
import string
from typing import Iterator

ALNUM = string.ascii_letters + string.digits
TOKEN_CHARS = frozenset(ALNUM + "-.!%*_+`'~")
"""token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")"""
WORD_CHARS = TOKEN_CHARS | frozenset('()<>:\\"/[]?{}')
"""word (Call-ID) = token characters plus these separators."""
HOST_VALUE_CHARS = TOKEN_CHARS | frozenset(":[]")
"""gen-value = token / host / quoted-string: a host adds ':' and '[]' (IPv6)."""
WSP = " \t"

_DIGITS = re.compile(r"[0-9]+\Z")
_BLANKS = re.compile(r"[ \t]*")
_RUNS: dict[frozenset, re.Pattern] = {}


def _run(chars: frozenset) -> re.Pattern:
    """A pattern matching the longest run of `chars` (possibly empty), compiled once."""
    pattern = _RUNS.get(chars)
    if pattern is None:
        body = "".join(re.escape(c) for c in sorted(chars))
        pattern = _RUNS[chars] = re.compile(f"[{body}]*" if body else "")
    return pattern


def _class(chars: frozenset) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


_PARAM = re.compile(
    # one iteration of Scanner.params' walk, possessive so that it never backtracks
    # into a shorter name or value: SWS ";" SWS token SWS [ "=" SWS 1*host-value-char ]
    # and, without a value, not followed by "=" (a quoted or empty value: the walk's)
    r"[ \t]*+;[ \t]*+(" + _class(TOKEN_CHARS) + r"++)[ \t]*+"
    r"(?:=[ \t]*+(" + _class(HOST_VALUE_CHARS) + r"++)|(?!=))")


class GrammarError(ValueError):
    """A header value does not follow its grammar; the text says how."""


def is_token(text: str) -> bool:
    return bool(text) and TOKEN_CHARS.issuperset(text)


def decimal(text: str, maximum: int, what: str) -> int:
    """``1*DIGIT`` no larger than ``maximum``. Leading zeros are legal (``0068``); the
    digit count is capped before ``int()`` so hostile input costs nothing."""
    if len(text) <= 9 and text.isascii() and text.isdigit():
        value = int(text)  # the common case: a few digits, no blanks
        if value <= maximum:
            return value
    text = text.strip(WSP)
    if not _DIGITS.match(text):
        raise GrammarError(f"{what} is not a decimal number")
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(maximum)) or int(digits) > maximum:
        raise GrammarError(f"{what} out of range 0..{maximum}")
    return int(digits)


def quote(text: str) -> str:
    """A quoted-string holding ``text`` (backslash and double quote escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unquote(text: str) -> str:
    """The content of a quoted-string (escapes resolved); other text unchanged."""
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return Scanner(text).quoted()
    return text


def split_list(value: str) -> list[str]:
    """Split a comma-separated header value (RFC 3261 §7.3.1) into its elements.

    Commas inside quoted strings (with their backslash escapes) and inside ``<...>`` do
    not separate. Elements are stripped; empty ones are kept so that the caller can
    reject ``a,,b``. An unterminated quote or ``<`` raises :class:`GrammarError`.
    """
    if '"' not in value:  # the common case, without the character walk
        if "<" not in value:
            return [element.strip(WSP) for element in value.split(",")]
        if "," not in value:
            if value.rfind("<") > value.rfind(">"):
                raise GrammarError("unterminated <")
            return [value.strip(WSP)]
    elements: list[str] = []
    start = i = 0
    n = len(value)
    angle = False
    while i < n:
        c = value[i]
        if c == '"' and not angle:
            i += 1
            while i < n and value[i] != '"':
                i += 2 if value[i] == "\\" else 1
            if i >= n:
                raise GrammarError("unterminated quoted string")
        elif c == "<":
            angle = True
        elif c == ">":
            angle = False
        elif c == "," and not angle:
            elements.append(value[start:i].strip(WSP))
            start = i + 1
        i += 1
    if angle:
        raise GrammarError("unterminated <")
    elements.append(value[start:].strip(WSP))
    return elements


class Params:
    """Ordered ``;name=value`` parameters; names compare case-insensitively.

    Values are kept as written (a quoted-string keeps its quotes, so the header encodes
    back as it came); ``None`` is a parameter without ``=value``.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Iterator[tuple[str, str | None]] | list = ()):
        self._items: list[tuple[str, str | None]] = list(items)

    def get(self, name: str, default: str | None = None) -> str | None:
        # the names asked for are the stack's own lower-case constants and peers write
        # them that way: an exact match spares lowercasing (it implies the lower-case one)
        lname = name.lower()
        for key, value in self._items:
            if key == name or key.lower() == lname:
                return value
        return default

    def __contains__(self, name: str) -> bool:
        lname = name.lower()
        for key, _ in self._items:
            if key == name or key.lower() == lname:
                return True
        return False

    def __setitem__(self, name: str, value: str | None) -> None:
        lname = name.lower()
        for i, (key, _) in enumerate(self._items):
            if key.lower() == lname:
                self._items[i] = (key, value)
                return
        self._items.append((name, value))

    def __delitem__(self, name: str) -> None:
        lname = name.lower()
        self._items = [(k, v) for k, v in self._items if k.lower() != lname]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Params):
            return NotImplemented
        return ({k.lower(): v for k, v in self._items}
                == {k.lower(): v for k, v in other._items})

    def __repr__(self) -> str:
        return f"Params({self._items!r})"

    def encode(self) -> str:
        return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in self._items)


class Scanner:
    """A cursor over one unfolded header value."""

    __slots__ = ("text", "pos")

    def __init__(self, text: str, pos: int = 0):
        self.text = text
        self.pos = pos

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_ws(self) -> bool:
        start = self.pos
        self.pos = _BLANKS.match(self.text, start).end()
        return self.pos > start

    def expect(self, char: str, what: str) -> None:
        self.skip_ws()
        if self.peek() != char:
            found = repr(self.peek()) if self.peek() else "end of value"
            raise GrammarError(f"expected {what}, found {found}")
        self.pos += 1
        self.skip_ws()

    def take(self, chars: frozenset) -> str:
        start = self.pos
        self.pos = _run(chars).match(self.text, start).end()
        return self.text[start:self.pos]

    def token(self, what: str = "token") -> str:
        value = self.take(TOKEN_CHARS)
        if not value:
            found = repr(self.peek()) if self.peek() else "end of value"
            raise GrammarError(f"expected {what}, found {found}")
        return value

    def quoted_raw(self) -> str:
        """A quoted-string, returned with its quotes and escapes as written."""
        start = self.pos
        self.quoted()
        return self.text[start:self.pos]

    def quoted(self) -> str:
        """A quoted-string; returns its content with quoted-pairs resolved."""
        text, i = self.text, self.pos
        if i >= len(text) or text[i] != '"':
            raise GrammarError("expected quoted string")
        i += 1
        out: list[str] = []
        while i < len(text):
            c = text[i]
            if c == '"':
                self.pos = i + 1
                return "".join(out)
            if c == "\\":
                # quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                if i + 1 >= len(text) or text[i + 1] in "\r\n" or ord(text[i + 1]) > 0x7F:
                    raise GrammarError("bad escape in quoted string")
                out.append(text[i + 1])
                i += 2
                continue
            out.append(c)
            i += 1
        raise GrammarError("unterminated quoted string")

    def params(self) -> Params:
        """``*( SEMI generic-param )`` up to the end of the value."""
        params = Params()
        # The common parameters (``;name`` and ``;name=token-or-host``) in one compiled
        # match each; the first one that does not match exactly (a quoted value, an
        # empty one, junk, the end) is left to the character walk below, from the same
        # place, so the language and the errors are the walk's.
        text, match, items = self.text, _PARAM.match, params._items
        found = match(text, self.pos)
        while found is not None:
            items.append(found.group(1, 2))
            self.pos = found.end()
            found = match(text, self.pos)
        if self.pos == len(text):
            return params  # all of them matched: the walk would find the end at once
        return self.walk_params(params)

    def walk_params(self, params: Params) -> Params:
        """The character walk of :meth:`params` from here, adding to ``params``: the
        general path, and the reference its fast path is tested against."""
        while True:
            self.skip_ws()
            if self.at_end():
                return params
            if self.peek() != ";":
                raise GrammarError(f"unexpected {self.peek()!r} where ';' or the end belongs")
            self.pos += 1
            self.skip_ws()
            name = self.token("parameter name")
            self.skip_ws()
            value: str | None = None
            if self.peek() == "=":
                self.pos += 1
                self.skip_ws()
                if self.peek() == '"':
                    value = self.quoted_raw()
                else:
                    value = self.take(HOST_VALUE_CHARS)
                    if not value:
                        raise GrammarError(f"parameter {name} has an empty value")
            params._items.append((name, value))
