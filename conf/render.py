"""The running configuration as text (`show running-config`, `write memory`).

Sections come in IOS's order (each global command and router command has a rank);
router commands of one rank keep the order they were loaded in. Sub-mode lines are
indented one space per level, `!` separates blocks, defaults are not shown, and
`end` closes the text. Parsing this text gives back the same model, so rendering is
stable: render(parse(render(c))) == render(c).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conf.grammar import GLOBAL, MODES, Mode
from conf.model import Config, RouterBlock


@dataclass
class _Item:
    rank: float
    comments: list[str]
    lines: list[str]
    block: bool


def render_mode(mode: Mode, obj: Any, indent: str = " ") -> list[str]:
    """The lines of one sub-mode's body, from the command table."""
    out: list[str] = []
    for cmd in mode.commands:
        if cmd.enters and cmd.sections:
            for _key, header, sub in cmd.sections(obj):
                out.append(indent + header)
                out.extend(render_mode(MODES[cmd.enters], sub, indent + " "))
        else:
            out.extend(indent + line for line in cmd.show(obj))
    if mode.extra_attr:
        out.extend(indent + line for line in getattr(obj, mode.extra_attr))
    return out


def _router_lines(block: RouterBlock) -> list[str]:
    return [block.line] + block.sub_lines


def render(config: Config) -> str:
    items: list[_Item] = []
    for cmd in GLOBAL.commands:
        assert cmd.sections is not None
        for key, header, obj in cmd.sections(config):
            body = render_mode(MODES[cmd.enters], obj) if cmd.enters else []
            items.append(_Item(cmd.rank, config.comments.get(key, []), [header] + body, cmd.enters is not None))
    for block in config.router:
        items.append(_Item(block.rank, block.comments, _router_lines(block), bool(block.sub_lines)))
    items.sort(key=lambda item: item.rank)  # stable: equal ranks keep their order

    out: list[str] = []
    previous: _Item | None = None
    for item in items:
        # a fractional rank sorts within its whole rank's group, without a '!' of its own
        if previous is None or previous.block or item.block or int(previous.rank) != int(item.rank):
            out.append("!")
        out.extend(item.comments)
        out.extend(item.lines)
        previous = item
    out.append("!")
    out.extend(config.comments.get(("end",), []))
    out.append("end")
    return "\n".join(out) + "\n"
