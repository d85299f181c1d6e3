"""The command-pattern mini-language the grammar table is written in, and its matcher.

A pattern reads like Cisco's command reference:

    registrar server [expires [max <max:600-86400>] [min <min:60-3600>]]
    transfer-system {kind=blind|full-blind|full-consult|local-consult}
    name <name:line>
    button <buttons:button>...

``word`` is a keyword, ``[...]`` is optional, ``{a|b}`` is a choice of keywords
(``{x=a|b}`` captures the choice as ``x``), ``<name:type>`` is an argument
(``type`` is a range ``lo-hi`` or a name from ``ARG_TYPES``), ``line`` takes the
rest of the line verbatim and a trailing ``...`` repeats the argument.

Matching is a small backtracking search over the words of a line. When nothing
matches, the matcher keeps the failure that got furthest into the line (ties go to
the more specific failure: a bad argument beats a missing word beats a wrong word),
which is what IOS's caret points at.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator

from conf.destination import Pattern, PatternError
from conf.model import SessionTarget


class ArgError(ValueError):
    """An argument word that does not fit its type; the text names the range or form.
    `offset` is where in the word the caret goes (a pattern's bad character)."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # column in the source line


_WORD = re.compile(r"[^ \t]+")


def tokenize(line: str) -> list[Token]:
    return [Token(m.group(), m.start()) for m in _WORD.finditer(line)]


# --- argument types -------------------------------------------------------------

def _ipv4(word: str) -> str:
    try:
        return str(ipaddress.IPv4Address(word))
    except ValueError:
        raise ArgError(f"'{word}' is not an IPv4 address (A.B.C.D)") from None


_MAC = re.compile(r"^([0-9A-Fa-f]{4})\.([0-9A-Fa-f]{4})\.([0-9A-Fa-f]{4})$")


def _mac(word: str) -> str:
    m = _MAC.match(word)
    if not m:
        raise ArgError(f"'{word}' is not a MAC address (HHHH.HHHH.HHHH)")
    return ".".join(m.groups()).upper()


_DIGITS = re.compile(r"^\+?[0-9*#]{1,31}$")


def _digits(word: str) -> str:
    if not _DIGITS.match(word):
        raise ArgError(f"'{word}' is not a directory number (digits, * and #)")
    return word


def _digit_list(word: str) -> str:
    for part in word.split(","):
        _digits(part)
    return word


_ALNUM30 = re.compile(r"^[A-Za-z0-9]{1,30}$")


def _alnum30(word: str) -> str:
    if not _ALNUM30.match(word):
        raise ArgError(f"'{word}' is not 1-30 alphanumeric characters")
    return word


_HOSTNAME = re.compile(r"^[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def _hostname(word: str) -> str:
    if not _HOSTNAME.match(word):
        raise ArgError(f"'{word}' is not a host name (a letter, then letters, digits, hyphens; at most 63)")
    return word


_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{1,2})$")


def _time(word: str) -> tuple[int, int]:
    m = _TIME.match(word)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ArgError(f"'{word}' is not a time of day (H:M, 0:0-23:59)")
    return int(m.group(1)), int(m.group(2))


# One phone button: number, separator (its kind), ephone-dn tag(s). Overlay kinds take
# a comma-separated list of up to 25 tags, the others take one.
BUTTON_KINDS = {
    ":": "normal", "s": "silent", "o": "overlay", "c": "cw-overlay",
    "x": "overlay-expansion", "m": "monitor", "f": "feature-ring", "w": "watch",
}
_MULTI = {"o", "c"}
_BUTTON = re.compile(r"^([0-9]{1,3})([:socxmfw])([0-9]{1,5}(?:,[0-9]{1,5}){0,24})$", re.I)


def _button(word: str) -> tuple[int, str, tuple[int, ...]]:
    m = _BUTTON.match(word)
    if not m:
        raise ArgError(f"'{word}' is not a button (N:TAG, separators {''.join(BUTTON_KINDS)})")
    number, sep, tags = int(m.group(1)), m.group(2).lower(), tuple(int(t) for t in m.group(3).split(","))
    if not 1 <= number <= 100:
        raise ArgError(f"button {number} out of range 1-100")
    if len(tags) > 1 and sep not in _MULTI:
        raise ArgError(f"button {number}{sep} takes one ephone-dn, only o and c take a list")
    for tag in tags:
        if not 1 <= tag <= 15000:
            raise ArgError(f"ephone-dn {tag} out of range 1-15000")
    return number, BUTTON_KINDS[sep], tags


def _dial_digits(word: str) -> str:
    if not re.fullmatch(r"[0-9]{1,31}", word):
        raise ArgError(f"'{word}' is not a number to dial (1-31 digits 0-9)")
    return word


def _netmask(word: str) -> str:
    try:
        ipaddress.IPv4Network(f"0.0.0.0/{word}")
    except ValueError:
        raise ArgError(f"'{word}' is not a network mask (A.B.C.D, ones then zeros)") from None
    return word


def _dest_pattern(word: str) -> str:
    try:
        Pattern.parse(word)
    except PatternError as e:
        raise ArgError(f"destination pattern '{word}': {e.reason} (character {e.column + 1})", e.column) from None
    return word


def _session_target(word: str) -> object:
    kind, sep, rest = word.partition(":")
    if not sep or kind.lower() not in ("ipv4", "dns"):
        raise ArgError(f"'{word}' is not a session target (ipv4:A.B.C.D[:PORT] or dns:HOST[:PORT])")
    kind = kind.lower()
    host, sep, port_text = rest.partition(":")
    at, written = len(kind) + 1, host
    if kind == "ipv4":
        try:
            host = str(ipaddress.IPv4Address(host))
        except ValueError:
            raise ArgError(f"session target '{word}': '{host}' is not an IPv4 address (A.B.C.D)", at) from None
    elif not _DNS_NAME.fullmatch(host) or len(host) > 253:
        raise ArgError(f"session target '{word}': '{host}' is not a host name", at)
    port = None
    if sep:
        at += len(written) + 1
        if not re.fullmatch(r"[0-9]{1,5}", port_text) or not 1 <= int(port_text) <= 65535:
            raise ArgError(f"session target '{word}': port '{port_text}' is not in range 1-65535", at)
        port = int(port_text)
    return SessionTarget(kind, host, port)


_DNS_NAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*")
DTMF_RELAYS = ("sip-info", "rtp-nte")


def _dtmf(word: str) -> str:
    if word.lower() not in DTMF_RELAYS:
        raise ArgError(f"'{word}' is not a DTMF relay this server offers ({', '.join(DTMF_RELAYS)})")
    return word.lower()


def _word(word: str) -> str:
    return word


# The file systems `tftp-server` takes files from (the router's; system: is CME's own).
FILE_DEVICES = ("flash", "slot0", "slot1", "disk0", "disk1", "usbflash0", "usbflash1", "bootflash", "nvram")
_FILE_URL = re.compile(r"^([A-Za-z0-9]+):(/*[^/\\\x00-\x20][^\\\x00-\x20]*)$")


def _file_url(word: str) -> str:
    m = _FILE_URL.match(word)
    if not m or m.group(1).lower() not in FILE_DEVICES or any(p in ("", ".", "..") for p in
                                                              m.group(2).lstrip("/").split("/")):
        raise ArgError(f"'{word}' is not a file on the router (DEVICE:PATH, DEVICE one of {', '.join(FILE_DEVICES)})")
    return m.group(1).lower() + ":" + m.group(2)


ARG_TYPES: dict[str, Callable[[str], object]] = {
    "word": _word, "ipv4": _ipv4, "mac": _mac, "digits": _digits, "digit-list": _digit_list,
    "alnum30": _alnum30, "hostname": _hostname, "time": _time, "button": _button,
    "dial-digits": _dial_digits, "netmask": _netmask, "dest-pattern": _dest_pattern,
    "session-target": _session_target, "dtmf": _dtmf, "file-url": _file_url,
}


# --- pattern nodes ---------------------------------------------------------------

@dataclass(frozen=True)
class Keyword:
    words: tuple[str, ...]  # alternatives; one word for a plain keyword
    name: str | None = None  # capture the chosen word under this name


@dataclass(frozen=True)
class Arg:
    name: str
    kind: str  # an ARG_TYPES key, or "lo-hi"
    repeat: bool = False
    label: str = ""  # how messages name it: the keyword before it (`keepalive 5 out of range`)

    def convert(self, word: str) -> object:
        if "-" in self.kind and self.kind[0].isdigit():
            lo, hi = (int(x) for x in self.kind.split("-"))
            if not re.fullmatch(r"-?[0-9]{1,12}", word):
                raise ArgError(f"{self.label} '{word}' is not a number in range {lo}-{hi}")
            value = int(word)
            if not lo <= value <= hi:
                raise ArgError(f"{self.label} {value} out of range {lo}-{hi}")
            return value
        return ARG_TYPES[self.kind](word)


@dataclass(frozen=True)
class Rest:
    name: str  # the rest of the line, verbatim


@dataclass(frozen=True)
class Optional:
    nodes: tuple


_PIECE = re.compile(r"\[|\]|\{[^}]*\}|<[^>]*>(?:\.\.\.)?|[^\s\[\]{}<>]+")


def compile_pattern(text: str) -> tuple:
    pieces = _PIECE.findall(text)
    pos = 0

    def seq(closing: bool) -> tuple:
        nonlocal pos
        out = []
        while pos < len(pieces):
            p = pieces[pos]
            pos += 1
            if p == "[":
                out.append(Optional(seq(True)))
            elif p == "]":
                if not closing:
                    raise ValueError(f"unbalanced ']' in {text!r}")
                return tuple(out)
            elif p.startswith("{"):
                body = p[1:-1]
                name, _, alts = body.rpartition("=")
                out.append(Keyword(tuple(alts.split("|")), name or None))
            elif p.startswith("<"):
                repeat = p.endswith("...")
                name, _, kind = p[1:p.index(">")].partition(":")
                if kind == "line":
                    out.append(Rest(name))
                else:
                    if kind not in ARG_TYPES and not re.fullmatch(r"[0-9]+-[0-9]+", kind):
                        raise ValueError(f"unknown argument type {kind!r} in {text!r}")
                    before = out[-1] if out else None
                    label = (before.words[0] if isinstance(before, Keyword) and len(before.words) == 1
                             else name.replace("_", "-"))
                    out.append(Arg(name, kind, repeat, label))
            else:
                out.append(Keyword((p,)))
        if closing:
            raise ValueError(f"unbalanced '[' in {text!r}")
        return tuple(out)

    return seq(False)


def leading_keywords(nodes: tuple) -> list[tuple[str, ...]]:
    """Every spelling of the keywords a pattern starts with, up to its first argument:
    `allow-connections {sip|h323} to {sip|h323}` gives four spellings. Used for
    suggestions and for naming a command in messages."""
    spellings: list[tuple[str, ...]] = [()]
    for node in nodes:
        if not isinstance(node, Keyword):
            break
        spellings = [s + (w,) for s in spellings for w in node.words]
    return spellings


# --- matching ---------------------------------------------------------------------

INVALID, INCOMPLETE, BAD_ARG = 0, 1, 2  # failure kinds, least to most specific


@dataclass
class Failure:
    pos: int = -1  # index of the offending word (len(words) when the line ended early)
    kind: int = INVALID
    reason: str = ""
    expected: set[str] = field(default_factory=set)
    offset: int = 0  # into the offending word, for a bad argument

    def note(self, pos: int, kind: int, reason: str = "", expected: tuple[str, ...] = (), offset: int = 0) -> None:
        if (pos, kind) > (self.pos, self.kind):
            self.pos, self.kind, self.reason, self.expected = pos, kind, reason, set(expected)
            self.offset = offset
        elif (pos, kind) == (self.pos, self.kind):
            self.expected.update(expected)
            if not self.reason:
                self.reason = reason


def match(nodes: tuple, tokens: list[Token], line: str, fail: Failure) -> dict | None:
    """Captures of the first full match of `tokens` against `nodes`, else None (and
    `fail` holds the furthest failure)."""
    for end, caps in _walk(nodes, tokens, 0, {}, line, fail):
        if end == len(tokens):
            return caps
        fail.note(end, INVALID)
    return None


def _walk(nodes: tuple, toks: list[Token], i: int, caps: dict, line: str,
          fail: Failure) -> Iterator[tuple[int, dict]]:
    if not nodes:
        yield i, caps
        return
    node, rest = nodes[0], nodes[1:]
    if isinstance(node, Optional):
        yield from _walk(node.nodes + rest, toks, i, caps, line, fail)
        yield from _walk(rest, toks, i, caps, line, fail)
        return
    if i >= len(toks):
        expected = node.words if isinstance(node, Keyword) else ()
        fail.note(i, INCOMPLETE, expected=expected)
        return
    word = toks[i].text
    if isinstance(node, Keyword):
        chosen = next((w for w in node.words if w.lower() == word.lower()), None)
        if chosen is None:
            fail.note(i, INVALID, expected=node.words)
            return
        yield from _walk(rest, toks, i + 1, {**caps, node.name: chosen} if node.name else caps, line, fail)
    elif isinstance(node, Rest):
        yield from _walk(rest, toks, len(toks), {**caps, node.name: line[toks[i].start:].rstrip()}, line, fail)
    else:
        try:
            value = node.convert(word)
        except ArgError as e:
            fail.note(i, BAD_ARG, str(e), offset=e.offset)
            return
        if node.repeat:
            got = caps.get(node.name, ()) + (value,)
            # more of the same first (greedy), then stop repeating
            yield from _walk(nodes, toks, i + 1, {**caps, node.name: got}, line, fail) if i + 1 < len(toks) else iter(())
            yield from _walk(rest, toks, i + 1, {**caps, node.name: got}, line, fail)
        else:
            yield from _walk(rest, toks, i + 1, {**caps, node.name: value}, line, fail)
