"""IOS destination-patterns, and which dial-peers a number selects.

A pattern is written as in `destination-pattern` and `incoming called-number`:

    201        the digits 0-9, * and # stand for themselves
    20.        `.` is any one digit (0-9, * or #)
    9T         `T` (last only): any further digits; dialling ends on the interdigit timeout or #
    [2-5]      one digit of a set or range; `[^0]` any digit but those
    +1408...   `+` first is the E.164 plus, a literal
    9[0-9]+    elsewhere `+` repeats the element before it once or more, `?` makes it
               optional, `%` repeats it zero or more times

Each pattern compiles once to two regular expressions: the number itself, and any
beginning of one (for "could more digits still match?", which decides whether a phone
keeps collecting digits). Pure: no I/O, no configuration objects beyond the peers
passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from conf.model import DialPeer

DIGITS = "0123456789*#"
_LITERALS = set(DIGITS)
_ANY = "[0-9*#]"


class PatternError(ValueError):
    """A pattern IOS would not take; `column` is the offset of the bad character."""

    def __init__(self, text: str, column: int, reason: str) -> None:
        super().__init__(f"{reason} (character {column + 1} of '{text}')")
        self.text, self.column, self.reason = text, column, reason


@dataclass(frozen=True)
class _Element:
    chars: str  # a regex character class or an escaped literal
    low: int = 1  # how many times, at least
    high: int | None = 1  # at most; None: no limit
    literal: bool = False

    def regex(self, low: int, high: int | None) -> str:
        if (low, high) == (1, 1):
            return self.chars
        return f"{self.chars}{{{low},{'' if high is None else high}}}"


def _char_class(text: str, start: int) -> tuple[str, int]:
    """The `[...]` at `start`: a regex class of the digits it allows, and where it ends."""
    end = text.find("]", start)
    if end < 0:
        raise PatternError(text, start, "unclosed '['")
    body, offset = text[start + 1:end], start + 1
    negate = body.startswith("^")
    if negate:
        body, offset = body[1:], offset + 1
    allowed: set[str] = set()
    i = 0
    while i < len(body):
        c = body[i]
        if c not in _LITERALS:
            raise PatternError(text, offset + i, f"'{c}' cannot be in a digit set")
        if i + 2 < len(body) and body[i + 1] == "-":
            hi = body[i + 2]
            if not (c.isdigit() and hi.isdigit() and c <= hi):
                raise PatternError(text, offset + i, f"'{c}-{hi}' is not a range of digits")
            allowed.update(str(d) for d in range(int(c), int(hi) + 1))
            i += 3
        else:
            allowed.add(c)
            i += 1
    if negate:
        allowed = _LITERALS - allowed
    if not allowed:
        raise PatternError(text, start, "the digit set matches no digit")
    return "[" + "".join(re.escape(c) for c in DIGITS if c in allowed) + "]", end


@dataclass(frozen=True)
class Pattern:
    text: str
    explicit: int  # literal digits: IOS prefers the peer whose pattern spells out more
    _elements: tuple[_Element, ...] = field(repr=False, compare=False)
    _full: re.Pattern = field(repr=False, compare=False)
    _prefix: re.Pattern = field(repr=False, compare=False)

    @classmethod
    def parse(cls, text: str) -> "Pattern":
        return _parse(text)

    def matches(self, digits: str) -> bool:
        return self._full.fullmatch(digits) is not None

    def could_extend(self, digits: str) -> bool:
        # a longer number fits if one more digit still leaves a beginning of one
        return any(self._prefix.fullmatch(digits + d) for d in DIGITS)

    def variable(self) -> bool:
        return any(e.high is None for e in self._elements)


@lru_cache(maxsize=4096)
def _parse(text: str) -> Pattern:
    if not text:
        raise PatternError(text, 0, "empty pattern")
    elements: list[_Element] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "+" and i == 0:
            elements.append(_Element(re.escape("+")))  # not a digit: no weight in "explicit"
        elif c in "+?%":
            if not elements:
                raise PatternError(text, i, f"'{c}' has nothing before it to repeat")
            if (elements[-1].low, elements[-1].high) != (1, 1):
                raise PatternError(text, i, f"'{c}' cannot repeat a repetition")
            low, high = {"+": (1, None), "?": (0, 1), "%": (0, None)}[c]
            elements[-1] = _Element(elements[-1].chars, low, high, elements[-1].literal)
        elif c == "T":
            if i != len(text) - 1:
                raise PatternError(text, i, "'T' may only end a pattern")
            elements.append(_Element(_ANY, 0, None))
        elif c == ".":
            elements.append(_Element(_ANY))
        elif c == "[":
            chars, i = _char_class(text, i)
            elements.append(_Element(chars))
        elif c in _LITERALS:
            elements.append(_Element(re.escape(c), literal=True))
        else:
            raise PatternError(text, i, f"'{c}' is not a digit or a wildcard")
        i += 1
    full = "".join(e.regex(e.low, e.high) for e in elements)
    # Any beginning of a match: each element may stop short, and only an element that has
    # had its minimum lets the next one start.
    prefix = ""  # the beginnings of what follows; always takes the empty string
    for e in reversed(elements):
        short = e.regex(0, e.low - 1) + "|" if e.low else ""
        prefix = f"(?:{short}{e.regex(e.low, e.high)}{prefix})"
    explicit = sum(1 for e in elements if e.literal)
    return Pattern(text, explicit, tuple(elements), re.compile(full), re.compile(prefix))


def _pattern(text: str | None) -> Pattern | None:
    """A peer's pattern, or None when it has none or one that does not parse (a model
    built in code may hold anything: such a peer matches nothing)."""
    if not text:
        return None
    try:
        return Pattern.parse(text)
    except PatternError:
        return None


def _ordered(hits: list[tuple[Pattern, "DialPeer"]]) -> list["DialPeer"]:
    hits.sort(key=lambda h: (-h[0].explicit, h[1].preference, h[1].tag))
    return [peer for _, peer in hits]


def _routable(peer: "DialPeer") -> bool:
    return peer.kind == "voip" and not peer.shutdown and peer.session_target is not None


def outbound_peers(peers: Iterable["DialPeer"], digits: str) -> list["DialPeer"]:
    """The voip peers a call to `digits` tries, in order; hunting stops at a huntstop peer."""
    hits = []
    for peer in peers:
        pattern = _pattern(peer.destination_pattern)
        if _routable(peer) and pattern is not None and pattern.matches(digits):
            hits.append((pattern, peer))
    out = []
    for peer in _ordered(hits):
        out.append(peer)
        if peer.huntstop:
            break
    return out


def inbound_peer(peers: Iterable["DialPeer"], called: str, calling: str) -> "DialPeer | None":
    """The voip peer an incoming call matches: by `incoming called-number` against the
    called number first, else by destination-pattern against the calling number."""
    candidates = [p for p in peers if p.kind == "voip" and not p.shutdown]
    for attr, number in (("incoming_called_number", called), ("destination_pattern", calling)):
        hits = [(pattern, p) for p in candidates
                if (pattern := _pattern(getattr(p, attr))) is not None and pattern.matches(number)]
        if hits:
            return _ordered(hits)[0]
    return None


def longer_possible(peers: Iterable["DialPeer"], digits: str) -> bool:
    """Could more digits still reach an outbound peer (keep collecting)?"""
    return any(_routable(p) and (pattern := _pattern(p.destination_pattern)) is not None
               and pattern.could_extend(digits) for p in peers)
