"""The exec command table: IOS-style parsing, abbreviation, `?` help and completion.

Pure Python, no Twisted: a line of text goes in, text comes out, so every rule here is
tested with plain strings. The shell (`cme.cli.shell`) and the SSH exec channel only move
bytes to and from `CommandTable.execute`, `help` and `complete`.

A command is a syntax string of tokens. Lower-case tokens are keywords, matched
case-insensitively and by any unambiguous prefix (`sh run`). The other tokens are
parameters, written as IOS prints them in `?` help:

    <1-65535>   a decimal number in that range   -> int
    WORD        one word                         -> str
    LINE        the rest of the line (last)      -> str
    H.H.H       a MAC address, 3 dotted groups   -> str, 12 upper-case hex digits

Later subsystems add their commands to the same table:

    table.add("clear cti session id <1-65535>", clear_session, help="Session id")
    table.describe("clear cti", "CTI information")      # help of an intermediate keyword

    @table.command("show cti session", help="CTI sessions")
    def show_cti_session(ctx):
        return render_table(ctx.app...)

A handler is called as `handler(ctx, *params)` with the parameter values in order; it may
write through `ctx.write` and/or return text, which is written after. `show` commands take
IOS output modifiers for free: `show running-config | section ephone-dn`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

Handler = Callable[..., "str | None"]

INVALID = "% Invalid input detected at '^' marker."
INCOMPLETE = "% Incomplete command."
UNRECOGNIZED = "% Unrecognized command"


# --------------------------------------------------------------------------
# Context: what a handler sees


@dataclass
class Context:
    """One exec session as the handlers see it.

    The shell keeps one for the life of the connection, so `terminal length` and the
    window size persist between commands. `out` receives text with `\\n` line ends; the
    transport converts them.
    """

    app: Any
    out: Callable[[str], None] = lambda text: None
    width: int = 80
    length: int = 24
    username: str = ""
    peer: str = ""
    history: list[str] = field(default_factory=list)
    closed: bool = False
    monitor: Callable[[bool], bool] | None = None  # `terminal monitor`: the shell's switch (None: no screen)
    configuring: Any = None  # cme.cli.configure.ConfigSession while in configuration mode
    interactive: bool = False  # a shell with a prompt (configure terminal needs one)
    run_exec: Any = None  # (line, ctx) -> Result: an exec command from configuration mode (`do`)

    def write(self, text: str) -> None:
        if text:
            self.out(text)

    def writeln(self, text: str = "") -> None:
        self.out(text + "\n")

    def close(self) -> None:
        """Ask the transport to end the session once the command returns (`exit`)."""
        self.closed = True


class CommandError(Exception):
    """Raised by a handler to print `% message` (e.g. a range its syntax cannot express)."""


# --------------------------------------------------------------------------
# Parameter types


class Param:
    """A parameter token of a syntax string."""

    name: str  # as printed by `?`
    takes_rest = False

    def convert(self, text: str) -> Any:  # pragma: no cover - interface
        """The value for `text`, or None if `text` is not acceptable."""
        raise NotImplementedError

    def could_start(self, partial: str) -> bool:
        """Whether `partial` may be the beginning of an acceptable token (for `x?`)."""
        return bool(partial)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.name == getattr(other, "name", None)

    def __hash__(self) -> int:
        return hash((type(self), self.name))


class Number(Param):
    def __init__(self, low: int, high: int) -> None:
        if low > high:
            raise ValueError(f"empty range <{low}-{high}>")
        self.low, self.high = low, high
        self.name = f"<{low}-{high}>"

    def convert(self, text: str) -> int | None:
        if not text.isascii() or not text.isdigit() or len(text) > 12:
            return None
        value = int(text)
        return value if self.low <= value <= self.high else None

    def could_start(self, partial: str) -> bool:
        return partial.isascii() and partial.isdigit()


class Word(Param):
    name = "WORD"

    def convert(self, text: str) -> str:
        return text


class Line(Param):
    name = "LINE"
    takes_rest = True

    def convert(self, text: str) -> str:
        return text


class MacAddress(Param):
    name = "H.H.H"
    _RE = re.compile(r"^[0-9A-Fa-f]{1,4}\.[0-9A-Fa-f]{1,4}\.[0-9A-Fa-f]{1,4}$")

    def convert(self, text: str) -> str | None:
        if not self._RE.match(text):
            return None
        return "".join(group.zfill(4) for group in text.split(".")).upper()

    def could_start(self, partial: str) -> bool:
        return bool(re.match(r"^[0-9A-Fa-f.]+$", partial))


_RANGE = re.compile(r"^<(\d+)-(\d+)>$")
_KEYWORD = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _token(spec: str) -> str | Param:
    if m := _RANGE.match(spec):
        return Number(int(m.group(1)), int(m.group(2)))
    if spec == "WORD":
        return Word()
    if spec == "LINE":
        return Line()
    if spec == "H.H.H":
        return MacAddress()
    if _KEYWORD.match(spec):
        return spec
    raise ValueError(f"bad token {spec!r}: keywords are lower case; parameters are "
                     "<LOW-HIGH>, WORD, LINE or H.H.H")


# --------------------------------------------------------------------------
# The tree


class Node:
    """One position in the command tree; `handler` is set where a command may end."""

    __slots__ = ("token", "help", "handler", "hidden", "keywords", "params")

    def __init__(self, token: str | Param | None = None, help: str = "") -> None:
        self.token = token
        self.help = help
        self.handler: Handler | None = None
        self.hidden = False
        self.keywords: dict[str, Node] = {}
        self.params: list[Node] = []

    @property
    def name(self) -> str:
        return self.token if isinstance(self.token, str) else self.token.name

    def child(self, token: str | Param) -> "Node | None":
        if isinstance(token, str):
            return self.keywords.get(token)
        return next((n for n in self.params if n.token == token), None)

    def visible_keywords(self) -> list[str]:
        return sorted(k for k, n in self.keywords.items() if not n.hidden)

    def has_children(self) -> bool:
        return bool(self.keywords or self.params)


@dataclass
class _Match:
    """The outcome of walking the tree over a line's tokens."""

    node: Node
    values: list[Any]
    error: str | None = None  # a complete error message, when the walk failed
    rest_taken: bool = False  # a LINE parameter consumed the remainder
    first: Node | None = None  # the node of the first word (is it `show`?)


@dataclass
class Result:
    """What `execute` did: the text written and whether it was an error."""

    output: str
    ok: bool
    close: bool = False


_TOKENS = re.compile(r"\S+")


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _caret(line: str, column: int, indent: int) -> str:
    # IOS prints the caret under the failing character of the echoed input; `indent`
    # is the width of whatever precedes the input on screen (the prompt).
    return " " * (indent + column) + "^\n" + INVALID + "\n"


class CommandTable:
    def __init__(self) -> None:
        self.root = Node()

    # ---- registration

    def add(self, syntax: str, handler: Handler, help: str = "", *, hidden: bool = False) -> None:
        """Register `syntax` (e.g. "show cti session id <1-65535>") to run `handler`.

        `help` is the `?` text of the last token; intermediate keywords keep the help they
        already have (see `describe`). `hidden` commands run and match exactly but are left
        out of `?` lists and abbreviations, like IOS's hidden commands.
        """
        node = self._path(syntax, create=True)
        if node.handler is not None:
            raise ValueError(f"command already registered: {syntax!r}")
        node.handler = handler
        node.hidden = node.hidden or hidden
        if help:
            node.help = help

    def command(self, syntax: str, help: str = "", *, hidden: bool = False):
        """Decorator form of `add`."""

        def register(handler: Handler) -> Handler:
            self.add(syntax, handler, help, hidden=hidden)
            return handler

        return register

    def describe(self, syntax: str, help: str) -> None:
        """Set the `?` help of the last token of `syntax`, creating the path if needed."""
        self._path(syntax, create=True).help = help

    def _path(self, syntax: str, *, create: bool) -> Node:
        specs = syntax.split()
        if not specs:
            raise ValueError("empty command syntax")
        node = self.root
        for i, spec in enumerate(specs):
            token = _token(spec)
            if node.params and node.params[-1].token.takes_rest:
                raise ValueError(f"{syntax!r}: nothing may follow LINE")
            child = node.child(token)
            if child is None:
                if not create:
                    raise KeyError(syntax)
                child = Node(token)
                if isinstance(token, str):
                    node.keywords[token] = child
                else:
                    node.params.append(child)
            if isinstance(token, Param) and token.takes_rest and i != len(specs) - 1:
                raise ValueError(f"{syntax!r}: LINE must be the last token")
            node = child
        return node

    # ---- matching

    def _step(self, node: Node, token: str, column: int, line: str, indent: int,
              values: list[Any]) -> tuple[Node | None, str | None, bool]:
        """Match one token below `node`: (child, error message, consumed the rest)."""
        word = token.lower()
        exact = node.keywords.get(word)
        if exact is not None:
            return exact, None, False
        prefixed = [n for k, n in node.keywords.items() if not n.hidden and k.startswith(word)]
        if len(prefixed) == 1:
            return prefixed[0], None, False
        if len(prefixed) > 1:
            return None, f'% Ambiguous command:  "{line.strip()}"\n', False
        for param in node.params:
            if param.token.takes_rest:
                values.append(param.token.convert(line[column:].rstrip()))
                return param, None, True
            value = param.token.convert(token)
            if value is not None:
                values.append(value)
                return param, None, False
        # IOS points at the first character no command can continue with.
        reach = max((_common_prefix(word, k) for k, n in node.keywords.items() if not n.hidden),
                    default=0)
        return None, _caret(line, column + min(reach, len(token) - 1), indent), False

    def _walk(self, line: str, tokens: list[re.Match], indent: int) -> _Match:
        node, values, first = self.root, [], None
        for m in tokens:
            child, error, rest = self._step(node, m.group(), m.start(), line, indent, values)
            if child is None:
                return _Match(node, values, error, first=first)
            node = child
            first = first or child
            if rest:
                return _Match(node, values, rest_taken=True, first=first)
        return _Match(node, values, first=first)

    # ---- output modifiers: `show ... | include REGEX`

    def _filterable(self, match: _Match) -> bool:
        return match.first is not None and match.first is self.root.keywords.get("show")

    def _pipe(self, line: str, tokens: list[re.Match], indent: int):
        """(command match, filter line, filter indent) if `line` is `show ... | ...`."""
        bar = next((i for i, m in enumerate(tokens) if m.group() == "|"), None)
        if bar is None:
            return None
        head = line[: tokens[bar].start()]
        match = self._walk(head, tokens[:bar], indent)
        if match.error or not self._filterable(match):
            return None
        return match, line[tokens[bar].end():], indent + tokens[bar].end()

    # ---- the three operations

    def execute(self, line: str, ctx: Context, *, indent: int = 0) -> Result:
        """Run one input line; output goes to `ctx.write` and is also returned."""
        written: list[str] = []
        outer = ctx.out

        def capture(text: str) -> None:
            written.append(text)
            outer(text)

        ctx.out = capture
        try:
            ok = self._execute(line, ctx, indent)
        finally:
            ctx.out = outer
        return Result("".join(written), ok, ctx.closed)

    def _execute(self, line: str, ctx: Context, indent: int) -> bool:
        tokens = list(_TOKENS.finditer(line))
        if not tokens:
            return True
        output_filter = None
        if piped := self._pipe(line, tokens, indent):
            match, filter_line, filter_indent = piped
            fmatch = OUTPUT_MODIFIERS._walk(filter_line, list(_TOKENS.finditer(filter_line)), filter_indent)
            if fmatch.error or fmatch.node.handler is None:
                ctx.write((fmatch.error or INCOMPLETE + "\n") + "\n")
                return False
            try:
                output_filter = fmatch.node.handler(ctx, *fmatch.values)
            except CommandError as e:
                ctx.write(f"% {e}\n")
                return False
        else:
            match = self._walk(line, tokens, indent)
        if match.error:
            ctx.write(match.error + "\n")
            return False
        if match.node.handler is None:
            ctx.write(INCOMPLETE + "\n\n")
            return False
        outer, kept = ctx.out, []
        if output_filter is not None:
            ctx.out = kept.append
        try:
            text = match.node.handler(ctx, *match.values)
        except CommandError as e:
            text, ok = f"% {e}\n", False
        else:
            ok = True
        finally:
            ctx.out = outer
        if text:
            text = text if text.endswith("\n") else text + "\n"
            if output_filter is not None:
                kept.append(text)
            else:
                ctx.write(text)
        if output_filter is not None:
            ctx.write(output_filter("".join(kept)))
        return ok

    def help(self, line: str, *, width: int = 80, indent: int = 0) -> str:
        """The `?` answer for `line` (the input up to where `?` was typed)."""
        tokens = list(_TOKENS.finditer(line))
        partial = tokens.pop() if tokens and not line[-1:].isspace() else None
        if piped := self._pipe(line, tokens, indent):
            _, filter_line, filter_indent = piped
            return OUTPUT_MODIFIERS.help(filter_line, width=width, indent=filter_indent)
        match = self._walk(line, tokens, indent)
        if match.error:
            return match.error + "\n"
        node = match.node
        if partial is not None and not match.rest_taken:
            if partial.group() == "|" and node.handler is not None and self._filterable(match):
                return "|\n\n"
            return self._completions(node, partial.group(), width)
        return self._choices(node, match.rest_taken,
                             pipe=node.handler is not None and self._filterable(match))

    def _completions(self, node: Node, partial: str, width: int) -> str:
        word = partial.lower()
        names = [k for k in node.visible_keywords() if k.startswith(word)]
        names += [p.name for p in node.params
                  if p.token.takes_rest or p.token.could_start(partial)]
        if not names:
            return UNRECOGNIZED + "\n"
        lines, current = [], ""
        for name in names:
            candidate = f"{current}  {name}" if current else name
            if current and len(candidate) > max(width - 1, 20):
                lines.append(current)
                candidate = name
            current = candidate
        lines.append(current)
        return "\n".join(lines) + "\n\n"

    @staticmethod
    def _choices(node: Node, rest_taken: bool, *, pipe: bool = False) -> str:
        rows: list[tuple[str, str]] = []
        if rest_taken:
            rows.append(("<cr>", ""))
        else:
            rows += [(k, node.keywords[k].help) for k in node.visible_keywords()]
            rows += [(p.name, p.help) for p in node.params if not p.hidden]
            if pipe:
                rows.append(("|", "Output modifiers"))
            if node.handler is not None:
                rows.append(("<cr>", ""))
        if not rows:
            return UNRECOGNIZED + "\n"
        col = max(len(name) for name, _ in rows) + 2
        return "".join(f"  {name:<{col}}{text}".rstrip() + "\n" for name, text in rows) + "\n"

    def complete(self, line: str) -> str | None:
        """`line` with its last word completed (Tab), or None if not unambiguous."""
        tokens = list(_TOKENS.finditer(line))
        if not tokens or line[-1:].isspace():
            return None
        partial = tokens.pop()
        match = self._walk(line, tokens, 0)
        if match.error or match.rest_taken:
            return None
        word = partial.group().lower()
        names = [k for k in match.node.visible_keywords() if k.startswith(word)]
        if word in match.node.keywords:
            names = [word]
        if len(names) != 1:
            return None
        return line[: partial.start()] + names[0] + " "

    def commands(self) -> Iterable[tuple[str, Node]]:
        """Every registered command as (syntax, node), depth first (for docs and tests)."""

        def walk(node: Node, prefix: list[str]):
            if node.handler is not None:
                yield " ".join(prefix), node
            for key in sorted(node.keywords):
                yield from walk(node.keywords[key], prefix + [key])
            for param in node.params:
                yield from walk(param, prefix + [param.name])

        yield from walk(self.root, [])


# --------------------------------------------------------------------------
# Output modifiers (IOS: `show running-config | include ephone`)


def _regex(text: str) -> "re.Pattern[str]":
    try:
        return re.compile(text)
    except re.error as e:
        raise CommandError(f"Invalid regular expression {text!r}: {e}") from e


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _joined(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _include(ctx, pattern: str):
    rx = _regex(pattern)
    return lambda text: _joined([l for l in _lines(text) if rx.search(l)])


def _exclude(ctx, pattern: str):
    rx = _regex(pattern)
    return lambda text: _joined([l for l in _lines(text) if not rx.search(l)])


def _begin(ctx, pattern: str):
    rx = _regex(pattern)

    def keep(text: str) -> str:
        lines = _lines(text)
        start = next((i for i, l in enumerate(lines) if rx.search(l)), len(lines))
        return _joined(lines[start:])

    return keep


def _section(ctx, pattern: str):
    """Whole configuration sections (a line and the indented lines under it) that match."""
    rx = _regex(pattern)

    def keep(text: str) -> str:
        sections: list[list[str]] = []
        for line in _lines(text):
            if line[:1].isspace() and sections:
                sections[-1].append(line)
            else:
                sections.append([line])
        return _joined([l for sec in sections if any(rx.search(l) for l in sec) for l in sec])

    return keep


def _count(ctx, pattern: str):
    rx = _regex(pattern)
    return lambda text: (f"Number of lines which match regexp = "
                         f"{sum(1 for l in _lines(text) if rx.search(l))}\n")


OUTPUT_MODIFIERS = CommandTable()
OUTPUT_MODIFIERS.add("begin LINE", _begin, "Regular Expression")
OUTPUT_MODIFIERS.describe("begin", "Begin with the line that matches")
OUTPUT_MODIFIERS.add("count LINE", _count, "Regular Expression")
OUTPUT_MODIFIERS.describe("count", "Count number of lines which match regexp")
OUTPUT_MODIFIERS.add("exclude LINE", _exclude, "Regular Expression")
OUTPUT_MODIFIERS.describe("exclude", "Exclude lines that match")
OUTPUT_MODIFIERS.add("include LINE", _include, "Regular Expression")
OUTPUT_MODIFIERS.describe("include", "Include lines that match")
OUTPUT_MODIFIERS.add("section LINE", _section, "Regular Expression")
OUTPUT_MODIFIERS.describe("section", "Filter a section of output")
