"""The mode-driven parser: one line at a time, as IOS reads a pasted configuration.

A line is tried in the current sub-mode, then in its parent, up to global
configuration; the first mode that accepts it becomes the current one. So
indentation is never needed (the examples in conf/examples/ lost theirs). A line that no
mode accepts is reported, IOS-style, and skipped: the parser stays where it was.

Router commands that are not CME's (router.py) are kept verbatim; those that open a
router sub-mode (`interface …`) collect the lines after them until a global command
(or, when the text is indented, an unindented line) appears.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Iterable

from conf import router
from conf.findings import ERROR, Finding, check
from conf.grammar import GLOBAL, MODES, Command, Mode
from conf.model import Config, RouterBlock
from conf.pattern import BAD_ARG, INCOMPLETE, ArgError, Failure, Token, match, tokenize

MAX_LINE = 4096  # characters; IOS's own limit is lower


@dataclass
class _Frame:
    mode: Mode
    obj: Any
    key: tuple | None  # the global section this frame belongs to


@dataclass
class _Hit:
    command: Command
    caps: dict
    negated: bool


class Parser:
    """Feed lines; `finish()` returns every finding, syntax and semantic, in line order."""

    def __init__(self, filename: str = "<config>", config: Config | None = None) -> None:
        self.filename = filename
        self.config = config if config is not None else Config()
        self.stack = [_Frame(GLOBAL, self.config, None)]
        self.block: RouterBlock | None = None  # the open router sub-mode
        self.banner_end: str | None = None  # delimiter that ends an open banner
        self.banner_line = 0
        self.comments: list[str] = []  # `! text` lines waiting for the next section
        self.findings: list[Finding] = []
        self.where: dict = {}  # see findings.Where
        self.rejected: tuple[int, str] | None = None  # a section header refused: (line, its text)

    # --- driving ---------------------------------------------------------------------

    def feed_text(self, text: str) -> None:
        for number, raw in enumerate(text.split("\n"), 1):
            self.feed(raw, number)

    def feed(self, raw: str, number: int) -> None:
        line = raw.rstrip("\r")
        if self.banner_end is not None:
            assert self.block is not None
            self.block.sub_lines.append(line)
            if self.banner_end in line:
                self.banner_end, self.block = None, None
            return
        line = line.rstrip()
        bad = next((i for i, c in enumerate(line) if (c < " " and c != "\t") or c == "\x7f"), None)
        if bad is not None:
            self._error(number, line, bad, f"% Invalid character 0x{ord(line[bad]):02x} at '^' marker")
            return
        if len(line) > MAX_LINE:
            self._error(number, line[:80], 80, f"% Line too long ({len(line)} characters, at most {MAX_LINE})")
            return
        text = line.strip()
        if not text:
            return
        if text.startswith("!"):
            if text.strip("! \t"):
                self.comments.append(text)
            return
        tokens = tokenize(line)
        if [t.text.lower() for t in tokens] == ["end"]:
            self.block = None
            del self.stack[1:]
            return
        if self.rejected is not None:
            if line[:1] in (" ", "\t") or not is_global([t.text for t in tokens]):
                # its sub-lines are the refused section's, not the section before it
                at, header = self.rejected
                self._error(number, line, len(line) - len(line.lstrip()),
                            f"% Ignored: part of the refused '{header}' (line {at})")
                return
            self.rejected = None
        if self.block is not None:
            if self._is_sub_line(line, tokens):
                # shown indented whether or not it was (the seed lost its indentation)
                self.block.sub_lines.append(line if line[:1] in (" ", "\t") else " " + line)
                return
            self.block = None
        self._dispatch(number, line, tokens)

    def finish(self) -> list[Finding]:
        if self.banner_end is not None and self.block is not None:
            # its text ran to the end of the file: IOS would not take it either
            self.config.router.remove(self.block)
            self._error(self.banner_line, self.block.line, len(self.block.line),
                        f"% Banner not terminated: no '{self.banner_end}' after it")
            self.banner_end = self.block = None
        if self.comments:
            self.config.comments.setdefault(("end",), []).extend(self.comments)
            self.comments = []
        self.findings.extend(check(self.config, self.filename, self.where))
        self.findings.sort(key=lambda f: f.line)
        return self.findings

    # --- one line ------------------------------------------------------------------

    def _dispatch(self, number: int, line: str, tokens: list[Token]) -> None:
        words = [t.text for t in tokens]
        failures: list[Failure] = []
        for depth in range(len(self.stack) - 1, -1, -1):
            frame = self.stack[depth]
            hit = match_mode(frame.mode, tokens, line)
            if isinstance(hit, _Hit):
                del self.stack[depth + 1:]
                self._run(frame, hit, line, tokens, number)
                return
            if frame.mode.extra_match(words):
                del self.stack[depth + 1:]
                getattr(frame.obj, frame.mode.extra_attr).append(line.strip())
                return
            failures.append(hit)
        vocabulary = router.lookup(words)
        # A CME command with a bad argument (`dial-peer voice 0 voip`) is reported, not
        # taken for the router command that shares its first word.
        if vocabulary is not None and failures[-1].kind != BAD_ARG:
            del self.stack[1:]
            self._router_command(number, line.strip(), tokens, vocabulary)
            return
        self._report(number, line, tokens, failures)
        if _opens_section(words):
            del self.stack[1:]  # nothing after it may land in the section before
            self.rejected = (number, line.strip())

    def _run(self, frame: _Frame, hit: _Hit, line: str, tokens: list[Token], number: int) -> None:
        cmd, caps = hit.command, hit.caps
        key = frame.key
        if frame.mode is GLOBAL and cmd.key is not None:
            key = cmd.key(caps)
            self.where[key] = number
            if self.comments:
                self.config.comments.setdefault(key, []).extend(self.comments)
                self.comments = []
        if hit.negated:
            assert cmd.no is not None
            cmd.no(frame.obj, caps)
            return
        try:
            result = cmd.apply(frame.obj, caps)
        except ArgError as e:  # a value its type allows that the command does not (a host address as a network)
            at = tokens[min(len(cmd.spellings[0]), len(tokens) - 1)]
            self._error(number, line, at.start, f"% {e}")
            return
        word = cmd.spellings[0][0]
        self.where[(key, word)] = number
        self.where[(key, cmd.name)] = number  # `session target` beside `session protocol`
        for name in ("number", "buttons", "preference", "model"):
            if name in caps:
                self.where[(key, word, str(caps[name]))] = number
        if cmd.enters:
            self.stack.append(_Frame(MODES[cmd.enters], result, key))

    def _router_command(self, number: int, text: str, tokens: list[Token], vocabulary: router.Vocabulary) -> None:
        block = RouterBlock(text, vocabulary.rank, comments=self.comments)
        self.comments = []
        self.config.router.append(block)
        if not vocabulary.block:
            return
        self.block = block
        self.banner_line = number
        if vocabulary.words == ("banner",) and len(tokens) >= 3:
            # banner motd ^C ... ^C: the text runs to the next delimiter, verbatim
            start = tokens[2].text
            delimiter = start[:2] if start.startswith("^") and len(start) > 1 else start[:1]
            block.verbatim = True
            if delimiter not in text[tokens[2].start - tokens[0].start + len(delimiter):]:
                self.banner_end = delimiter
            else:
                self.block = None

    def _is_sub_line(self, line: str, tokens: list[Token]) -> bool:
        if line[:1] in (" ", "\t"):
            return True
        assert self.block is not None
        opener = self.block.line.split()[0].lower()
        if tokens[0].text.lower() in router.SUB_LINE_OVERRIDES.get(opener, ()):
            return True
        return not is_global([t.text for t in tokens])

    # --- errors -----------------------------------------------------------------------

    def _error(self, number: int, line: str, column: int, message: str) -> None:
        self.findings.append(Finding(self.filename, number, ERROR, message, line, column))

    def _report(self, number: int, line: str, tokens: list[Token], failures: list[Failure]) -> None:
        best = failures[0]
        for f in failures[1:]:  # innermost mode wins ties
            if (f.pos, f.kind) > (best.pos, best.kind):
                best = f
        words = [t.text for t in tokens]
        negated = words[0].lower() == "no" and len(words) > 1
        pos = min(max(best.pos, 0), len(tokens))
        column = tokens[pos].start if pos < len(tokens) else len(line)
        if best.kind == BAD_ARG and pos < len(tokens):
            column += min(best.offset, len(tokens[pos].text) - 1)
        at = f" (at '{tokens[pos].text}')" if pos < len(tokens) else ""
        chain = [frame.mode for frame in self.stack]
        if best.kind == BAD_ARG:
            message = f"% {best.reason}"
        elif best.kind == INCOMPLETE:
            message = "% Incomplete command." + _expected(best)
        elif pos <= int(negated) and (other := _elsewhere(tokens, line, chain)):
            mode, keywords, failure = other
            message = f"% Invalid input detected at '^' marker{at}: '{keywords}' is a command of {mode.title}"
            if failure is not None and failure.kind == BAD_ARG:
                message += f"; {failure.reason}"
        else:
            hint = suggest(words, _candidates(chain))
            message = f"% Invalid input detected at '^' marker{at}" + (
                f": did you mean '{hint}'?" if hint else "." + (_expected(best) if pos > int(negated) else ""))
        self._error(number, line, column, message)


def match_mode(mode: Mode, tokens: list[Token], line: str) -> _Hit | Failure:
    """The first command of `mode` the line is (or whose `no` form it is), else the
    furthest failure."""
    fail = Failure()
    if tokens[0].text.lower() == "no" and len(tokens) > 1:
        inner = Failure()
        for cmd in mode.commands:
            if cmd.no is not None and (caps := match(cmd.no_nodes, tokens[1:], line, inner)) is not None:
                return _Hit(cmd, caps, True)
        fail.note(inner.pos + 1, inner.kind, inner.reason, tuple(inner.expected))
        return fail
    for cmd in mode.commands:
        if (caps := match(cmd.nodes, tokens, line, fail)) is not None:
            return _Hit(cmd, caps, False)
    return fail


_GLOBAL_SPELLINGS = [sp for cmd in GLOBAL.commands for sp in cmd.spellings]


def is_global(words: list[str]) -> bool:
    """Does the line start a global command (CME's or the router's)?"""
    w = [x.lower() for x in words]
    if w[:1] == ["no"]:
        w = w[1:]
    return router.lookup(w) is not None or any(tuple(w[:len(sp)]) == sp for sp in _GLOBAL_SPELLINGS)


_SECTION_SPELLINGS = [sp for cmd in GLOBAL.commands if cmd.enters for sp in cmd.spellings]


def _opens_section(words: list[str]) -> bool:
    """Is the line (refused) a global command that opens a sub-mode (`ephone-dn 0`)?"""
    w = tuple(x.lower() for x in words)
    return bool(w) and w[0] != "no" and any(w[:len(sp)] == sp for sp in _SECTION_SPELLINGS)


def _expected(f: Failure) -> str:
    if not f.expected:
        return ""
    return " Expected " + " or ".join(f"'{w}'" for w in sorted(f.expected)) + "."


def _elsewhere(tokens: list[Token], line: str, chain: list[Mode]) -> tuple[Mode, str, Failure | None] | None:
    """A mode outside the current chain where the line is a command (registrar under
    `voice service voip` instead of its `sip` sub-mode): the mode, the command's keywords,
    and the failure there if the line is wrong there too."""
    negated = tokens[0].text.lower() == "no" and len(tokens) > 1
    words = [t.text.lower() for t in tokens[int(negated):]]
    best: tuple[int, Mode, str, Failure | None] | None = None
    for mode in MODES.values():
        if mode in chain:
            continue
        spelled = [sp for c in mode.commands for sp in c.spellings if tuple(words[:len(sp)]) == sp]
        if not spelled:
            continue
        hit = match_mode(mode, tokens, line)
        depth = len(tokens) + 1 if isinstance(hit, _Hit) else hit.pos
        if best is None or depth > best[0]:
            keywords = " ".join(max(spelled, key=len))
            best = (depth, mode, keywords, None if isinstance(hit, _Hit) else hit)
    return best[1:] if best else None


def _candidates(chain: list[Mode]) -> Iterable[tuple[str, ...]]:
    for mode in chain:
        for cmd in mode.commands:
            yield from cmd.spellings
    yield from router.VOCABULARY


def suggest(words: list[str], candidates: Iterable[tuple[str, ...]], cutoff: float = 0.75) -> str | None:
    """The command the line was probably meant to be: its keywords in another order
    (`csta cti mode basic`), or the closest spelling (`allow-connections sip-to-sip`)."""
    negated = words[:1] and words[0].lower() == "no" and len(words) > 1
    w = words[1:] if negated else words
    best: tuple[float, tuple[str, ...]] = (0.0, ())
    for spelling in candidates:
        n = len(spelling)
        head = [x.lower() for x in w[:n]]
        if len(head) == n and head != list(spelling) and sorted(head) == sorted(spelling):
            score = 1.0
        else:
            sm = SequenceMatcher(None, " ".join(head), " ".join(spelling))
            floor = max(best[0], cutoff - 1e-9)  # cheap upper bounds first: most are far off
            score = sm.ratio() if sm.real_quick_ratio() > floor and sm.quick_ratio() > floor else 0.0
        if score > best[0]:
            best = (score, spelling)
    score, spelling = best
    if score < cutoff:
        return None
    text = " ".join(list(spelling) + w[len(spelling):])
    if text.lower() == " ".join(w).lower():
        return None
    return ("no " if negated else "") + text
