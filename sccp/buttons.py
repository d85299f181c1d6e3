"""What a phone's buttons show: its `button` lines (or its EM logout profile) as a template.

Line buttons are numbered as the phone sees them: the n-th Line button is line instance n,
whatever its position. Positions without a line are left undefined, as CME does for
buttons it has nothing to put on.
"""
from __future__ import annotations

from dataclasses import dataclass

from sccp.device import Button, ButtonTemplateResMessage
from sccp.enums import Stimulus

# Programmable line/feature buttons per model (the phone's own number, not the template's).
BUTTONS_PER_MODEL = {
    "7905": 1, "7906": 1, "7911": 1, "7912": 1, "7920": 6, "7921": 6, "7925": 6,
    "7931": 24, "7936": 1, "7937": 1, "7940": 2, "7941": 2, "7942": 2, "7945": 2,
    "7960": 6, "7961": 6, "7962": 6, "7965": 6, "7970": 8, "7971": 8, "7975": 8,
}
DEFAULT_BUTTONS = 6


@dataclass(frozen=True)
class LineButton:
    position: int  # the `button N:` number
    instance: int  # the line instance the phone uses in its messages (1-based)
    dn_tag: int


def line_buttons(ephone, config, logged_in_profile=None) -> list[LineButton]:
    """The ephone's line buttons in position order.

    An Extension Mobility phone with no `button` lines shows its user's profile numbers
    when someone is logged in, else its logout profile's numbers (cme.md, EM).
    """
    if ephone.buttons:
        assignments = [(pos, b.dn_tag) for pos, b in sorted(ephone.buttons.items())]
    else:
        profile = logged_in_profile
        if profile is None and ephone.logout_profile is not None:
            profile = config.logout_profiles.get(ephone.logout_profile)
        tags = []
        for pn in profile.numbers if profile is not None else ():
            dn = config.dn_by_number(pn.number)
            if dn is not None:
                tags.append(dn.tag)
        assignments = list(enumerate(tags, start=1))
    return [LineButton(pos, i, tag) for i, (pos, tag) in enumerate(assignments, start=1)]


def button_count(model: str | None, lines: list[LineButton]) -> int:
    count = BUTTONS_PER_MODEL.get((model or "").lower(), DEFAULT_BUTTONS)
    return max([count] + [b.position for b in lines])


def template_message(model: str | None, lines: list[LineButton]) -> ButtonTemplateResMessage:
    total = button_count(model, lines)
    by_position = {b.position: b for b in lines}
    buttons = []
    for position in range(1, total + 1):
        b = by_position.get(position)
        if b is None:
            buttons.append(Button(instance=0, definition=Stimulus.UNDEFINED))
        else:
            buttons.append(Button(instance=b.instance, definition=Stimulus.LINE))
    return ButtonTemplateResMessage(
        button_offset=0, button_count=total, total_button_count=total, buttons=tuple(buttons)
    )
